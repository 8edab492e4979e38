/**
 * Online detection of a change in the mean or the volatility of a return series: two-sided CUSUMs
 * (Page 1954) on two standardized series, built so that their false-alarm rate is about the same
 * for independent returns and for returns with GARCH volatility clustering.
 *
 * - Mean: z_t = (r_t − m̂)/σ̂_fast, with m̂ a slow exponentially weighted mean and σ̂_fast a fast
 *   exponentially weighted volatility (RiskMetrics-style). Scaling by the current volatility makes
 *   z close to independent with unit variance under GARCH, so a calm and a stormy week share one
 *   threshold. S⁺ = max(0, S⁺ + z − k), S⁻ = max(0, S⁻ − z − k); alarm when either exceeds h.
 * - Volatility: u_t = min(y_t², w²) − 1 with y_t = (r_t − m̂)/σ̂_slow, the squared return against
 *   the slow baseline volatility, divided by √L̂, an estimate of the long-run variance of u from
 *   batch means. Volatility clustering makes u strongly autocorrelated (for a GARCH(1,1) with
 *   persistence 0.98 its long-run variance is some 35 times the independent case); scaling by L̂
 *   keeps the CUSUM's drift-free excursions the same size either way. Two-sided CUSUM with k_v, h_v.
 *
 * Baselines are estimated over a warm-up and then follow exponentially weighted averages, each
 * updated after the return has been scored: a bar is judged against the past only. Returns are
 * winsorized at ±w baseline deviations so one fat-tailed bar cannot raise an alarm on its own.
 *
 * The detector is a projection of the bar stream, not an aggregate: after a restart it is rebuilt
 * by replaying the stored bars. Its alarms become StructuralBreakSuspected events through the regime
 * decider.
 */
export interface OnlineDetectorConfig {
  /** Returns used to estimate the first baselines before any alarm is possible. */
  warmupBars: number;
  /** Half-life, in bars, of the baseline mean and the slow (baseline) variance. */
  baselineHalfLife: number;
  /** Half-life, in bars, of the fast variance that scales the mean CUSUM. */
  fastVolatilityHalfLife: number;
  /** Bars per batch for the long-run variance of the volatility series. */
  volatilityBatchBars: number;
  /** Half-life, in batches, of that long-run variance. */
  volatilityLongRunHalfLife: number;
  winsorizeAt: number;
  mean: { reference: number; threshold: number };
  volatility: { reference: number; threshold: number };
}

export const DEFAULT_ONLINE_DETECTOR_CONFIG: OnlineDetectorConfig = {
  warmupBars: 250,
  baselineHalfLife: 250,
  fastVolatilityHalfLife: 10,
  volatilityBatchBars: 50,
  volatilityLongRunHalfLife: 60,
  winsorizeAt: 4,
  mean: { reference: 0.5, threshold: 10 },
  volatility: { reference: 0.25, threshold: 20 },
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

export type DetectorState =
  | { phase: 'warming-up'; values: readonly number[] }
  | {
      phase: 'monitoring';
      baselineMean: number;
      baselineVariance: number;
      fastVariance: number;
      volatilityLongRunVariance: number;
      batchSum: number;
      batchCount: number;
      meanUp: number;
      meanDown: number;
      volatilityUp: number;
      volatilityDown: number;
    };

export function initialDetectorState(): DetectorState {
  return { phase: 'warming-up', values: [] };
}

export function validateDetectorConfig(config: OnlineDetectorConfig): void {
  const problems: string[] = [];
  const positiveInteger = (name: string, value: number, minimum: number) => {
    if (!(Number.isInteger(value) && value >= minimum)) problems.push(`${name} must be an integer ≥ ${minimum}, was ${value}`);
  };
  positiveInteger('warmupBars', config.warmupBars, 20);
  positiveInteger('volatilityBatchBars', config.volatilityBatchBars, 2);
  if (config.warmupBars < 2 * config.volatilityBatchBars) problems.push('warmupBars must cover at least two volatility batches');
  for (const [name, value] of [
    ['baselineHalfLife', config.baselineHalfLife],
    ['fastVolatilityHalfLife', config.fastVolatilityHalfLife],
    ['volatilityLongRunHalfLife', config.volatilityLongRunHalfLife],
  ] as const) {
    if (!(value >= 1)) problems.push(`${name} must be ≥ 1, was ${value}`);
  }
  if (!(config.winsorizeAt > 0)) problems.push(`winsorizeAt must be positive, was ${config.winsorizeAt}`);
  for (const series of ['mean', 'volatility'] as const) {
    if (!(config[series].reference >= 0)) problems.push(`${series} reference must be ≥ 0, was ${config[series].reference}`);
    if (!(config[series].threshold > 0)) problems.push(`${series} threshold must be positive, was ${config[series].threshold}`);
  }
  if (problems.length > 0) throw new RangeError(`online detector config was invalid: ${problems.join('; ')}`);
}

const decayFor = (halfLife: number): number => Math.pow(0.5, 1 / halfLife);
const clamp = (value: number, limit: number): number => Math.max(-limit, Math.min(limit, value));
/** Floor for estimated variances: a series of identical prices must not divide by zero. */
const VARIANCE_FLOOR = 1e-300;
/**
 * Var(z² − 1) for independent normal returns: the smallest long-run variance the volatility
 * CUSUM assumes. A noisy estimate below it would only make the detector oversensitive.
 */
const INDEPENDENT_NORMAL_LONG_RUN_VARIANCE = 2;

/** Scores one return; returns the next state and at most one alarm (the largest relative excess). */
export function observeReturn(
  state: DetectorState,
  value: number,
  config: OnlineDetectorConfig = DEFAULT_ONLINE_DETECTOR_CONFIG,
): { state: DetectorState; alarm: DetectorAlarm | null } {
  if (!Number.isFinite(value)) throw new RangeError(`return was not a finite number: ${value}`);
  if (state.phase === 'warming-up') {
    const values = [...state.values, value];
    if (values.length < config.warmupBars) return { state: { phase: 'warming-up', values }, alarm: null };
    return { state: startMonitoring(values, config), alarm: null };
  }

  const slowDeviation = Math.sqrt(state.baselineVariance);
  const fastDeviation = Math.sqrt(state.fastVariance);
  const centred = value - state.baselineMean;
  const z = fastDeviation > 0 ? clamp(centred / fastDeviation, config.winsorizeAt) : 0;
  const y = slowDeviation > 0 ? clamp(centred / slowDeviation, config.winsorizeAt) : 0;
  const volatilityIncrement = y * y - 1;
  const u = volatilityIncrement / Math.sqrt(state.volatilityLongRunVariance);

  const meanUp = Math.max(0, state.meanUp + z - config.mean.reference);
  const meanDown = Math.max(0, state.meanDown - z - config.mean.reference);
  const volatilityUp = Math.max(0, state.volatilityUp + u - config.volatility.reference);
  const volatilityDown = Math.max(0, state.volatilityDown - u - config.volatility.reference);

  const slowDecay = decayFor(config.baselineHalfLife);
  const fastDecay = decayFor(config.fastVolatilityHalfLife);
  const winsorizedSquare = Math.min(centred * centred, config.winsorizeAt ** 2 * state.baselineVariance);
  const baselineMean = slowDecay * state.baselineMean + (1 - slowDecay) * value;
  const baselineVariance = Math.max(VARIANCE_FLOOR, slowDecay * state.baselineVariance + (1 - slowDecay) * winsorizedSquare);
  const fastVariance = Math.max(VARIANCE_FLOOR, fastDecay * state.fastVariance + (1 - fastDecay) * winsorizedSquare);

  let batchSum = state.batchSum + volatilityIncrement;
  let batchCount = state.batchCount + 1;
  let volatilityLongRunVariance = state.volatilityLongRunVariance;
  if (batchCount === config.volatilityBatchBars) {
    const longRunDecay = decayFor(config.volatilityLongRunHalfLife);
    volatilityLongRunVariance = Math.max(
      INDEPENDENT_NORMAL_LONG_RUN_VARIANCE,
      longRunDecay * volatilityLongRunVariance + (1 - longRunDecay) * ((batchSum * batchSum) / batchCount),
    );
    batchSum = 0;
    batchCount = 0;
  }
  const baselines = { baselineMean, baselineVariance, fastVariance, volatilityLongRunVariance, batchSum, batchCount };

  const candidates: DetectorAlarm[] = [];
  const alarmIf = (statistic: number, series: BreakSeries, direction: BreakDirection) => {
    const threshold = config[series].threshold;
    if (statistic > threshold) candidates.push({ series, direction, method: 'cusum', statistic, threshold });
  };
  alarmIf(meanUp, 'mean', 'up');
  alarmIf(meanDown, 'mean', 'down');
  alarmIf(volatilityUp, 'volatility', 'up');
  alarmIf(volatilityDown, 'volatility', 'down');
  if (candidates.length > 0) {
    const alarm = candidates.reduce((best, candidate) => (candidate.statistic / candidate.threshold > best.statistic / best.threshold ? candidate : best));
    // Accumulators restart after an alarm, so one change raises one alarm, not one per bar.
    return { state: { phase: 'monitoring', ...baselines, meanUp: 0, meanDown: 0, volatilityUp: 0, volatilityDown: 0 }, alarm };
  }
  return { state: { phase: 'monitoring', ...baselines, meanUp, meanDown, volatilityUp, volatilityDown }, alarm: null };
}

function startMonitoring(values: readonly number[], config: OnlineDetectorConfig): DetectorState {
  const n = values.length;
  const mean = values.reduce((sum, value) => sum + value, 0) / n;
  const variance = Math.max(VARIANCE_FLOOR, values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (n - 1));
  const fastDecay = decayFor(config.fastVolatilityHalfLife);
  let fastVariance = variance;
  const increments: number[] = [];
  for (const value of values) {
    const squared = Math.min((value - mean) ** 2 / variance, config.winsorizeAt ** 2);
    increments.push(squared - 1);
    fastVariance = fastDecay * fastVariance + (1 - fastDecay) * Math.min((value - mean) ** 2, config.winsorizeAt ** 2 * variance);
  }
  // Batch means over the warm-up seed the long-run variance, floored like every later update.
  const batches = Math.floor(n / config.volatilityBatchBars);
  let batchSquares = 0;
  for (let batch = 0; batch < batches; batch += 1) {
    let sum = 0;
    for (let index = batch * config.volatilityBatchBars; index < (batch + 1) * config.volatilityBatchBars; index += 1) sum += increments[index]!;
    batchSquares += (sum * sum) / config.volatilityBatchBars;
  }
  const volatilityLongRunVariance = Math.max(INDEPENDENT_NORMAL_LONG_RUN_VARIANCE, batchSquares / batches);
  return {
    phase: 'monitoring',
    baselineMean: mean,
    baselineVariance: variance,
    fastVariance: Math.max(VARIANCE_FLOOR, fastVariance),
    volatilityLongRunVariance,
    batchSum: 0,
    batchCount: 0,
    meanUp: 0,
    meanDown: 0,
    volatilityUp: 0,
    volatilityDown: 0,
  };
}

/** After a confirmed break the old baselines describe a regime that ended: estimate new ones. */
export function restartDetector(): DetectorState {
  return initialDetectorState();
}
