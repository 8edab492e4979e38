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
  lookbackBars: 250,
  method: 'sup-f',
  variance: 'hac',
  alpha: '0.01',
};

export const DEFAULT_REGIME_MONITOR_CONFIG: RegimeMonitorConfig = {
  detector: DEFAULT_ONLINE_DETECTOR_CONFIG,
  confirmation: DEFAULT_BREAK_CONFIRMATION,
};

export interface RegimeMonitorState {
  symbol: string;
  detector: DetectorState;
  regime: RegimeState;
  /** The latest returns, as many as a confirmation window needs. */
  recentReturns: readonly WindowReturn[];
  barsSinceSuspicion: number;
}

export function createRegimeMonitor(symbol: string): RegimeMonitorState {
  return { symbol, detector: initialDetectorState(), regime: initialRegimeState(), recentReturns: [], barsSinceSuspicion: 0 };
}

/** Feeds one bar's return; returns the next state and the regime events it caused. */
export function stepRegimeMonitor(
  state: RegimeMonitorState,
  bar: WindowReturn,
  config: RegimeMonitorConfig = DEFAULT_REGIME_MONITOR_CONFIG,
): { state: RegimeMonitorState; events: RegimeEvent[] } {
  const keep = config.confirmation.lookbackBars + config.confirmation.afterBars + 1;
  const recentReturns = [...state.recentReturns.slice(-(keep - 1)), bar];
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
  return { state: { symbol: state.symbol, detector, regime, recentReturns, barsSinceSuspicion }, events };
}
