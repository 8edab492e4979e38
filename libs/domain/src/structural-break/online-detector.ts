import { fitGarch11, type GarchFit } from './garch';

/**
 * Online detection of a change in the mean or the volatility of a return series: two-sided CUSUMs
 * (Page 1954) on returns standardized by a GARCH(1,1) filter.
 *
 * A GARCH(1,1) with variance targeting is fitted to the warm-up and refitted every
 * `refitEveryBars` on the last `modelBars` returns. Each new return is standardized by the filter's
 * one-step-ahead variance: z_t = (r_t − m̂)/√h_t, winsorized at ±w. Under the model, z is close to
 * independent with unit variance whether the symbol's volatility clusters or not, so one threshold
 * serves a calm and a stormy symbol alike; a break is what the model does not expect.
 *
 * - Mean: S⁺ = max(0, S⁺ + z − k), S⁻ = max(0, S⁻ − z − k); alarm when either exceeds h.
 * - Volatility: u_t = (z_t² − 1)/s, s² the variance of the winsorized z² over the model window
 *   (at least 2, its value for normal returns); S⁺ = max(0, S⁺ + u − k_v), S⁻ = max(0, S⁻ − u − k_v).
 *
 * Each bar is scored against the model and mean estimated from earlier bars only. Accumulators
 * restart after an alarm, so one change raises one alarm.
 *
 * The detector is a projection of the bar stream, not an aggregate: after a restart it is rebuilt by
 * replaying the stored bars. Its alarms become StructuralBreakSuspected events through the regime
 * decider.
 */
export interface OnlineDetectorConfig {
  /** Returns before the first model fit; no alarm is possible earlier. */
  warmupBars: number;
  /** Returns the model is refitted on. */
  modelBars: number;
  refitEveryBars: number;
  winsorizeAt: number;
  mean: { reference: number; threshold: number };
  volatility: { reference: number; threshold: number };
}

export const DEFAULT_ONLINE_DETECTOR_CONFIG: OnlineDetectorConfig = {
  warmupBars: 250,
  modelBars: 500,
  refitEveryBars: 100,
  winsorizeAt: 4,
  mean: { reference: 0.5, threshold: 10 },
  volatility: { reference: 0.25, threshold: 25 },
};

export type BreakSeries = 'mean' | 'volatility';
export type BreakDirection = 'up' | 'down';

export interface DetectorAlarm {
  series: BreakSeries;
  direction: BreakDirection;
  method: 'cusum';
  statistic: number;
  threshold: number;
}

interface FittedModel {
  fit: GarchFit;
  mean: number;
  /** Standard deviation of the winsorized z² over the model window. */
  squareDeviation: number;
}

export type DetectorState =
  | { phase: 'warming-up'; returns: readonly number[] }
  | {
      phase: 'monitoring';
      model: FittedModel;
      /** Returns up to the last refit (at most `modelBars`), and those since. */
      history: readonly number[];
      sinceRefit: readonly number[];
      /** One-step-ahead conditional variance for the next return (before centring). */
      nextVariance: number;
      meanUp: number;
      meanDown: number;
      volatilityUp: number;
      volatilityDown: number;
    };

export function initialDetectorState(): DetectorState {
  return { phase: 'warming-up', returns: [] };
}

export function validateDetectorConfig(config: OnlineDetectorConfig): void {
  const problems: string[] = [];
  const integerAtLeast = (name: string, value: number, minimum: number) => {
    if (!(Number.isInteger(value) && value >= minimum)) problems.push(`${name} must be an integer ≥ ${minimum}, was ${value}`);
  };
  integerAtLeast('warmupBars', config.warmupBars, 50);
  integerAtLeast('modelBars', config.modelBars, config.warmupBars);
  integerAtLeast('refitEveryBars', config.refitEveryBars, 1);
  if (!(config.winsorizeAt > 0)) problems.push(`winsorizeAt must be positive, was ${config.winsorizeAt}`);
  for (const series of ['mean', 'volatility'] as const) {
    if (!(config[series].reference >= 0)) problems.push(`${series} reference must be ≥ 0, was ${config[series].reference}`);
    if (!(config[series].threshold > 0)) problems.push(`${series} threshold must be positive, was ${config[series].threshold}`);
  }
  if (problems.length > 0) throw new RangeError(`online detector config was invalid: ${problems.join('; ')}`);
}

/** Var(z²) for normal z: the smallest square deviation assumed, so a calm window cannot oversensitize. */
const NORMAL_SQUARE_VARIANCE = 2;

function fitModel(returns: readonly number[], winsorizeAt: number): { model: FittedModel; nextVariance: number } {
  const mean = returns.reduce((sum, value) => sum + value, 0) / returns.length;
  const residuals = returns.map((value) => value - mean);
  const fit = fitGarch11(residuals);
  // Run the filter over the window to reach today's conditional variance and measure z².
  let h = fit.unconditionalVariance;
  let sum = 0;
  let sumOfSquares = 0;
  residuals.forEach((residual, index) => {
    if (index > 0) h = fit.omega + fit.alpha * residuals[index - 1]! ** 2 + fit.beta * h;
    const z = h > 0 ? Math.max(-winsorizeAt, Math.min(winsorizeAt, residual / Math.sqrt(h))) : 0;
    sum += z * z;
    sumOfSquares += z ** 4;
  });
  const n = residuals.length;
  const squareVariance = Math.max(NORMAL_SQUARE_VARIANCE, (sumOfSquares - (sum * sum) / n) / (n - 1));
  const last = residuals[n - 1]!;
  const nextVariance = fit.omega + fit.alpha * last * last + fit.beta * h;
  return { model: { fit, mean, squareDeviation: Math.sqrt(squareVariance) }, nextVariance };
}

/** Scores one return; returns the next state and at most one alarm (the largest relative excess). */
export function observeReturn(
  state: DetectorState,
  value: number,
  config: OnlineDetectorConfig = DEFAULT_ONLINE_DETECTOR_CONFIG,
): { state: DetectorState; alarm: DetectorAlarm | null } {
  if (!Number.isFinite(value)) throw new RangeError(`return was not a finite number: ${value}`);
  if (state.phase === 'warming-up') {
    const returns = [...state.returns, value];
    if (returns.length < config.warmupBars) return { state: { phase: 'warming-up', returns }, alarm: null };
    const { model, nextVariance } = fitModel(returns, config.winsorizeAt);
    return {
      state: { phase: 'monitoring', model, history: returns, sinceRefit: [], nextVariance, meanUp: 0, meanDown: 0, volatilityUp: 0, volatilityDown: 0 },
      alarm: null,
    };
  }

  const { model } = state;
  const centred = value - model.mean;
  const z = state.nextVariance > 0 ? Math.max(-config.winsorizeAt, Math.min(config.winsorizeAt, centred / Math.sqrt(state.nextVariance))) : 0;
  const u = (z * z - 1) / model.squareDeviation;
  const meanUp = Math.max(0, state.meanUp + z - config.mean.reference);
  const meanDown = Math.max(0, state.meanDown - z - config.mean.reference);
  const volatilityUp = Math.max(0, state.volatilityUp + u - config.volatility.reference);
  const volatilityDown = Math.max(0, state.volatilityDown - u - config.volatility.reference);

  let next: Extract<DetectorState, { phase: 'monitoring' }>;
  const sinceRefit = [...state.sinceRefit, value];
  if (sinceRefit.length >= config.refitEveryBars) {
    const history = [...state.history, ...sinceRefit].slice(-config.modelBars);
    const refitted = fitModel(history, config.winsorizeAt);
    next = { ...state, model: refitted.model, history, sinceRefit: [], nextVariance: refitted.nextVariance, meanUp, meanDown, volatilityUp, volatilityDown };
  } else {
    const nextVariance = model.fit.omega + model.fit.alpha * centred * centred + model.fit.beta * state.nextVariance;
    next = { ...state, sinceRefit, nextVariance, meanUp, meanDown, volatilityUp, volatilityDown };
  }

  const candidates: DetectorAlarm[] = [];
  const alarmIf = (statistic: number, series: BreakSeries, direction: BreakDirection) => {
    const threshold = config[series].threshold;
    if (statistic > threshold) candidates.push({ series, direction, method: 'cusum', statistic, threshold });
  };
  alarmIf(meanUp, 'mean', 'up');
  alarmIf(meanDown, 'mean', 'down');
  alarmIf(volatilityUp, 'volatility', 'up');
  alarmIf(volatilityDown, 'volatility', 'down');
  if (candidates.length === 0) return { state: next, alarm: null };
  const alarm = candidates.reduce((best, candidate) => (candidate.statistic / candidate.threshold > best.statistic / best.threshold ? candidate : best));
  return { state: { ...next, meanUp: 0, meanDown: 0, volatilityUp: 0, volatilityDown: 0 }, alarm };
}

/** After a confirmed break the fitted model describes a regime that ended: start again. */
export function restartDetector(): DetectorState {
  return initialDetectorState();
}
