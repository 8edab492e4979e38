/**
 * Benchmarks print each figure beside a baseline measured in the same run, as a ratio, because
 * these machines are noisy: absolute numbers move, ratios hold.
 */
export interface BenchFigure {
  /** What was measured, e.g. "append, 100 events/tx, 1 writer". */
  name: string;
  value: number;
  unit: string;
  /** The same operation done the plain way, in the same run. */
  baseline?: { name: string; value: number };
  /** Ratio value / baseline (or baseline / value for latencies; see `higherIsBetter`). */
  higherIsBetter: boolean;
  /** The target, e.g. { ratio: 0.6 } or { value: 80000 } or { max: 10 }. */
  target?: { ratioAtLeast?: number; valueAtLeast?: number; valueAtMost?: number };
}

export interface BenchSuite {
  name: string;
  run(options: { quick: boolean; progress: (message: string) => void }): Promise<BenchFigure[]>;
}

export function ratio(figure: BenchFigure): number | undefined {
  if (!figure.baseline || figure.baseline.value === 0) return undefined;
  return figure.higherIsBetter ? figure.value / figure.baseline.value : figure.baseline.value / figure.value;
}

export function meetsTarget(figure: BenchFigure): boolean | undefined {
  const target = figure.target;
  if (!target) return undefined;
  const r = ratio(figure);
  if (target.ratioAtLeast !== undefined && (r === undefined || r < target.ratioAtLeast)) return false;
  if (target.valueAtLeast !== undefined && figure.value < target.valueAtLeast) return false;
  if (target.valueAtMost !== undefined && figure.value > target.valueAtMost) return false;
  return true;
}

/** Percentile of a sample (nearest rank). */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export async function timed<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number }> {
  const start = process.hrtime.bigint();
  const result = await work();
  return { result, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}
