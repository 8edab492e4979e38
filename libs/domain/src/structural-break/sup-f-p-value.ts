import { chiSquareSurvival } from './distributions';

/**
 * Asymptotic p-values for Andrews' (1993) sup-F test of one break in the mean (one parameter),
 * in the response-surface form of Hansen (1997): p(x) = P(χ²(ν) > a + b·x), one (a, b, ν) per
 * trimming π0, fitted to our own simulation of the limit sup_{π0≤λ≤1−π0} B(λ)²/(λ(1−λ)) (200,000
 * Brownian bridges; regenerate with `node bin/run-ts.js bench/sup-f-response-surface.ts`).
 *
 * Two surfaces per trimming, because a maximum over a finite grid is smaller than over the
 * continuum: `discrete` is the limit sampled on 1,000 steps, the discretisation Andrews' tables and
 * Hansen's approximations were built on (strucchange's p-values, to about two digits);
 * `continuous` is extrapolated to the continuous limit. A test on n ≤ 1,000 observations looks
 * at no more candidate dates than the 1,000-step limit, so the discrete surface is conservative
 * for it; for longer series the p-value moves toward the continuous limit (weight √(1000/n) on the
 * discrete surface, in log p) so that long minute-bar series do not get a liberal test.
 */
interface SurfaceRow {
  trimming: number;
  discrete: readonly [intercept: number, slope: number, degreesOfFreedom: number];
  continuous: readonly [intercept: number, slope: number, degreesOfFreedom: number];
}

const SURFACE: readonly SurfaceRow[] = [
  { trimming: 0.05, discrete: [-1.45283, 1.045275, 3.45394], continuous: [-1.561186, 1.032898, 3.521526] },
  { trimming: 0.1, discrete: [-1.27579, 1.001761, 3.001633], continuous: [-1.530755, 0.96595, 2.811362] },
  { trimming: 0.15, discrete: [-1.205877, 0.965552, 2.612395], continuous: [-1.357833, 0.940433, 2.534519] },
  { trimming: 0.2, discrete: [-0.993841, 0.958608, 2.48807], continuous: [-1.001367, 0.959035, 2.610959] },
  { trimming: 0.25, discrete: [-0.853396, 0.947682, 2.309416], continuous: [-0.852181, 0.948233, 2.428412] },
  { trimming: 0.3, discrete: [-0.728356, 0.937511, 2.12223], continuous: [-0.749613, 0.935408, 2.205045] },
  { trimming: 0.35, discrete: [-0.597628, 0.926014, 1.92125], continuous: [-0.520814, 0.939817, 2.113108] },
  { trimming: 0.4, discrete: [-0.377135, 0.933062, 1.800415], continuous: [-0.413089, 0.92422, 1.839139] },
  { trimming: 0.45, discrete: [-0.252361, 0.930332, 1.507184], continuous: [-0.3487, 0.905431, 1.462685] },
  // At π0 = 0.5 only the midpoint is tested: the statistic is exactly χ²(1) in the limit.
  { trimming: 0.5, discrete: [0, 1, 1], continuous: [0, 1, 1] },
];

export const SUP_F_MINIMUM_TRIMMING = SURFACE[0]!.trimming;
const DISCRETE_GRID_STEPS = 1000;

function surfaceProbability(statistic: number, [intercept, slope, degreesOfFreedom]: SurfaceRow['discrete']): number {
  return chiSquareSurvival(Math.max(0, intercept + slope * statistic), degreesOfFreedom);
}

function logInterpolate(lower: number, upper: number, weightOfUpper: number): number {
  if (lower <= 0 || upper <= 0) return lower * (1 - weightOfUpper) + upper * weightOfUpper;
  return Math.exp(Math.log(lower) * (1 - weightOfUpper) + Math.log(upper) * weightOfUpper);
}

/**
 * Row probabilities with the order the true distribution has: a wider search (smaller π0) never
 * gives a smaller p-value. Fitted surfaces can cross far in the tail (p < 10⁻⁶, beyond the
 * simulated range), so each row is raised to the narrower rows' values.
 */
function orderedRowProbabilities(statistic: number, surface: 'discrete' | 'continuous'): number[] {
  const probabilities = SURFACE.map((row) => surfaceProbability(statistic, row[surface]));
  for (let index = probabilities.length - 2; index >= 0; index -= 1) probabilities[index] = Math.max(probabilities[index]!, probabilities[index + 1]!);
  return probabilities;
}

/**
 * P(sup-F > statistic) under no break, for trimming π0 in [0.05, 0.5] (the share of observations
 * excluded at each end) and a series of `sampleSize` observations.
 */
export function supFPValue(statistic: number, trimming: number, sampleSize: number): number {
  if (Number.isNaN(statistic)) return Number.NaN;
  if (!(trimming >= SUP_F_MINIMUM_TRIMMING && trimming <= 0.5)) {
    throw new RangeError(`sup-F trimming must be between ${SUP_F_MINIMUM_TRIMMING} and 0.5, was ${trimming}`);
  }
  if (statistic === Number.POSITIVE_INFINITY) return 0;
  if (statistic <= 0) return 1;
  const upperIndex = SURFACE.findIndex((row) => row.trimming >= trimming - 1e-12);
  const lowerIndex = Math.max(0, upperIndex - 1);
  const upper = SURFACE[upperIndex]!;
  const lower = SURFACE[lowerIndex]!;
  const weightOfUpper = upperIndex === lowerIndex ? 1 : (trimming - lower.trimming) / (upper.trimming - lower.trimming);
  const at = (surface: 'discrete' | 'continuous'): number => {
    const rows = orderedRowProbabilities(statistic, surface);
    return logInterpolate(rows[lowerIndex]!, rows[upperIndex]!, weightOfUpper);
  };
  const discrete = at('discrete');
  if (sampleSize <= DISCRETE_GRID_STEPS) return Math.min(1, discrete);
  return Math.min(1, logInterpolate(at('continuous'), discrete, Math.sqrt(DISCRETE_GRID_STEPS / sampleSize)));
}
