import type { Bandwidth, VarianceEstimator } from './long-run-variance';
import { olsCusumTest } from './ols-cusum';
import { supFTest } from './sup-f';

export type MeanBreakMethod = 'sup-f' | 'ols-cusum';
export const MEAN_BREAK_METHODS: readonly MeanBreakMethod[] = ['sup-f', 'ols-cusum'];

export interface MeanBreakOptions {
  /** The test that decides and dates breaks; both tests are always reported. Default `sup-f`. */
  method?: MeanBreakMethod;
  /** Significance level for each split. Default 0.05. */
  alpha?: number;
  /** Andrews' π0, also the smallest segment as a share of the whole series. Default 0.15. */
  trimming?: number;
  variance?: VarianceEstimator;
  bandwidth?: Bandwidth;
  /** Stop after this many breaks. Default 5. */
  maximumBreaks?: number;
}

export interface DatedBreak {
  /** 0-based index of the last observation before the break. */
  index: number;
  statistic: number;
  pValue: number;
  method: MeanBreakMethod;
}

export interface MeanBreakAnalysis {
  n: number;
  tests: { olsCusum: { statistic: number; pValue: number }; supF: { statistic: number; pValue: number } };
  breaks: DatedBreak[];
}

/** Both tests on the whole series, and the breaks the chosen method dates. */
export function analyseMeanBreaks(values: ArrayLike<number>, options: MeanBreakOptions = {}): MeanBreakAnalysis {
  const trimming = options.trimming ?? 0.15;
  const variance = options.variance ?? 'iid';
  const supF = supFTest(values, { trimming, variance, ...(options.bandwidth === undefined ? {} : { bandwidth: options.bandwidth }) });
  const olsCusum = olsCusumTest(values, {
    variance,
    bandwidth: options.bandwidth ?? supF.bandwidth ?? 'andrews',
  });
  return {
    n: values.length,
    tests: { olsCusum: { statistic: olsCusum.statistic, pValue: olsCusum.pValue }, supF: { statistic: supF.statistic, pValue: supF.pValue } },
    breaks: dateMeanBreaks(values, options),
  };
}

/**
 * Binary segmentation: test the whole series; if the test rejects at `alpha`, split at its break
 * date and test each side, and so on. Every segment keeps at least ⌊trimming·n⌋ observations
 * (n of the whole series, as strucchange's `breakpoints(h = trimming)`); a segment shorter than
 * twice that is not tested. Breaks are returned in date order.
 */
export function dateMeanBreaks(values: ArrayLike<number>, options: MeanBreakOptions = {}): DatedBreak[] {
  const method = options.method ?? 'sup-f';
  const alpha = options.alpha ?? 0.05;
  const trimming = options.trimming ?? 0.15;
  const maximumBreaks = options.maximumBreaks ?? 5;
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be between 0 and 1, was ${alpha}`);
  const n = values.length;
  const minimumSegment = Math.max(2, Math.floor(trimming * n));
  const breaks: DatedBreak[] = [];
  const pending: Array<[start: number, end: number]> = [[0, n]];
  while (pending.length > 0 && breaks.length < maximumBreaks) {
    const [start, end] = pending.shift()!;
    if (end - start < 2 * minimumSegment) continue;
    const segment = Array.prototype.slice.call(values, start, end) as number[];
    const found = testSegment(segment, method, minimumSegment, trimming, options);
    if (!(found.pValue < alpha)) continue;
    const index = start + found.localIndex;
    breaks.push({ index, statistic: found.statistic, pValue: found.pValue, method });
    pending.push([start, index + 1], [index + 1, end]);
  }
  return breaks.sort((a, b) => a.index - b.index);
}

function testSegment(
  segment: number[],
  method: MeanBreakMethod,
  minimumSegment: number,
  trimming: number,
  options: MeanBreakOptions,
): { statistic: number; pValue: number; localIndex: number } {
  const bandwidthOption = options.bandwidth === undefined ? {} : { bandwidth: options.bandwidth };
  const supF = supFTest(segment, { trimming, minimumSegment, variance: options.variance ?? 'iid', ...bandwidthOption });
  if (method === 'sup-f') return { statistic: supF.statistic, pValue: supF.pValue, localIndex: supF.breakIndex };
  const cusum = olsCusumTest(segment, { variance: options.variance ?? 'iid', bandwidth: options.bandwidth ?? supF.bandwidth ?? 'andrews' });
  // The CUSUM peak dates the break, kept inside the admissible range so both sides stay testable.
  const localIndex = Math.max(minimumSegment - 1, Math.min(segment.length - minimumSegment - 1, cusum.breakIndex));
  return { statistic: cusum.statistic, pValue: cusum.pValue, localIndex };
}
