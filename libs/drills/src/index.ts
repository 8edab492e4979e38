export { drillNames, drillPeople, percentile, DrillContext, type DrillName, type DrillCheck, type DrillFigure, type DrillReport, type DrillSystem, type DrillOptions } from './drill';
export { DrillMarket, DRILL_MARKET_START } from './drill-market';
export { drillLimits, applyDrillLimits, type DrillLimits } from './drill-limits';
export { createScratchSystem, DRILL_ACCOUNT, DRILL_SYMBOLS, type ScratchSystemOptions } from './scratch-system';
export { runDrill, runDrillInScratch, recordDrill } from './run-drill';
