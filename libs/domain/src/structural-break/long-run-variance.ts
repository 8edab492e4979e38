/**
 * How the variance of a series' partial sums is estimated. `iid`: the residual variance, the
 * textbook choice (strucchange's default). `hac`: a Bartlett-kernel long-run variance (Newey &
 * West 1987) that stays valid when the series is autocorrelated — squared returns under GARCH are.
 */
export type VarianceEstimator = 'iid' | 'hac';

/** Bartlett bandwidth: a fixed number, or Andrews' (1991) AR(1) plug-in rule. */
export type Bandwidth = number | 'andrews';

const MAXIMUM_PLUG_IN_AUTOCORRELATION = 0.97;

/**
 * Andrews' (1991) data-dependent Bartlett bandwidth S = 1.1447 (α̂ n)^{1/3},
 * α̂ = 4ρ̂² / ((1 − ρ̂)² (1 + ρ̂)²), ρ̂ the residuals' first-order autocorrelation (truncated at
 * 0.97 so a near-unit root cannot ask for every lag).
 */
export function andrewsBartlettBandwidth(residuals: ArrayLike<number>): number {
  const n = residuals.length;
  let numerator = 0;
  let denominator = 0;
  for (let t = 1; t < n; t += 1) {
    numerator += residuals[t]! * residuals[t - 1]!;
    denominator += residuals[t - 1]! * residuals[t - 1]!;
  }
  if (denominator === 0) return 1;
  const rho = Math.max(-MAXIMUM_PLUG_IN_AUTOCORRELATION, Math.min(MAXIMUM_PLUG_IN_AUTOCORRELATION, numerator / denominator));
  const alpha = (4 * rho * rho) / ((1 - rho) ** 2 * (1 + rho) ** 2);
  return Math.max(1, 1.1447 * Math.cbrt(alpha * n));
}

export function resolveBandwidth(bandwidth: Bandwidth, residuals: ArrayLike<number>): number {
  if (bandwidth === 'andrews') return andrewsBartlettBandwidth(residuals);
  if (!(bandwidth >= 1)) throw new RangeError(`Bartlett bandwidth must be at least 1, was ${bandwidth}`);
  return bandwidth;
}

/** Bartlett weight of lag `lag` for bandwidth S: 1 − lag/S for lag < S. */
export function bartlettWeight(lag: number, bandwidth: number): number {
  return lag < bandwidth ? 1 - lag / bandwidth : 0;
}

/**
 * Σ_t e_t² + 2 Σ_{ℓ<S} (1 − ℓ/S) Σ_t e_t e_{t−ℓ}: the long-run sum of squares of residuals that
 * already have mean zero. Divide by the degrees of freedom for a variance.
 */
export function longRunSumOfSquares(residuals: ArrayLike<number>, bandwidth: number): number {
  const n = residuals.length;
  let total = 0;
  for (let t = 0; t < n; t += 1) total += residuals[t]! * residuals[t]!;
  for (let lag = 1; lag < bandwidth && lag < n; lag += 1) {
    let autocovariance = 0;
    for (let t = lag; t < n; t += 1) autocovariance += residuals[t]! * residuals[t - lag]!;
    total += 2 * bartlettWeight(lag, bandwidth) * autocovariance;
  }
  return total;
}
