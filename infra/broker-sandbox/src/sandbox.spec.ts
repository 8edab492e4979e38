import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { SandboxBook, type OrderTerms, type SandboxRecord } from './book';
import { FaultInjector, RateLimiter } from './faults';
import { FileJournal } from './journal';
import { TopOfBookEngine } from './matching-engine';
import { SimulatedExchangeEngine } from './simulated-exchange-engine';
import { SyntheticPriceSource } from './price-source';

const at = '2026-01-02T15:00:00.000Z';

function terms(overrides: Partial<OrderTerms> = {}): OrderTerms {
  return {
    id: 'o-1',
    clientOrderId: 'c-1',
    symbol: 'AAPL',
    assetId: 'a',
    side: 'buy',
    type: 'market',
    timeInForce: 'day',
    qty: '10',
    limitPrice: null,
    stopPrice: null,
    positionIntent: null,
    extendedHours: false,
    createdAt: at,
    replaces: null,
    origin: 'api',
    ...overrides,
  };
}

describe('top-of-book engine', () => {
  it('fills a large order in parts, never more than the displayed size per quote', () => {
    const engine = new TopOfBookEngine();
    engine.quote({ symbol: 'AAPL', bid: '99.99', ask: '100.01', bidSize: '100', askSize: '100', at });
    const first = engine.add({ orderId: 'o-1', symbol: 'AAPL', side: 'buy', type: 'market', timeInForce: 'day', quantity: '250', limitPrice: null, stopPrice: null }, at);
    expect(first).toEqual([{ kind: 'execution', orderId: 'o-1', quantity: '100', price: '100.01', at }]);
    const second = engine.quote({ symbol: 'AAPL', bid: '100', ask: '100.02', bidSize: '200', askSize: '200', at });
    expect(second).toEqual([{ kind: 'execution', orderId: 'o-1', quantity: '150', price: '100.02', at }]);
    expect(engine.working()).toEqual([]);
  });

  it('rests a limit until the quote reaches it, and triggers a stop when crossed', () => {
    const engine = new TopOfBookEngine();
    engine.quote({ symbol: 'AAPL', bid: '99.99', ask: '100.01', bidSize: '100', askSize: '100', at });
    expect(engine.add({ orderId: 'l', symbol: 'AAPL', side: 'buy', type: 'limit', timeInForce: 'gtc', quantity: '5', limitPrice: '99', stopPrice: null }, at)).toEqual([]);
    expect(engine.add({ orderId: 's', symbol: 'AAPL', side: 'sell', type: 'stop', timeInForce: 'gtc', quantity: '5', limitPrice: null, stopPrice: '98.5' }, at)).toEqual([]);
    const outcomes = engine.quote({ symbol: 'AAPL', bid: '98.4', ask: '98.6', bidSize: '100', askSize: '100', at });
    expect(outcomes.map((item) => item.kind === 'execution' && [item.orderId, item.price])).toEqual([
      ['l', '98.6'],
      ['s', '98.4'],
    ]);
  });

  it('expires what an IOC order could not fill at once', () => {
    const engine = new TopOfBookEngine();
    engine.quote({ symbol: 'AAPL', bid: '99.99', ask: '100.01', bidSize: '3', askSize: '3', at });
    const outcomes = engine.add({ orderId: 'i', symbol: 'AAPL', side: 'buy', type: 'market', timeInForce: 'ioc', quantity: '5', limitPrice: null, stopPrice: null }, at);
    expect(outcomes.map((item) => item.kind)).toEqual(['execution', 'expired']);
  });
});

describe('sandbox book', () => {
  it('keeps cash plus position value equal to the start whatever fills at one price', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ side: fc.constantFrom<'buy' | 'sell'>('buy', 'sell'), quantity: fc.integer({ min: 1, max: 50 }) }), { maxLength: 30 }), (trades) => {
        const book = new SandboxBook('100000');
        let seq = 0;
        trades.forEach((trade, index) => {
          const id = `o-${index}`;
          book.apply({ kind: 'order_accepted', seq: ++seq, at, order: terms({ id, clientOrderId: id, side: trade.side, qty: String(trade.quantity) }) });
          book.apply({ kind: 'order_filled', seq: ++seq, at, orderId: id, activityId: `${index}`, executionId: `${index}`, qty: String(trade.quantity), price: '10' });
        });
        const position = book.positions.get('AAPL');
        const value = position ? position.qty.mul(10) : 0;
        expect(book.cash.plus(value).toFixed()).toBe('100000');
      }),
    );
  });

  it('re-prices what is left after a position crosses through flat', () => {
    const book = new SandboxBook('0');
    book.apply({ kind: 'order_accepted', seq: 1, at, order: terms({ id: 'b', clientOrderId: 'b', qty: '10' }) });
    book.apply({ kind: 'order_filled', seq: 2, at, orderId: 'b', activityId: '1', executionId: '1', qty: '10', price: '100' });
    book.apply({ kind: 'order_accepted', seq: 3, at, order: terms({ id: 's', clientOrderId: 's', side: 'sell', qty: '15' }) });
    book.apply({ kind: 'order_filled', seq: 4, at, orderId: 's', activityId: '2', executionId: '2', qty: '15', price: '110' });
    const position = book.positions.get('AAPL')!;
    expect([position.qty.toFixed(), position.avgEntryPrice.toFixed()]).toEqual(['-5', '110']);
  });
});

describe('sandbox journal', () => {
  it('replays what it wrote and cuts a torn last line', () => {
    const directory = mkdtempSync(join(tmpdir(), 'tollgate-journal-'));
    try {
      const journal = new FileJournal(directory);
      const record: SandboxRecord = { kind: 'quote', seq: 1, at, symbol: 'AAPL', bid: '1', ask: '2', bidSize: '1', askSize: '1' };
      journal.append(record);
      journal.close();
      appendFileSync(join(directory, 'journal.jsonl'), '{"kind":"quo');
      const reopened = new FileJournal(directory);
      expect(reopened.readAll()).toEqual([record]);
      reopened.append({ ...record, seq: 2 });
      reopened.close();
      expect(readFileSync(join(directory, 'journal.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe('faults and rate limit', () => {
  it('applies a fault to the matching requests the given number of times', () => {
    const faults = new FaultInjector();
    faults.add({ method: 'post', path: '/v2/orders', action: 'status', status: 500, count: 2 });
    expect(faults.take('GET', '/v2/orders')).toBeNull();
    expect(faults.take('POST', '/v2/orders')?.status).toBe(500);
    expect(faults.take('POST', '/v2/orders')?.status).toBe(500);
    expect(faults.take('POST', '/v2/orders')).toBeNull();
    expect(() => faults.add({ action: 'status', status: 200 })).toThrow('needs a status between 400 and 599');
  });

  it('counts requests per key in a window', () => {
    const limiter = new RateLimiter(2, 1000);
    expect([limiter.hit('k', 0).allowed, limiter.hit('k', 1).allowed, limiter.hit('k', 2).allowed, limiter.hit('other', 2).allowed, limiter.hit('k', 1000).allowed]).toEqual([
      true,
      true,
      false,
      true,
      true,
    ]);
  });
});

describe('synthetic prices', () => {
  it('walks the same path for the same seed, whichever other symbols trade', () => {
    const alone = new SyntheticPriceSource(5);
    alone.current('AAPL', at);
    const crowded = new SyntheticPriceSource(5);
    crowded.current('MSFT', at);
    crowded.current('AAPL', at);
    const pathOf = (source: SyntheticPriceSource) => Array.from({ length: 20 }, () => source.tick(at).find((quote) => quote.symbol === 'AAPL')!.ask);
    expect(pathOf(crowded)).toEqual(pathOf(alone));
  });
});

describe('simulated exchange as the matching engine', () => {
  it('fills at the touch within the displayed size, and rebuilds from its own events', () => {
    const recorded: unknown[] = [];
    const engine = new SimulatedExchangeEngine(3);
    engine.setRecorder((events) => recorded.push(...events));
    engine.quote({ symbol: 'AAPL', bid: '99.99', ask: '100.01', bidSize: '100', askSize: '100', at });
    const outcomes = engine.add({ orderId: 'o-1', symbol: 'AAPL', side: 'buy', type: 'market', timeInForce: 'day', quantity: '150', limitPrice: null, stopPrice: null }, at);
    expect(outcomes).toEqual([{ kind: 'execution', orderId: 'o-1', quantity: '100', price: '100.01', at }]);
    const rebuilt = new SimulatedExchangeEngine(3);
    rebuilt.resume(recorded);
    const later = '2026-01-02T15:00:01.000Z';
    expect(rebuilt.quote({ symbol: 'AAPL', bid: '100', ask: '100.02', bidSize: '100', askSize: '100', at: later })).toEqual([
      { kind: 'execution', orderId: 'o-1', quantity: '50', price: '100.02', at: later },
    ]);
  });

  it('ends an order the exchange does not take instead of leaving it working', () => {
    const engine = new SimulatedExchangeEngine(3);
    engine.quote({ symbol: 'AAPL', bid: '99.99', ask: '100.01', bidSize: '100', askSize: '100', at });
    const outcomes = engine.add({ orderId: 'o-2', symbol: 'AAPL', side: 'buy', type: 'market', timeInForce: 'day', quantity: '1.5', limitPrice: null, stopPrice: null }, at);
    expect(outcomes.map((item) => item.kind)).toEqual(['expired']);
    expect(engine.working()).toEqual([]);
  });
});
