import { marketDataStreamId, type BarMessage, type EventInput } from '@tollgate/contracts';
import { createSeededRandom, DEFAULT_REGIME_MONITOR_CONFIG } from '@tollgate/domain/structural-break';
import { createEventStore, type SqlEventStore } from '@tollgate/event-store';
import { deterministicId } from '@tollgate/kernel';
import { createLogger } from '@tollgate/telemetry';
import { RegimeHandlers, type RegimeOptions } from './regime.handlers';

/**
 * The regime service's handlers on a real store (in-memory PGlite): bars with one shift in the mean of
 * their returns, fed live or recorded before a start.
 */
const logger = createLogger({ serviceName: 'regime-spec', level: 'silent' });
const options: RegimeOptions = { symbols: ['SPY'], monitor: DEFAULT_REGIME_MONITOR_CONFIG };
const START = Date.parse('2024-01-02T14:31:00.000Z');

/** Daily-like returns (1 % volatility); from bar `shiftAt` on their mean moves up by one standard deviation. */
function shiftedBars(count: number, shiftAt: number, seed = 11): BarMessage[] {
  const random = createSeededRandom(seed);
  let price = 100;
  return Array.from({ length: count }, (_unused, index) => {
    const open = price;
    price *= Math.exp(0.01 * random.normal() + (index >= shiftAt ? 0.01 : 0));
    const [low, high] = [Math.min(open, price), Math.max(open, price)];
    return {
      timestamp: new Date(START + index * 60_000).toISOString(),
      symbol: 'SPY',
      open: open.toFixed(4),
      high: high.toFixed(4),
      low: low.toFixed(4),
      close: price.toFixed(4),
      volume: '1000',
    };
  });
}

let store: SqlEventStore;

beforeEach(async () => {
  store = await createEventStore({ dataDir: 'memory://' });
});

afterEach(async () => {
  await store.close();
});

async function regimeEvents(): Promise<string[]> {
  return (await store.readStream('regime-SPY')).map((event) => event.type);
}

describe('the regime service', () => {
  it('raises a suspicion after a shift in the mean and confirms it after the configured bars; nothing before the warm-up', async () => {
    const regime = new RegimeHandlers(store, logger, options);
    await regime.onApplicationBootstrap();
    const bars = shiftedBars(700, 500);
    for (const bar of bars.slice(0, 500)) await regime.onBar(bar);
    expect(await regimeEvents()).toEqual([]);
    expect(regime.status('SPY').symbols[0]).toMatchObject({ status: 'stable', detector: 'monitoring', barsObserved: 499 });

    for (const bar of bars.slice(500)) await regime.onBar(bar);
    const events = await store.readStream('regime-SPY');
    expect(events.map((event) => event.type)).toEqual(['StructuralBreakSuspected', 'StructuralBreakConfirmed']);
    const [suspected, confirmed] = events.map((event) => event.data as Record<string, unknown>);
    expect(suspected).toMatchObject({ symbol: 'SPY', series: 'mean', direction: 'up', method: 'cusum', threshold: '10' });
    expect(Date.parse(suspected!.detectedAt as string)).toBeGreaterThan(Date.parse(bars[500]!.timestamp));
    expect(confirmed).toMatchObject({ suspicionId: suspected!.suspicionId, windowBars: 250 });
    expect(Number(confirmed!.pValue)).toBeLessThan(0.01);
    expect(events[0]!.metadata.actor).toBe('system:regime');
    expect(regime.status().symbols[0]).toMatchObject({ status: 'stable', confirmed: 1, dismissed: 0 });
  });

  it('rebuilds the detector from the recorded bars at start, writes what the stream lacks once, and skips bars it has seen', async () => {
    const bars = shiftedBars(700, 500);
    const inputs: EventInput[] = bars.map((bar) => ({
      id: deterministicId('spec.bar', bar.timestamp),
      type: 'BarRecorded',
      data: { ...bar, interval: '1m', source: 'spec' },
      metadata: { correlationId: 'spec', causationId: null, actor: 'system:market-data' },
      occurredAt: bar.timestamp,
    }));
    await store.append(marketDataStreamId('SPY'), 'no-stream', inputs);

    const first = new RegimeHandlers(store, logger, options);
    await first.onApplicationBootstrap();
    expect(await regimeEvents()).toEqual(['StructuralBreakSuspected', 'StructuralBreakConfirmed']);

    const second = new RegimeHandlers(store, logger, options);
    await second.onApplicationBootstrap();
    for (const bar of bars.slice(-10)) await second.onBar(bar);
    expect(await regimeEvents()).toEqual(['StructuralBreakSuspected', 'StructuralBreakConfirmed']);
    expect(second.status('SPY').symbols[0]).toMatchObject({ confirmed: 1, barsObserved: 699, lastBarAt: bars.at(-1)!.timestamp });
  });
});
