import { createSeededRandom } from '@tollgate/domain/structural-break/seeded-random';
import { chiSquareSurvival } from '@tollgate/domain/structural-break/distributions';

/**
 * Regenerates the sup-F p-value response surface in
 * libs/domain/src/structural-break/sup-f-p-value.ts:
 * `node bin/run-ts.js bench/sup-f-response-surface.ts [--replications N] [--seed N]`.
 *
 * The limit of Andrews' sup-F for one parameter (a break in the mean) is
 * sup_{π0≤λ≤1−π0} B(λ)² / (λ(1−λ)) for a Brownian bridge B. It is simulated here from random
 * walks of 4,000 steps; the same paths summed in blocks of four give 1,000-step walks, and since a
 * discrete maximum falls short of the continuous one by about c/√steps (Siegmund's overshoot), the
 * two quantiles extrapolate to the continuous limit: √q∞ = 2√q₄₀₀₀ − √q₁₀₀₀. Each trimming's
 * quantiles are then fitted with Hansen's (1997) form p(x) = P(χ²(ν) > a + b·x) by least squares
 * on log p.
 */
const TRIMMINGS = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45];
const FINE_STEPS = 4000;
const BLOCK = 4;
const COARSE_STEPS = FINE_STEPS / BLOCK;
const PROBABILITIES = [0.5, 0.4, 0.3, 0.25, 0.2, 0.15, 0.1, 0.075, 0.05, 0.04, 0.03, 0.025, 0.02, 0.015, 0.01, 0.0075, 0.005, 0.0025, 0.001];

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

/** Sup of the F sequence over each trimmed range, widest range last; ranges are nested. */
function supremaByTrimming(partialSums: Float64Array, steps: number, stepVariance: number, out: Float64Array[], replication: number): void {
  const total = partialSums[steps]!;
  const statistic = (j: number): number => {
    const deviation = partialSums[j]! - (j / steps) * total;
    return (deviation * deviation * steps) / (j * (steps - j) * stepVariance);
  };
  let supremum = 0;
  let low = steps; // empty
  let high = 0;
  for (let index = TRIMMINGS.length - 1; index >= 0; index -= 1) {
    const from = Math.floor(TRIMMINGS[index]! * steps);
    const to = steps - from;
    if (low > high) {
      for (let j = from; j <= to; j += 1) supremum = Math.max(supremum, statistic(j));
    } else {
      for (let j = from; j < low; j += 1) supremum = Math.max(supremum, statistic(j));
      for (let j = high + 1; j <= to; j += 1) supremum = Math.max(supremum, statistic(j));
    }
    low = from;
    high = to;
    out[index]![replication] = supremum;
  }
}

function quantile(sorted: Float64Array, upperTailProbability: number): number {
  const position = (1 - upperTailProbability) * (sorted.length - 1);
  const below = Math.floor(position);
  const fraction = position - below;
  return sorted[below]! * (1 - fraction) + sorted[Math.min(below + 1, sorted.length - 1)]! * fraction;
}

function nelderMead(objective: (point: number[]) => number, start: number[], scale: number[], iterations = 4000): number[] {
  const dimension = start.length;
  let simplex = [start, ...start.map((_, axis) => start.map((value, index) => (index === axis ? value + scale[index]! : value)))];
  let values = simplex.map(objective);
  for (let iteration = 0; iteration < iterations; iteration += 1) {
    const order = values.map((value, index) => [value, index] as const).sort((a, b) => a[0] - b[0]);
    simplex = order.map(([, index]) => simplex[index]!);
    values = order.map(([value]) => value);
    const centroid = Array.from({ length: dimension }, (_, axis) => simplex.slice(0, dimension).reduce((sum, point) => sum + point[axis]!, 0) / dimension);
    const worst = simplex[dimension]!;
    const along = (factor: number): number[] => centroid.map((value, axis) => value + factor * (value - worst[axis]!));
    const reflected = along(1);
    const reflectedValue = objective(reflected);
    if (reflectedValue < values[0]!) {
      const expanded = along(2);
      const expandedValue = objective(expanded);
      [simplex[dimension], values[dimension]] = expandedValue < reflectedValue ? [expanded, expandedValue] : [reflected, reflectedValue];
    } else if (reflectedValue < values[dimension - 1]!) {
      [simplex[dimension], values[dimension]] = [reflected, reflectedValue];
    } else {
      const contracted = along(-0.5);
      const contractedValue = objective(contracted);
      if (contractedValue < values[dimension]!) {
        [simplex[dimension], values[dimension]] = [contracted, contractedValue];
      } else {
        const best = simplex[0]!;
        simplex = simplex.map((point, index) => (index === 0 ? point : point.map((value, axis) => best[axis]! + 0.5 * (value - best[axis]!))));
        values = simplex.map(objective);
      }
    }
  }
  const bestIndex = values.indexOf(Math.min(...values));
  return simplex[bestIndex]!;
}

function main(): void {
  const replications = argument('replications', 200_000);
  const seed = argument('seed', 19970101);
  const random = createSeededRandom(seed);
  const fine = TRIMMINGS.map(() => new Float64Array(replications));
  const coarse = TRIMMINGS.map(() => new Float64Array(replications));
  const finePath = new Float64Array(FINE_STEPS + 1);
  const coarsePath = new Float64Array(COARSE_STEPS + 1);
  const started = Date.now();
  for (let replication = 0; replication < replications; replication += 1) {
    for (let step = 1; step <= FINE_STEPS; step += 1) finePath[step] = finePath[step - 1]! + random.normal();
    for (let step = 0; step <= COARSE_STEPS; step += 1) coarsePath[step] = finePath[step * BLOCK]!;
    supremaByTrimming(finePath, FINE_STEPS, 1, fine, replication);
    supremaByTrimming(coarsePath, COARSE_STEPS, BLOCK, coarse, replication);
    if (replication % 20000 === 0) process.stderr.write(`  ${replication} replications, ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }
  type Fit = { intercept: number; slope: number; degreesOfFreedom: number; worstLogError: number };
  const fit = (points: Array<{ probability: number; statistic: number }>): Fit => {
    const model = ([intercept, slope, degrees]: number[]) => (x: number) => chiSquareSurvival(Math.max(0, intercept! + slope! * x), degrees!);
    const objective = (parameters: number[]): number => {
      if (parameters[1]! <= 0 || parameters[2]! <= 0.1) return Number.POSITIVE_INFINITY;
      const p = model(parameters);
      return points.reduce((sum, point) => sum + (Math.log(p(point.statistic)) - Math.log(point.probability)) ** 2, 0);
    };
    const fitted = nelderMead(objective, [-1, 1, 3], [0.5, 0.1, 0.5]);
    const p = model(fitted);
    const worstLogError = Math.max(...points.map((point) => Math.abs(Math.log(p(point.statistic) / point.probability))));
    return { intercept: fitted[0]!, slope: fitted[1]!, degreesOfFreedom: fitted[2]!, worstLogError };
  };
  const rows: Array<{ trimming: number; discrete: Fit; continuous: Fit }> = [];
  for (let index = 0; index < TRIMMINGS.length; index += 1) {
    const fineSorted = fine[index]!.sort();
    const coarseSorted = coarse[index]!.sort();
    const discretePoints = PROBABILITIES.map((probability) => ({ probability, statistic: quantile(coarseSorted, probability) }));
    const continuousPoints = PROBABILITIES.map((probability) => {
      const extrapolated = 2 * Math.sqrt(quantile(fineSorted, probability)) - Math.sqrt(quantile(coarseSorted, probability));
      return { probability, statistic: extrapolated * extrapolated };
    });
    const row = { trimming: TRIMMINGS[index]!, discrete: fit(discretePoints), continuous: fit(continuousPoints) };
    rows.push(row);
    const critical = (points: typeof discretePoints) =>
      [0.1, 0.05, 0.01].map((probability) => points.find((point) => point.probability === probability)!.statistic.toFixed(2)).join('/');
    process.stderr.write(
      `π0=${row.trimming}: 10/5/1% critical values ${COARSE_STEPS} steps ${critical(discretePoints)}, continuous ${critical(continuousPoints)}; ` +
        `worst |log p error| ${row.discrete.worstLogError.toFixed(3)} / ${row.continuous.worstLogError.toFixed(3)}\n`,
    );
  }
  process.stdout.write(`${JSON.stringify({ seed, replications, fineSteps: FINE_STEPS, coarseSteps: COARSE_STEPS, rows }, null, 2)}\n`);
}

main();
