import { createSeededRandom, initialDetectorState, observeReturn, DEFAULT_ONLINE_DETECTOR_CONFIG as base, type OnlineDetectorConfig } from '@tollgate/domain/structural-break';
const a = process.argv.slice(2).map(Number);
const cfg: OnlineDetectorConfig = { ...base, volatility: { reference: a[0] ?? 0.25, threshold: a[1] ?? 20 }, volatilityBatchBars: a[2] ?? 50, volatilityLongRunHalfLife: a[3] ?? 60 };
function gen(kind: string, r: ReturnType<typeof createSeededRandom>) { let h = 1, p = 0; return () => { if (kind === 'iid') return r.normal(); h = 0.02 + 0.08 * p * p + 0.9 * h; p = Math.sqrt(h) * r.normal(); return p; }; }
for (const kind of ['iid', 'garch']) {
  const r = createSeededRandom(42); let vol = 0; const series = 150, bars = 5000;
  for (let s = 0; s < series; s++) { let st = initialDetectorState(); const g = gen(kind, r); for (let t = 0; t < 500; t++) g(); for (let t = 0; t < bars; t++) { const o = observeReturn(st, g(), cfg); st = o.state; if (o.alarm?.series === 'volatility') vol++; } }
  console.log(kind, 'vol alarms/1000', (vol / (series * (bars - 250)) * 1000).toFixed(3));
}
for (const kind of ['iid', 'garch']) for (const ratio of [2, 3, 0.5]) {
  const r = createSeededRandom(9); const ds: number[] = []; const S = 200;
  for (let s = 0; s < S; s++) { let st = initialDetectorState(); const g = gen(kind, r); for (let t = 0; t < 500; t++) g();
    for (let t = 0; t < 1000; t++) { let x = g(); if (t >= 500) x *= Math.sqrt(ratio); const o = observeReturn(st, x, cfg); st = o.state; if (o.alarm?.series === 'volatility' && t >= 500) { ds.push(t - 500); break; } } }
  ds.sort((x, y) => x - y); console.log(kind, 'ratio', ratio, 'detected', (ds.length / S).toFixed(2), 'median delay', ds[Math.floor(ds.length / 2)]);
}
