export { bindController, type BindControllerOptions } from './controller-binding';
export { ActivityTracker, Settler, TrackedBus, TrackedStore } from './settle';
export { prepareMarket, type PrepareOptions, type SimulationMarket, type SimulationSource } from './market-events';
export { stepThrough, type SimulationStepper, type StepProgress } from './driver';
export { renderSummary, summarizeSimulation, type SimulationSummary, type SummaryInputs } from './summary';
