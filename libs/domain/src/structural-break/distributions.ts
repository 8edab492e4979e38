/**
 * Tail probabilities the break tests need. Written out rather than taken from jstat because the
 * tests report p-values far into the tail (1e-16 and below), where `1 - cdf` rounds to zero; here
 * the upper tail is computed directly.
 */

const LANCZOS_COEFFICIENTS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7; about 15 significant digits). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const shifted = x - 1;
  let sum = LANCZOS_COEFFICIENTS[0]!;
  for (let index = 1; index < LANCZOS_COEFFICIENTS.length; index += 1) sum += LANCZOS_COEFFICIENTS[index]! / (shifted + index);
  const t = shifted + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (shifted + 0.5) * Math.log(t) - t + Math.log(sum);
}

const EPSILON = 1e-15;
const TINY = 1e-300;
const MAX_ITERATIONS = 10_000;

/** Regularized upper incomplete gamma Q(a, x) = Γ(a, x) / Γ(a). */
export function upperRegularizedGamma(shape: number, x: number): number {
  if (!(shape > 0)) throw new RangeError(`gamma shape must be positive, was ${shape}`);
  if (Number.isNaN(x)) return Number.NaN;
  if (x <= 0) return 1;
  if (x === Number.POSITIVE_INFINITY) return 0;
  const logPrefactor = shape * Math.log(x) - x - logGamma(shape);
  if (x < shape + 1) {
    // Series for the lower tail converges here; the upper tail is its complement and not small.
    let term = 1 / shape;
    let sum = term;
    for (let index = 1; index < MAX_ITERATIONS; index += 1) {
      term *= x / (shape + index);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * EPSILON) break;
    }
    return Math.max(0, 1 - Math.exp(logPrefactor) * sum);
  }
  // Continued fraction (modified Lentz) for the upper tail, accurate however small it is.
  let b = x + 1 - shape;
  let c = 1 / TINY;
  let d = 1 / b;
  let fraction = d;
  for (let index = 1; index < MAX_ITERATIONS; index += 1) {
    const a = -index * (index - shape);
    b += 2;
    d = a * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + a / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const step = d * c;
    fraction *= step;
    if (Math.abs(step - 1) < EPSILON) break;
  }
  return Math.exp(logPrefactor) * fraction;
}

/** P(χ²(degrees) > x), for any positive (also fractional) degrees of freedom. */
export function chiSquareSurvival(x: number, degreesOfFreedom: number): number {
  return upperRegularizedGamma(degreesOfFreedom / 2, x / 2);
}

/**
 * P(sup_{0≤t≤1} |B(t)| > x) for a Brownian bridge B: the Kolmogorov distribution,
 * 2 Σ_{k≥1} (−1)^{k+1} exp(−2k²x²). Below x = 1 that series converges slowly, so the equivalent
 * theta-function form 1 − (√(2π)/x) Σ_{k≥1} exp(−(2k−1)²π²/(8x²)) is used there.
 */
export function brownianBridgeSupSurvival(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x <= 0) return 1;
  if (x < 1) {
    let sum = 0;
    for (let k = 1; k <= 20; k += 1) {
      const term = Math.exp(-((2 * k - 1) ** 2) * Math.PI ** 2 / (8 * x * x));
      sum += term;
      if (term < 1e-17) break;
    }
    return Math.min(1, Math.max(0, 1 - (Math.sqrt(2 * Math.PI) / x) * sum));
  }
  let sum = 0;
  for (let k = 1; k <= 100; k += 1) {
    const term = Math.exp(-2 * k * k * x * x);
    sum += k % 2 === 1 ? term : -term;
    if (term < 1e-300 || term < Math.abs(sum) * 1e-17) break;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}
