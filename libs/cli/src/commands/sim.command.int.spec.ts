import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dec } from '@tollgate/kernel';
import type { SimulationSummary } from '@tollgate/simulation';
import { runSimulation, type SimulationOptions } from './sim.command';

/**
 * `tollgate sim` end to end, in process: the service handlers on a PGlite store in a temporary
 * directory, stepped through the synthetic market and through real daily S&P 500 bars.
 */
const SP500 = join(__dirname, '../../../../node_modules/vega-datasets/data/sp500-2000.csv');
const saved = process.env.TOLLGATE_LOG_LEVEL;
let root: string;

beforeAll(() => {
  process.env.TOLLGATE_LOG_LEVEL = 'warn';
  root = mkdtempSync(join(tmpdir(), 'tollgate-sim-'));
});

afterAll(() => {
  if (saved === undefined) delete process.env.TOLLGATE_LOG_LEVEL;
  else process.env.TOLLGATE_LOG_LEVEL = saved;
  rmSync(root, { recursive: true, force: true });
});

function expectConsistent(summary: SimulationSummary): void {
  const { pnl, proposals, trades, exits } = summary;
  expect(dec(pnl.equity).minus(dec(pnl.initialCash)).equals(dec(pnl.netPnl))).toBe(true);
  expect(dec(pnl.realizedPnl).plus(dec(pnl.unrealizedPnl)).minus(dec(pnl.fees)).equals(dec(pnl.netPnl))).toBe(true);
  const decided = proposals.approved.byPerson + proposals.approved.byAuto + proposals.rejected + proposals.expired + proposals.pendingAtEnd;
  expect(decided).toBe(proposals.created);
  expect(proposals.converted).toBe(proposals.approved.byPerson + proposals.approved.byAuto);
  expect(trades.entries).toBeLessThanOrEqual(proposals.converted);
  expect(exits.completed).toBeLessThanOrEqual(exits.requested + exits.emergency.total);
  expect(trades.winning + trades.losing).toBe(trades.closed);
  // Every rule exit is counted by its rule, including those recorded as emergencies for crossing a wide spread.
  expect(Object.values(exits.byRule).reduce((sum, count) => sum + count, 0)).toBe(exits.requested + (exits.emergency.byCause.wide_spread ?? 0));
}

describe('tollgate sim', () => {
  it('writes byte-identical summaries for two runs with the same inputs and seed (synthetic market, auto-mode)', async () => {
    const options = (out: string): SimulationOptions => ({ source: { kind: 'synthetic', seed: 42, tradingDays: 1, symbols: ['SPY'], start: '2024-01-02' }, strategy: 'trend', seed: 42, auto: true, out });
    const first = await runSimulation(options(join(root, 'first')));
    const second = await runSimulation(options(join(root, 'second')));
    expect(readFileSync(second.summaryFile)).toEqual(readFileSync(first.summaryFile));

    // And the run did something worth comparing.
    const summary = first.summary;
    expect(summary.run).toMatchObject({ feed: 'synthetic', symbols: ['SPY'], bars: 390, quotes: 1560, auto: true, timeInForce: 'day', barInterval: '1m' });
    expect(summary.proposals.created).toBeGreaterThan(0);
    expect(summary.proposals.approved.byAuto).toBe(summary.proposals.created);
    expect(summary.trades.entries).toBeGreaterThan(0);
    expect(summary.trades.ordersByKind.proposal).toBeGreaterThan(0);
    expectConsistent(summary);
    expect(existsSync(join(first.storeDir, 'pgdata'))).toBe(true);
    const exported = readFileSync(first.exportFile, 'utf8').trim().split('\n');
    expect(JSON.parse(exported[0]!)).toEqual({ format: 'tollgate-event-store', version: 1 });
    expect(JSON.parse(exported.at(-1)!)).toMatchObject({ end: true, events: summary.run.events });
  }, 300_000);

  it('without --auto, proposals expire unanswered and nothing is traded', async () => {
    const result = await runSimulation({ source: { kind: 'synthetic', seed: 42, tradingDays: 1, symbols: ['SPY'], start: '2024-01-02' }, strategy: 'trend', seed: 42, auto: false, out: join(root, 'manual') });
    const { proposals, trades, pnl } = result.summary;
    expect(proposals.created).toBeGreaterThan(0);
    expect(proposals.expired).toBe(proposals.created);
    expect(trades.fills).toBe(0);
    expect(pnl.netPnl).toBe('0');
  }, 300_000);

  it('runs the real daily S&P 500 bars (as SPY, quotes derived from the bars, good-till-cancelled orders)', async () => {
    const result = await runSimulation({ source: { kind: 'csv', path: SP500 }, days: 400, strategy: 'trend', seed: 1, auto: true, out: join(root, 'sp500') });
    const { summary } = result;
    expect(summary.run).toMatchObject({ feed: 'csv:sp500-2000.csv', symbols: ['SPY'], bars: 400, quotes: 800, derivedQuotes: true, barInterval: '1d', timeInForce: 'gtc' });
    expect(summary.run.from!.startsWith('2000-01-03')).toBe(true);
    expect(summary.trades.entries).toBeGreaterThan(0);
    expect(summary.exits.requested).toBeGreaterThan(0);
    // Daily bars have no session left to flatten in: no end-of-day exits.
    expect(summary.exits.byRule.end_of_day).toBeUndefined();
    expectConsistent(summary);
  }, 300_000);

  it('refuses to write over an earlier simulation unless told to', async () => {
    const out = join(root, 'first');
    await expect(runSimulation({ source: { kind: 'synthetic', seed: 1, tradingDays: 1, symbols: ['SPY'], start: '2024-01-02' }, strategy: 'trend', seed: 1, auto: false, out })).rejects.toThrow(
      'already holds a simulation',
    );
  });
});
