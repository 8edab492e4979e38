import type { BreakConfirmationPolicy, RegimeEvent } from '@tollgate/contracts';
import { DEFAULT_ONLINE_DETECTOR_CONFIG, initialDetectorState, observeReturn, type DetectorState, type OnlineDetectorConfig } from './online-detector';
import type { RegimeCommand, WindowReturn } from './regime.commands';
import { breakSuspicionIdFor, decideRegime } from './regime.decide';
import { evolveRegime, initialRegimeState, type RegimeState } from './regime.state';

/**
 * The regime service's loop for one symbol, as a pure step: the online detector (a projection of
 * the returns), the regime decider, and the recent returns the confirmation test needs. Simulations
 * and the study drive it directly; the service does the same with a store in between.
 */
export interface RegimeMonitorConfig {
  detector: OnlineDetectorConfig;
  confirmation: BreakConfirmationPolicy;
}

export const DEFAULT_BREAK_CONFIRMATION: BreakConfirmationPolicy = {
  afterBars: 50,
  lookbackBars: 200,
  method: 'ols-cusum',
  variance: 'iid',
  alpha: '0.01',
  volatilityModel: 'garch',
  volatilityModelBars: 1000,
};

export const DEFAULT_REGIME_MONITOR_CONFIG: RegimeMonitorConfig = {
  detector: DEFAULT_ONLINE_DETECTOR_CONFIG,
  confirmation: DEFAULT_BREAK_CONFIRMATION,
};

export interface RegimeMonitorState {
  symbol: string;
  detector: DetectorState;
  regime: RegimeState;
  /**
   * The latest returns a confirmation needs, in two parts so a step copies at most a short tail:
   * `olderReturns` is rebuilt only when `newerReturns` fills up.
   */
  olderReturns: readonly WindowReturn[];
  newerReturns: readonly WindowReturn[];
  barsSinceSuspicion: number;
}

const TAIL_LENGTH = 64;

export function createRegimeMonitor(symbol: string): RegimeMonitorState {
  return { symbol, detector: initialDetectorState(), regime: initialRegimeState(), olderReturns: [], newerReturns: [], barsSinceSuspicion: 0 };
}

/** The returns a confirmation window may draw on, oldest first. */
export function monitorRecentReturns(state: RegimeMonitorState, config: RegimeMonitorConfig = DEFAULT_REGIME_MONITOR_CONFIG): WindowReturn[] {
  return [...state.olderReturns, ...state.newerReturns].slice(-returnsToKeep(config));
}

function returnsToKeep(config: RegimeMonitorConfig): number {
  return config.confirmation.volatilityModelBars + config.confirmation.lookbackBars + config.confirmation.afterBars;
}

/** Feeds one bar's return; returns the next state and the regime events it caused. */
export function stepRegimeMonitor(
  state: RegimeMonitorState,
  bar: WindowReturn,
  config: RegimeMonitorConfig = DEFAULT_REGIME_MONITOR_CONFIG,
): { state: RegimeMonitorState; events: RegimeEvent[] } {
  let olderReturns = state.olderReturns;
  let newerReturns = [...state.newerReturns, bar];
  if (newerReturns.length >= TAIL_LENGTH) {
    olderReturns = [...olderReturns, ...newerReturns].slice(-returnsToKeep(config));
    newerReturns = [];
  }
  const observed = observeReturn(state.detector, bar.value, config.detector);
  let detector = observed.state;
  let regime = state.regime;
  let barsSinceSuspicion = state.barsSinceSuspicion;
  const events: RegimeEvent[] = [];
  const apply = (command: RegimeCommand): void => {
    const produced = decideRegime(command, regime);
    for (const event of produced) regime = evolveRegime(regime, event);
    events.push(...produced);
  };

  if (regime.status === 'suspected') {
    barsSinceSuspicion += 1;
    if (barsSinceSuspicion >= regime.suspicion.confirmation.afterBars) {
      const recentReturns = monitorRecentReturns({ ...state, olderReturns, newerReturns }, config);
      apply({ type: 'ResolveStructuralBreakSuspicion', symbol: state.symbol, suspicionId: regime.suspicion.suspicionId, recentReturns, at: bar.at });
      // A confirmed break ends the regime the detector's baselines describe.
      if (events.some((event) => event.type === 'StructuralBreakConfirmed')) detector = initialDetectorState();
    }
  } else if (observed.alarm) {
    apply({
      type: 'SuspectStructuralBreak',
      symbol: state.symbol,
      suspicionId: breakSuspicionIdFor(state.symbol, bar.at),
      alarm: observed.alarm,
      detectedAt: bar.at,
      confirmation: config.confirmation,
    });
    barsSinceSuspicion = 0;
  }
  return { state: { symbol: state.symbol, detector, regime, olderReturns, newerReturns, barsSinceSuspicion }, events };
}
