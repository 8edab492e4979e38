import { brownianBridgeSupSurvival } from './distributions';
import { type Bandwidth, longRunSumOfSquares, resolveBandwidth, type VarianceEstimator } from './long-run-variance';

export interface OlsCusumOptions {
  /** `iid` (default) is Ploberger & Krämer's statistic; `hac` scales by a long-run variance. */
  variance?: VarianceEstimator;
  /** Bartlett bandwidth for `hac`; default Andrews' plug-in. */
  bandwidth?: Bandwidth;
  /**
   * Residuals to choose the `hac` bandwidth from. Null residuals of a series with a break look
   * like one long autocorrelation and ask for a huge bandwidth; callers pass residuals from a
   * one-break fit instead.
   */
  bandwidthResiduals?: ArrayLike<number>;
}

export interface OlsCusumResult {
  method: 'ols-cusum';
  /** sup_j |Σ_{t<j} e_t| / (σ̂ √n). */
  statistic: number;
  /** P(sup |Brownian bridge| > statistic): the Kolmogorov series. */
  pValue: number;
  sampleSize: number;
  /** 0-based index of the last observation before the peak of |process|: the break it suggests. */
  breakIndex: number;
  /** The scaled CUSUM process at j = 0..n (j observations summed). */
  process: Float64Array;
}

export class SeriesTooShortError extends RangeError {
  override name = 'SeriesTooShortError';
  constructor(readonly test: string, readonly sampleSize: number, readonly minimum: number) {
    super(`${test} needs at least ${minimum} observations, the series had ${sampleSize}`);
  }
}

export function assertFinite(values: ArrayLike<number>): void {
  for (let index = 0; index < values.length; index += 1) {
    if (!Number.isFinite(values[index]!)) throw new RangeError(`value at index ${index} was not a finite number: ${values[index]}`);
  }
}

export function meanOf(values: ArrayLike<number>, start = 0, end = values.length): number {
  let sum = 0;
  for (let index = start; index < end; index += 1) sum += values[index]!;
  return sum / (end - start);
}

/**
 * The OLS-based CUSUM test of Ploberger & Krämer (1992) for a constant mean: residuals e_t from
 * the full-sample mean, σ̂² = Σe²/(n − 1), process W(j) = Σ_{t<j} e_t / (σ̂ √n), statistic
 * max_j |W(j)|, which converges to the supremum of a Brownian bridge. Matches strucchange's
 * `sctest(efp(y ~ 1, type = "OLS-CUSUM"))`.
 */
export function olsCusumTest(values: ArrayLike<number>, options: OlsCusumOptions = {}): OlsCusumResult {
  const n = values.length;
  if (n < 3) throw new SeriesTooShortError('OLS-CUSUM', n, 3);
  assertFinite(values);
  const mean = meanOf(values);
  const residuals = new Float64Array(n);
  let sumOfSquares = 0;
  for (let t = 0; t < n; t += 1) {
    residuals[t] = values[t]! - mean;
    sumOfSquares += residuals[t]! * residuals[t]!;
  }
  const variance =
    (options.variance ?? 'iid') === 'iid'
      ? sumOfSquares / (n - 1)
      : longRunSumOfSquares(residuals, resolveBandwidth(options.bandwidth ?? 'andrews', options.bandwidthResiduals ?? residuals)) / (n - 1);
  const process = new Float64Array(n + 1);
  if (!(variance > 0)) return { method: 'ols-cusum', statistic: 0, pValue: 1, sampleSize: n, breakIndex: Math.floor(n / 2) - 1, process };
  const scale = Math.sqrt(variance) * Math.sqrt(n);
  let cumulative = 0;
  let statistic = 0;
  let peak = 0;
  for (let t = 0; t < n; t += 1) {
    cumulative += residuals[t]!;
    process[t + 1] = cumulative / scale;
    if (Math.abs(process[t + 1]!) > statistic) {
      statistic = Math.abs(process[t + 1]!);
      peak = t + 1;
    }
  }
  return { method: 'ols-cusum', statistic, pValue: brownianBridgeSupSurvival(statistic), sampleSize: n, breakIndex: Math.max(0, Math.min(n - 2, peak - 1)), process };
}
