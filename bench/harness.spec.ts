import { meetsTarget, percentile, ratio, type BenchFigure } from './harness';

const figure = (overrides: Partial<BenchFigure>): BenchFigure => ({ name: 'f', value: 50, unit: 'x', higherIsBetter: true, ...overrides });

describe('bench harness', () => {
  it('reports throughput as value over baseline and latency as baseline over value', () => {
    expect(ratio(figure({ value: 30, baseline: { name: 'raw', value: 60 } }))).toBe(0.5);
    expect(ratio(figure({ value: 20, higherIsBetter: false, baseline: { name: 'raw', value: 5 } }))).toBe(0.25);
    expect(ratio(figure({}))).toBeUndefined();
  });

  it('judges a figure against every part of its target', () => {
    const base = { baseline: { name: 'raw', value: 100 } };
    expect(meetsTarget(figure({ ...base, value: 60, target: { ratioAtLeast: 0.6 } }))).toBe(true);
    expect(meetsTarget(figure({ ...base, value: 59, target: { ratioAtLeast: 0.6 } }))).toBe(false);
    expect(meetsTarget(figure({ value: 9, higherIsBetter: false, target: { valueAtMost: 10 } }))).toBe(true);
    expect(meetsTarget(figure({ value: 11, higherIsBetter: false, target: { valueAtMost: 10 } }))).toBe(false);
    expect(meetsTarget(figure({}))).toBeUndefined();
  });

  it('takes nearest-rank percentiles', () => {
    const samples = Array.from({ length: 100 }, (_, index) => 100 - index);
    expect(percentile(samples, 50)).toBe(50);
    expect(percentile(samples, 99)).toBe(99);
    expect(percentile([], 50)).toBeNaN();
  });
});
