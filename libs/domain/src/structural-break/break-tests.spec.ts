import fc from 'fast-check';
import { brownianBridgeSupSurvival, chiSquareSurvival } from './distributions';
import { longRunSumOfSquares } from './long-run-variance';
import { analyseMeanBreaks, dateMeanBreaks } from './mean-break-analysis';
import { olsCusumTest, SeriesTooShortError } from './ols-cusum';
import { createSeededRandom } from './seeded-random';
import { statisticString } from './statistic-string';
import { supFTest } from './sup-f';
import { supFPValue } from './sup-f-p-value';

/**
 * Annual flow of the Nile at Aswan, 1871–1970 (10⁸ m³; Durbin & Koopman; R's `datasets::Nile`),
 * strucchange's classic example: the first Aswan dam lowered the flow from 1899.
 */
const NILE = [
  1120, 1160, 963, 1210, 1160, 1160, 813, 1230, 1370, 1140, 995, 935, 1110, 994, 1020, 960, 1180, 799, 958, 1140, 1100, 1210, 1150, 1250, 1260, 1220, 1030,
  1100, 774, 840, 874, 694, 940, 833, 701, 916, 692, 1020, 1050, 969, 831, 726, 456, 824, 702, 1120, 1100, 832, 764, 821, 768, 845, 864, 862, 698, 845, 744,
  796, 1040, 759, 781, 865, 845, 944, 984, 897, 822, 1010, 771, 676, 649, 846, 812, 742, 801, 1040, 860, 874, 848, 890, 744, 749, 838, 1050, 918, 986, 797,
  923, 975, 815, 1020, 906, 901, 1170, 912, 746, 919, 718, 714, 740,
];
const NILE_FIRST_YEAR = 1871;

describe('reference values: strucchange on the Nile series', () => {
  // strucchange's example output: sctest(efp(Nile ~ 1, type = "OLS-CUSUM")) gives S0 = 2.9518,
  // p-value = 5.409e-08; sctest(Fstats(Nile ~ 1)) gives sup.F = 75.93; breakpoints() dates the
  // break at observation 28 (1898), with RSS 2835157 for one mean and 1597457 for two.
  it('reproduces the OLS-CUSUM statistic and its Brownian-bridge p-value', () => {
    const result = olsCusumTest(NILE);
    expect(result.statistic).toBeCloseTo(2.9518, 4);
    expect(result.pValue / 5.409e-8).toBeCloseTo(1, 3);
  });

  it('reproduces sup-F = 75.93 with the break after 1898, the 28th observation', () => {
    const result = supFTest(NILE);
    expect(result.statistic).toBeCloseTo(75.93, 2);
    expect(result.breakIndex).toBe(27);
    expect(NILE_FIRST_YEAR + result.breakIndex).toBe(1898);
    expect([result.from, result.to]).toEqual([15, 85]);
    expect(result.pValue).toBeLessThan(1e-12);
  });

  it('agrees with the residual sums of squares strucchange reports for zero and one break', () => {
    const mean = NILE.reduce((sum, value) => sum + value, 0) / NILE.length;
    const rss0 = NILE.reduce((sum, value) => sum + (value - mean) ** 2, 0);
    const rss1 = rss0 / (1 + supFTest(NILE).statistic / (NILE.length - 2));
    expect(Math.round(rss0)).toBe(2835157);
    expect(Math.round(rss1)).toBe(1597457);
  });

  it('dates exactly one break at the 5 % level, with either method', () => {
    expect(dateMeanBreaks(NILE).map((found) => found.index)).toEqual([27]);
    expect(dateMeanBreaks(NILE, { method: 'ols-cusum' }).map((found) => found.index)).toEqual([27]);
  });
});

describe('distribution functions', () => {
  it('gives the textbook χ² critical values and the exact two-degree tail', () => {
    expect(chiSquareSurvival(3.841459, 1)).toBeCloseTo(0.05, 6);
    expect(chiSquareSurvival(6.634897, 1)).toBeCloseTo(0.01, 6);
    expect(chiSquareSurvival(7.814728, 3)).toBeCloseTo(0.05, 6);
    for (const x of [0.5, 4, 30, 80, 600]) expect(chiSquareSurvival(x, 2) / Math.exp(-x / 2)).toBeCloseTo(1, 10);
  });

  it('gives the Kolmogorov critical values of the Brownian bridge supremum', () => {
    expect(brownianBridgeSupSurvival(1.2239)).toBeCloseTo(0.1, 3);
    expect(brownianBridgeSupSurvival(1.3581)).toBeCloseTo(0.05, 4);
    expect(brownianBridgeSupSurvival(1.6276)).toBeCloseTo(0.01, 4);
  });

  it('joins the small-x and large-x series of the Kolmogorov distribution without a seam', () => {
    expect(brownianBridgeSupSurvival(0.9999999)).toBeCloseTo(brownianBridgeSupSurvival(1.0000001), 6);
    expect(brownianBridgeSupSurvival(0.3)).toBeCloseTo(0.99999, 4);
  });

  it('reads sup-F p-values near Andrews’ critical values for π0 = 0.15 (7.12, 8.68, 12.16)', () => {
    expect(supFPValue(7.12, 0.15, 500)).toBeCloseTo(0.1, 2);
    expect(supFPValue(8.68, 0.15, 500)).toBeCloseTo(0.05, 2);
    expect(supFPValue(12.16, 0.15, 500)).toBeCloseTo(0.01, 2);
  });

  it('makes sup-F p-values fall as the statistic rises and as the trimming narrows the search', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.5, max: 60, noNaN: true }), fc.double({ min: 0.05, max: 0.49, noNaN: true }), (statistic, trimming) => {
        expect(supFPValue(statistic + 0.5, trimming, 200)).toBeLessThanOrEqual(supFPValue(statistic, trimming, 200) * (1 + 1e-12));
        expect(supFPValue(statistic, Math.min(0.5, trimming + 0.01), 200)).toBeLessThanOrEqual(supFPValue(statistic, trimming, 200) * 1.0001);
      }),
    );
  });

  it('is more conservative for long series, whose many candidate dates raise the maximum', () => {
    expect(supFPValue(8.68, 0.15, 100_000)).toBeGreaterThan(supFPValue(8.68, 0.15, 1000));
  });
});

/** Chow F at every admissible split, from explicit residual sums of squares. */
function bruteForceFStatistics(values: number[], from: number, to: number): number[] {
  const n = values.length;
  const sse = (segment: number[]) => {
    const mean = segment.reduce((sum, value) => sum + value, 0) / segment.length;
    return segment.reduce((sum, value) => sum + (value - mean) ** 2, 0);
  };
  const rss0 = sse(values);
  const statistics: number[] = [];
  for (let j = from; j <= to; j += 1) {
    const rss = sse(values.slice(0, j)) + sse(values.slice(j));
    statistics.push((rss0 - rss) / (rss / (n - 2)));
  }
  return statistics;
}

/** Prices-like values with two decimals: extreme doubles (1e-300) test the floating point, not the statistics. */
const series = (minimum: number) => fc.array(fc.integer({ min: -10_000, max: 10_000 }).map((cents) => cents / 100), { minLength: minimum, maxLength: 60 });

describe('sup-F', () => {
  it('computes the same F sequence as fitting each split from scratch', () => {
    fc.assert(
      fc.property(series(20), (values) => {
        const result = supFTest(values);
        const expected = bruteForceFStatistics(values, result.from, result.to);
        if (expected.some((value) => !Number.isFinite(value))) return;
        expected.forEach((value, index) => expect(result.fStatistics[index]).toBeCloseTo(value, 6));
      }),
    );
  });

  it('computes each split’s Bartlett long-run variance in one pass, as a direct computation would', () => {
    fc.assert(
      fc.property(series(20), fc.integer({ min: 1, max: 6 }), (values, bandwidth) => {
        const result = supFTest(values, { variance: 'hac', bandwidth });
        const n = values.length;
        const mean = values.reduce((sum, value) => sum + value, 0) / n;
        for (let index = 0; index < result.fStatistics.length; index += 1) {
          const j = result.from + index;
          const first = values.slice(0, j);
          const second = values.slice(j);
          const firstMean = first.reduce((sum, value) => sum + value, 0) / j;
          const secondMean = second.reduce((sum, value) => sum + value, 0) / (n - j);
          const residuals = values.map((value, t) => value - (t < j ? firstMean : secondMean));
          const longRun = longRunSumOfSquares(residuals, bandwidth) / (n - 2);
          const explained = (firstMean - mean) ** 2 * j + (secondMean - mean) ** 2 * (n - j);
          if (!(longRun > 1e-9)) continue;
          expect(result.fStatistics[index]! / (explained / longRun)).toBeCloseTo(1, 5);
        }
      }),
    );
  });

  it('does not change when the series is shifted and rescaled', () => {
    fc.assert(
      fc.property(series(20), fc.double({ min: -50, max: 50, noNaN: true }), fc.double({ min: 0.1, max: 10, noNaN: true }), (values, shift, scale) => {
        const original = supFTest(values);
        const transformed = supFTest(values.map((value) => shift + scale * value));
        if (!Number.isFinite(original.statistic) || original.statistic < 1e-6) return;
        expect(transformed.statistic / original.statistic).toBeCloseTo(1, 5);
        expect(transformed.breakIndex).toBe(original.breakIndex);
      }),
    );
  });

  it('refuses a series too short to trim', () => {
    expect(() => supFTest([1, 2, 3])).toThrow(SeriesTooShortError);
    expect(() => olsCusumTest([1, 2])).toThrow(SeriesTooShortError);
  });

  it('reports a perfect step as an infinite statistic with p-value 0, and a constant series as no evidence', () => {
    const step = [...Array<number>(20).fill(1), ...Array<number>(20).fill(2)];
    expect(supFTest(step).statistic).toBe(Number.POSITIVE_INFINITY);
    expect(supFTest(step).pValue).toBe(0);
    expect(supFTest(Array<number>(40).fill(3)).pValue).toBe(1);
    expect(olsCusumTest(Array<number>(40).fill(3)).pValue).toBe(1);
  });
});

describe('OLS-CUSUM', () => {
  it('starts and ends its process at zero and does not change under shift and rescaling', () => {
    fc.assert(
      fc.property(series(5), fc.double({ min: -50, max: 50, noNaN: true }), fc.double({ min: 0.1, max: 10, noNaN: true }), (values, shift, scale) => {
        const original = olsCusumTest(values);
        expect(original.process[0]).toBe(0);
        expect(Math.abs(original.process[values.length]!)).toBeLessThan(1e-9);
        if (original.statistic < 1e-6) return;
        expect(olsCusumTest(values.map((value) => shift + scale * value)).statistic / original.statistic).toBeCloseTo(1, 5);
      }),
    );
  });
});

describe('size and dating on simulated series', () => {
  it('rejects no more often than the nominal 5 % on independent normal series', () => {
    const random = createSeededRandom(11);
    let supFRejections = 0;
    let cusumRejections = 0;
    const replications = 400;
    for (let replication = 0; replication < replications; replication += 1) {
      const values = Array.from({ length: 100 }, () => random.normal());
      if (supFTest(values).pValue < 0.05) supFRejections += 1;
      if (olsCusumTest(values).pValue < 0.05) cusumRejections += 1;
    }
    // 5 % plus two binomial standard errors: this guards against a gross error, the study measures size.
    expect(supFRejections / replications).toBeLessThan(0.05 + 2 * Math.sqrt(0.05 * 0.95 / replications));
    expect(cusumRejections / replications).toBeLessThan(0.05 + 2 * Math.sqrt(0.05 * 0.95 / replications));
  });

  it('finds two shifts in the mean by binary segmentation, each within a few observations', () => {
    const random = createSeededRandom(5);
    const values = Array.from({ length: 300 }, (_, t) => random.normal() + (t >= 100 ? 3 : 0) - (t >= 200 ? 5 : 0));
    const breaks = dateMeanBreaks(values);
    expect(breaks).toHaveLength(2);
    expect(Math.abs(breaks[0]!.index - 99)).toBeLessThanOrEqual(3);
    expect(Math.abs(breaks[1]!.index - 199)).toBeLessThanOrEqual(3);
  });

  it('reports both tests for the whole series whichever method dates the breaks', () => {
    const analysis = analyseMeanBreaks(NILE, { method: 'ols-cusum' });
    expect(analysis.n).toBe(100);
    expect(analysis.tests.supF.statistic).toBeCloseTo(75.93, 2);
    expect(analysis.tests.olsCusum.statistic).toBeCloseTo(2.9518, 4);
  });
});

describe('statistics in events', () => {
  it('renders numbers as decimal strings without exponents, tiny p-values included', () => {
    expect(statisticString(5.4085534619836115e-8)).toBe('0.000000054085535');
    expect(statisticString(75.92976942748548)).toBe('75.929769');
    expect(statisticString(Number.POSITIVE_INFINITY)).toBe('1000000000000');
    expect(statisticString(0)).toBe('0');
  });
});
