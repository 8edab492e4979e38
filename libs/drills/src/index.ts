export { drillNames, drillPeople, percentile, DrillContext, type DrillName, type DrillCheck, type DrillFigure, type DrillReport, type DrillSystem, type DrillOptions } from './drill';
export { DrillMarket, DRILL_MARKET_START } from './drill-market';
export { drillLimits, applyDrillLimits, type DrillLimits } from './drill-limits';
export { createScratchSystem, DRILL_ACCOUNT, DRILL_SYMBOLS, type ScratchSystemOptions } from './scratch-system';
export { runDrill, runDrillInScratch, recordDrill } from './run-drill';

// The crash-recovery drill (broker integration, issue 6): separate processes over NATS and PostgreSQL against the broker sandbox.
export { CRASH_SCENARIOS, runCrashRecoveryDrill, type CrashRecoveryOptions, type CrashRecoveryReport, type CrashScenario, type ScenarioFigures } from './crash-recovery';
