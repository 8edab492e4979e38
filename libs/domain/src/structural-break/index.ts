export { fitGarch11, garchConditionalVariances, type GarchFit } from './garch';
export { chiSquareSurvival, brownianBridgeSupSurvival, upperRegularizedGamma, logGamma } from './distributions';
export { type Bandwidth, type VarianceEstimator, andrewsBartlettBandwidth, longRunSumOfSquares } from './long-run-variance';
export { olsCusumTest, SeriesTooShortError, type OlsCusumOptions, type OlsCusumResult } from './ols-cusum';
export { supFTest, type SupFOptions, type SupFResult } from './sup-f';
export { supFPValue, SUP_F_MINIMUM_TRIMMING } from './sup-f-p-value';
export {
  analyseMeanBreaks,
  dateMeanBreaks,
  MEAN_BREAK_METHODS,
  type DatedBreak,
  type MeanBreakAnalysis,
  type MeanBreakMethod,
  type MeanBreakOptions,
} from './mean-break-analysis';
export {
  DEFAULT_ONLINE_DETECTOR_CONFIG,
  initialDetectorState,
  observeReturn,
  restartDetector,
  validateDetectorConfig,
  type BreakDirection,
  type BreakSeries,
  type DetectorAlarm,
  type DetectorState,
  type OnlineDetectorConfig,
} from './online-detector';
export type { RegimeCommand, ResolveStructuralBreakSuspicion, SuspectStructuralBreak, WindowReturn } from './regime.commands';
export { breakSuspicionIdFor, decideRegime, regimeDecider } from './regime.decide';
export { evolveRegime, initialRegimeState, lastConfirmedBreak, regimeBlocksNewProposals, type RegimeHistory, type RegimeState } from './regime.state';
export {
  createRegimeMonitor,
  DEFAULT_BREAK_CONFIRMATION,
  DEFAULT_REGIME_MONITOR_CONFIG,
  monitorRecentReturns,
  stepRegimeMonitor,
  type RegimeMonitorConfig,
  type RegimeMonitorState,
} from './regime-monitor';
export { createSeededRandom, type SeededRandom } from './seeded-random';
export { statisticString } from './statistic-string';
export { parseSeriesCsv, type SeriesTable } from './series-csv';
