/**
 * A GARCH(1,1) fitted by Gaussian quasi-maximum likelihood with variance targeting:
 * h_t = ω + α e²_{t−1} + β h_{t−1}, ω = σ̂²(1 − α − β) with σ̂² the sample variance, so only the
 * persistence α + β and its split are searched (Nelder–Mead on a logistic scale keeps
 * 0 ≤ α, β and α + β < 1).
 *
 * Why it is here: squared returns of a persistent GARCH process look like a series of variance
 * breaks to any test that assumes independence (and to Bartlett HAC corrections, whose bandwidth
 * cannot reach a correlation time of ~50 bars in a 300-bar window). Testing the squares of
 * standardized residuals e_t/√h_t instead asks the question that matters: did volatility move more
 * than its own clustering explains?
 */
export interface GarchFit {
  omega: number;
  alpha: number;
  beta: number;
  /** The variance the recursion starts from and reverts to: the sample variance. */
  unconditionalVariance: number;
}

const MAXIMUM_PERSISTENCE = 0.999;
const logistic = (value: number): number => 1 / (1 + Math.exp(-value));

export function fitGarch11(residuals: ArrayLike<number>): GarchFit {
  const n = residuals.length;
  let variance = 0;
  for (let t = 0; t < n; t += 1) variance += residuals[t]! * residuals[t]!;
  variance /= n;
  if (!(variance > 0)) return { omega: 0, alpha: 0, beta: 0, unconditionalVariance: 0 };
  const fitFrom = (point: readonly number[]): GarchFit => {
    const persistence = MAXIMUM_PERSISTENCE * logistic(point[0]!);
    const alpha = persistence * logistic(point[1]!);
    const beta = persistence - alpha;
    return { omega: variance * (1 - persistence), alpha, beta, unconditionalVariance: variance };
  };
  const negativeLogLikelihood = (point: readonly number[]): number => {
    const fit = fitFrom(point);
    let h = variance;
    let total = 0;
    for (let t = 0; t < n; t += 1) {
      if (t > 0) h = fit.omega + fit.alpha * residuals[t - 1]! ** 2 + fit.beta * h;
      total += Math.log(h) + residuals[t]! ** 2 / h;
    }
    return total / 2;
  };
  // Start from a typical daily-equity fit (persistence 0.9, α share 0.1) and from no clustering.
  const candidates = [minimize(negativeLogLikelihood, [2.2, -2.2]), minimize(negativeLogLikelihood, [-2, 0])];
  const best = candidates.reduce((a, b) => (negativeLogLikelihood(a) <= negativeLogLikelihood(b) ? a : b));
  return fitFrom(best);
}

/** Conditional variances h_t of `residuals` under `fit`, starting from the unconditional variance. */
export function garchConditionalVariances(fit: GarchFit, residuals: ArrayLike<number>): Float64Array {
  const variances = new Float64Array(residuals.length);
  let h = fit.unconditionalVariance;
  for (let t = 0; t < residuals.length; t += 1) {
    if (t > 0) h = fit.omega + fit.alpha * residuals[t - 1]! ** 2 + fit.beta * h;
    variances[t] = h;
  }
  return variances;
}

/** Nelder–Mead in two dimensions, enough for a smooth two-parameter likelihood. */
function minimize(objective: (point: readonly number[]) => number, start: readonly number[], iterations = 200): number[] {
  let simplex: number[][] = [[...start], [start[0]! + 1, start[1]!], [start[0]!, start[1]! + 1]];
  let values = simplex.map(objective);
  for (let iteration = 0; iteration < iterations; iteration += 1) {
    const order = [0, 1, 2].sort((a, b) => values[a]! - values[b]!);
    simplex = order.map((index) => simplex[index]!);
    values = order.map((index) => values[index]!);
    if (Math.abs(values[2]! - values[0]!) < 1e-10 * (1 + Math.abs(values[0]!))) break;
    const centroid = [(simplex[0]![0]! + simplex[1]![0]!) / 2, (simplex[0]![1]! + simplex[1]![1]!) / 2];
    const worst = simplex[2]!;
    const along = (factor: number): number[] => centroid.map((value, axis) => value + factor * (value - worst[axis]!));
    const reflected = along(1);
    const reflectedValue = objective(reflected);
    if (reflectedValue < values[0]!) {
      const expanded = along(2);
      const expandedValue = objective(expanded);
      [simplex[2], values[2]] = expandedValue < reflectedValue ? [expanded, expandedValue] : [reflected, reflectedValue];
    } else if (reflectedValue < values[1]!) {
      [simplex[2], values[2]] = [reflected, reflectedValue];
    } else {
      const contracted = along(-0.5);
      const contractedValue = objective(contracted);
      if (contractedValue < values[2]!) {
        [simplex[2], values[2]] = [contracted, contractedValue];
      } else {
        const best = simplex[0]!;
        simplex = simplex.map((point, index) => (index === 0 ? point : point.map((value, axis) => best[axis]! + 0.5 * (value - best[axis]!))));
        values = simplex.map(objective);
      }
    }
  }
  return simplex[values.indexOf(Math.min(...values))]!;
}
