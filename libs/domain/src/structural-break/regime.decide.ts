import type { BreakConfirmationPolicy, RegimeEvent } from '@tollgate/contracts';
import { assertNever, deterministicId, DomainError, type Decider } from '@tollgate/kernel';
import { fitGarch11, garchConditionalVariances } from './garch';
import { olsCusumTest, SeriesTooShortError } from './ols-cusum';
import type { RegimeCommand, ResolveStructuralBreakSuspicion, SuspectStructuralBreak, WindowReturn } from './regime.commands';
import { evolveRegime, initialRegimeState, type RegimeState } from './regime.state';
import { statisticString } from './statistic-string';
import { supFTest } from './sup-f';

/** The suspicion raised at a given bar has one id, however often the alarm is replayed. */
export function breakSuspicionIdFor(symbol: string, detectedAt: string): string {
  return deterministicId('tollgate.break-suspicion', symbol, detectedAt);
}

export function decideRegime(command: RegimeCommand, state: RegimeState): RegimeEvent[] {
  switch (command.type) {
    case 'SuspectStructuralBreak':
      return suspect(command, state);
    case 'ResolveStructuralBreakSuspicion':
      return resolve(command, state);
    default:
      return assertNever(command, 'regime command');
  }
}

function suspect(command: SuspectStructuralBreak, state: RegimeState): RegimeEvent[] {
  // One open suspicion per symbol: a second alarm adds nothing the first confirmation will not test.
  if (state.status === 'suspected') return [];
  validatePolicy(command.confirmation);
  return [
    {
      type: 'StructuralBreakSuspected',
      data: {
        symbol: command.symbol,
        suspicionId: command.suspicionId,
        series: command.alarm.series,
        direction: command.alarm.direction,
        method: command.alarm.method,
        statistic: statisticString(command.alarm.statistic),
        threshold: statisticString(command.alarm.threshold),
        detectedAt: command.detectedAt,
        confirmation: command.confirmation,
      },
    },
  ];
}

function resolve(command: ResolveStructuralBreakSuspicion, state: RegimeState): RegimeEvent[] {
  if (state.status !== 'suspected' || state.suspicion.suspicionId !== command.suspicionId) {
    throw new DomainError('BREAK_SUSPICION_NOT_OPEN', `suspicion ${command.suspicionId} for ${command.symbol} is not open`, {
      suspicionId: command.suspicionId,
    });
  }
  const suspicion = state.suspicion;
  const policy = suspicion.confirmation;
  const { window, modelHistory } = testWindow(command.recentReturns, suspicion.detectedAt, policy);
  const values = suspicion.series === 'mean' ? window.map((bar) => bar.value) : volatilitySeries(window, modelHistory, policy);
  let outcome: { statistic: number; pValue: number; breakIndex: number };
  try {
    outcome = policy.method === 'sup-f' ? supFTest(values, { variance: policy.variance }) : olsCusumTest(values, { variance: policy.variance });
  } catch (error) {
    if (error instanceof SeriesTooShortError) {
      throw new DomainError('BREAK_WINDOW_TOO_SHORT', `the ${values.length}-bar window was too short for ${policy.method}`, { bars: values.length });
    }
    throw error;
  }
  const resolution = {
    symbol: command.symbol,
    suspicionId: suspicion.suspicionId,
    series: suspicion.series,
    method: policy.method,
    variance: policy.variance,
    statistic: statisticString(outcome.statistic),
    pValue: statisticString(outcome.pValue),
    alpha: policy.alpha,
    windowStart: window[0]!.at,
    windowEnd: window[window.length - 1]!.at,
    windowBars: window.length,
    resolvedAt: command.at,
  };
  if (outcome.pValue < Number(policy.alpha)) {
    return [{ type: 'StructuralBreakConfirmed', data: { ...resolution, breakAt: window[outcome.breakIndex]!.at } }];
  }
  return [{ type: 'StructuralBreakDismissed', data: resolution }];
}

/**
 * The lookback bars up to and including the detection bar, then the bars after it; and the
 * history before the window a volatility model is fitted on.
 */
function testWindow(
  recentReturns: readonly WindowReturn[],
  detectedAt: string,
  policy: BreakConfirmationPolicy,
): { window: WindowReturn[]; modelHistory: WindowReturn[] } {
  const detection = Date.parse(detectedAt);
  for (let index = 1; index < recentReturns.length; index += 1) {
    if (!(Date.parse(recentReturns[index]!.at) > Date.parse(recentReturns[index - 1]!.at))) {
      throw new DomainError('BREAK_WINDOW_NOT_ORDERED', `returns were not in time order at ${recentReturns[index]!.at}`, { at: recentReturns[index]!.at });
    }
  }
  const upToDetection = recentReturns.filter((bar) => Date.parse(bar.at) <= detection);
  const after = recentReturns.filter((bar) => Date.parse(bar.at) > detection);
  if (after.length < policy.afterBars) {
    throw new DomainError('BREAK_CONFIRMATION_TOO_EARLY', `only ${after.length} of ${policy.afterBars} bars after the suspicion were available`, {
      barsAfter: after.length,
      required: policy.afterBars,
    });
  }
  const lookback = upToDetection.slice(-policy.lookbackBars);
  const beforeWindow = upToDetection.slice(0, upToDetection.length - lookback.length);
  return { window: [...lookback, ...after.slice(0, policy.afterBars)], modelHistory: beforeWindow.slice(-policy.volatilityModelBars) };
}

/** A GARCH fit needs some history; with less than this before the window, the window's own lookback is used. */
const MINIMUM_MODEL_HISTORY = 100;

/**
 * A break in volatility is a break in the mean of squared deviations. With a GARCH model, the
 * squares are of residuals standardized by the conditional variance of a GARCH(1,1) fitted to the
 * history before the test window and run forward through it: clustering the model expects does not
 * count as a break. The fit stops where the window starts because a fit that saw the break would
 * explain it away as persistence.
 */
function volatilitySeries(window: WindowReturn[], modelHistory: WindowReturn[], policy: BreakConfirmationPolicy): number[] {
  const history = modelHistory.length >= MINIMUM_MODEL_HISTORY ? modelHistory : window.slice(0, window.length - policy.afterBars);
  const mean = history.reduce((sum, bar) => sum + bar.value, 0) / history.length;
  if (policy.volatilityModel === 'none') return window.map((bar) => (bar.value - mean) ** 2);
  const fit = fitGarch11(history.map((bar) => bar.value - mean));
  const firstWindowTime = Date.parse(window[0]!.at);
  const path = [...history.filter((bar) => Date.parse(bar.at) < firstWindowTime), ...window];
  const variances = garchConditionalVariances(fit, path.map((bar) => bar.value - mean));
  const offset = path.length - window.length;
  return window.map((bar, index) => {
    const variance = variances[offset + index]!;
    return variance > 0 ? (bar.value - mean) ** 2 / variance : 0;
  });
}

function validatePolicy(policy: BreakConfirmationPolicy): void {
  const alpha = Number(policy.alpha);
  if (!(alpha > 0 && alpha < 1)) throw new DomainError('BREAK_POLICY_INVALID', `confirmation alpha must be between 0 and 1, was ${policy.alpha}`);
  for (const key of ['afterBars', 'lookbackBars', 'volatilityModelBars'] as const) {
    if (!(Number.isInteger(policy[key]) && policy[key] > 0)) {
      throw new DomainError('BREAK_POLICY_INVALID', `confirmation ${key} must be a positive integer, was ${policy[key]}`);
    }
  }
}

/** The regime aggregate (stream `regime-<SYMBOL>`) as one value. */
export const regimeDecider: Decider<RegimeCommand, RegimeEvent, RegimeState> = {
  decide: decideRegime,
  evolve: evolveRegime,
  initialState: initialRegimeState,
};
