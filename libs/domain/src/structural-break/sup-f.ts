import { type Bandwidth, bartlettWeight, resolveBandwidth, type VarianceEstimator } from './long-run-variance';
import { assertFinite, meanOf, SeriesTooShortError } from './ols-cusum';
import { SUP_F_MINIMUM_TRIMMING, supFPValue } from './sup-f-p-value';

export interface SupFOptions {
  /** Share of observations excluded at each end as break candidates (Andrews' π0); default 0.15. */
  trimming?: number;
  /** Smallest first/second segment, overriding `trimming` (binary segmentation uses it). */
  minimumSegment?: number;
  /** `iid` (default): the classical F; `hac`: a Wald statistic with a Bartlett long-run variance. */
  variance?: VarianceEstimator;
  /** Bartlett bandwidth for `hac`; default Andrews' plug-in from the best one-break fit. */
  bandwidth?: Bandwidth;
}

export interface SupFResult {
  method: 'sup-f';
  statistic: number;
  pValue: number;
  sampleSize: number;
  /** 0-based index of the last observation before the break: the argmax of the F sequence. */
  breakIndex: number;
  /** Smallest and largest first-segment length tried (1-based, as strucchange's `from`/`to`). */
  from: number;
  to: number;
  /** The trimming the p-value was read at: 1/(1 + √λ), λ = ((n − from)·to)/(from·(n − to)). */
  effectiveTrimming: number;
  /** F statistics for first-segment lengths from..to. */
  fStatistics: Float64Array;
  /** Bartlett bandwidth used (`hac` only). */
  bandwidth?: number;
}

/**
 * Andrews' (1993) sup-F (sup-Wald) test for one break in the mean at an unknown date. For each
 * candidate first-segment length j, the Chow statistic F_j = (RSS₀ − RSS_j) / (RSS_j / (n − 2)),
 * RSS₀ from one mean, RSS_j from a mean on each side; the statistic is max_j F_j and the break date
 * its argmax. Matches strucchange's `sctest(Fstats(y ~ 1, from = trimming))` statistic and date.
 *
 * With `variance: 'hac'` the denominator is a Bartlett long-run variance of the two-segment
 * residuals instead, which keeps the test's size when the series is autocorrelated.
 */
export function supFTest(values: ArrayLike<number>, options: SupFOptions = {}): SupFResult {
  const n = values.length;
  const trimming = options.trimming ?? 0.15;
  if (!(trimming >= SUP_F_MINIMUM_TRIMMING && trimming < 0.5)) {
    throw new RangeError(`sup-F trimming must be at least ${SUP_F_MINIMUM_TRIMMING} and below 0.5, was ${trimming}`);
  }
  const from = Math.max(2, options.minimumSegment ?? Math.floor(trimming * n));
  let to = n - from;
  if (to > n - 2) to = n - 2;
  if (from > to) throw new SeriesTooShortError(`sup-F with trimming ${trimming}`, n, Math.max(4, Math.ceil(2 / trimming)));
  assertFinite(values);

  // Centred data: RSS₀ − RSS_j = S_j² n / (j (n − j)) with S_j the centred partial sum, which
  // avoids the cancellation of subtracting two large residual sums.
  const mean = meanOf(values);
  const centred = new Float64Array(n);
  const partialSums = new Float64Array(n + 1);
  let totalSumOfSquares = 0;
  for (let t = 0; t < n; t += 1) {
    centred[t] = values[t]! - mean;
    partialSums[t + 1] = partialSums[t]! + centred[t]!;
    totalSumOfSquares += centred[t]! * centred[t]!;
  }
  const pointCount = to - from + 1;
  const explained = new Float64Array(pointCount);
  for (let index = 0; index < pointCount; index += 1) {
    const j = from + index;
    const sum = partialSums[j]! - (j / n) * partialSums[n]!;
    explained[index] = (sum * sum * n) / (j * (n - j));
  }

  const fStatistics = new Float64Array(pointCount);
  let bandwidth: number | undefined;
  if ((options.variance ?? 'iid') === 'iid') {
    for (let index = 0; index < pointCount; index += 1) {
      fStatistics[index] = ratio(explained[index]!, Math.max(0, totalSumOfSquares - explained[index]!) / (n - 2));
    }
  } else {
    bandwidth = resolveBandwidth(options.bandwidth ?? 'andrews', bestSplitResiduals(centred, partialSums, explained, from));
    const longRun = longRunSumsOfSquaresBySplit(centred, partialSums, from, to, bandwidth, totalSumOfSquares, explained);
    for (let index = 0; index < pointCount; index += 1) fStatistics[index] = ratio(explained[index]!, Math.max(0, longRun[index]!) / (n - 2));
  }

  let best = 0;
  for (let index = 1; index < pointCount; index += 1) if (fStatistics[index]! > fStatistics[best]!) best = index;
  const statistic = fStatistics[best]!;
  const lambda = ((n - from) * to) / (from * (n - to));
  const effectiveTrimming = Math.max(SUP_F_MINIMUM_TRIMMING, Math.min(0.5, 1 / (1 + Math.sqrt(lambda))));
  return {
    method: 'sup-f',
    statistic,
    pValue: supFPValue(statistic, effectiveTrimming, n),
    sampleSize: n,
    breakIndex: from + best - 1,
    from,
    to,
    effectiveTrimming,
    fStatistics,
    ...(bandwidth === undefined ? {} : { bandwidth }),
  };
}

function ratio(numerator: number, denominator: number): number {
  if (denominator > 0) return numerator / denominator;
  return numerator > 0 ? Number.POSITIVE_INFINITY : 0;
}

/** Residuals around the best classical one-break fit: the data a bandwidth is chosen from. */
function bestSplitResiduals(centred: Float64Array, partialSums: Float64Array, explained: Float64Array, from: number): Float64Array {
  let best = 0;
  for (let index = 1; index < explained.length; index += 1) if (explained[index]! > explained[best]!) best = index;
  const j = from + best;
  const n = centred.length;
  const firstMean = partialSums[j]! / j;
  const secondMean = (partialSums[n]! - partialSums[j]!) / (n - j);
  const residuals = new Float64Array(n);
  for (let t = 0; t < n; t += 1) residuals[t] = centred[t]! - (t < j ? firstMean : secondMean);
  return residuals;
}

/**
 * For every split j in from..to, the Bartlett long-run sum of squares of the two-segment residuals,
 * in O(n · bandwidth): per lag, one prefix sum of c_t c_{t−ℓ} answers every split.
 */
function longRunSumsOfSquaresBySplit(
  centred: Float64Array,
  partialSums: Float64Array,
  from: number,
  to: number,
  bandwidth: number,
  totalSumOfSquares: number,
  explained: Float64Array,
): Float64Array {
  const n = centred.length;
  const pointCount = to - from + 1;
  const result = new Float64Array(pointCount);
  for (let index = 0; index < pointCount; index += 1) result[index] = totalSumOfSquares - explained[index]!;
  const laggedProducts = new Float64Array(n + 1);
  const sumOver = (start: number, end: number): number => (end > start ? partialSums[end]! - partialSums[start]! : 0);
  for (let lag = 1; lag < bandwidth && lag < n; lag += 1) {
    const weight = bartlettWeight(lag, bandwidth);
    laggedProducts[0] = 0;
    for (let t = 0; t < n; t += 1) laggedProducts[t + 1] = laggedProducts[t]! + (t >= lag ? centred[t]! * centred[t - lag]! : 0);
    const productsOver = (start: number, end: number): number => (end > start ? laggedProducts[end]! - laggedProducts[start]! : 0);
    for (let index = 0; index < pointCount; index += 1) {
      const j = from + index;
      const firstMean = partialSums[j]! / j;
      const secondMean = (partialSums[n]! - partialSums[j]!) / (n - j);
      let autocovariance = 0;
      // Pairs (t, t − lag) inside the first segment: t in [lag, j).
      if (j > lag) {
        autocovariance += productsOver(lag, j) - firstMean * sumOver(lag, j) - firstMean * sumOver(0, j - lag) + (j - lag) * firstMean * firstMean;
      }
      // Pairs straddling the break: t in [max(j, lag), min(j + lag, n)), t − lag before j.
      const crossStart = Math.max(j, lag);
      const crossEnd = Math.min(j + lag, n);
      if (crossEnd > crossStart) {
        autocovariance +=
          productsOver(crossStart, crossEnd) -
          firstMean * sumOver(crossStart, crossEnd) -
          secondMean * sumOver(crossStart - lag, crossEnd - lag) +
          (crossEnd - crossStart) * firstMean * secondMean;
      }
      // Pairs inside the second segment: t in [j + lag, n).
      if (n - j > lag) {
        autocovariance +=
          productsOver(j + lag, n) - secondMean * sumOver(j + lag, n) - secondMean * sumOver(j, n - lag) + (n - j - lag) * secondMean * secondMean;
      }
      result[index] = result[index]! + 2 * weight * autocovariance;
    }
  }
  return result;
}
