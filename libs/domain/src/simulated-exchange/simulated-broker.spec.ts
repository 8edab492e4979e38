import { dec, ManualClock } from '@tollgate/kernel';
import { BrokerRejectedError, createEventRegistry, type BrokerUpdate, type OrderRequest } from '@tollgate/contracts';
import type { Instrument } from '../instrument';
import type { FillModel } from './fill-model';
import { SimulatedBroker, type SimulatedBrokerOptions } from './simulated-broker';

const start = new Date('2026-03-02T14:30:00.000Z');
const later = (milliseconds: number) => new Date(start.getTime() + milliseconds).toISOString();
const instruments: Instrument[] = [
  { symbol: 'SPY', assetClass: 'etf', currency: 'USD', tickSize: '0.01', lotSize: '1', shortable: true },
  { symbol: 'HTB', assetClass: 'equity', currency: 'USD', tickSize: '0.01', lotSize: '1', shortable: false },
];
const frictionless: Partial<FillModel> = {
  latencyMs: 0,
  slippageBps: '0',
  commissionPerShare: '0',
  commissionMinimumPerOrder: '0',
  participationRate: '1',
};

function setup(fillModel: Partial<FillModel> = {}, options: Partial<SimulatedBrokerOptions> = {}) {
  const clock = new ManualClock(start);
  const broker = new SimulatedBroker({ clock, instruments, fillModel: { ...frictionless, ...fillModel }, seed: 7, ...options });
  const updates: BrokerUpdate[] = [];
  broker.onUpdate((update) => updates.push(update));
  return { clock, broker, updates };
}

let sequence = 0;
function order(overrides: Partial<OrderRequest> = {}): OrderRequest {
  sequence += 1;
  return { clientOrderId: `c-${sequence}`, symbol: 'SPY', side: 'buy', type: 'market', quantity: '100', timeInForce: 'day', ...overrides };
}
const quote = (at: number, bid: string, ask: string, sizes: { bidSize?: string; askSize?: string } = {}) => ({
  symbol: 'SPY',
  timestamp: later(at),
  bid,
  ask,
  ...sizes,
});
/** Bars are stamped at their close, as the market-data domain stamps them. */
const bar = (at: number, open: string, high: string, low: string, close: string, volume = '100000') => ({
  symbol: 'SPY',
  timestamp: later(at),
  open,
  high,
  low,
  close,
  volume,
});
const fillProgressOf = (updates: BrokerUpdate[]) => updates.flatMap((update) => (update.kind === 'fill' ? [update.fill] : []));

describe('simulated exchange: marketable orders', () => {
  it('fills a market buy at the ask plus slippage, rounded up to the tick, with a minimum commission', async () => {
    const { broker, updates } = setup({ slippageBps: '10', commissionPerShare: '0.005', commissionMinimumPerOrder: '1' });
    broker.onQuote(quote(0, '99.98', '100.00'));
    await broker.submit(order({ quantity: '100' }));
    // 100.00 × (1 + 10 / 10 000) = 100.10; 100 × 0.005 = 0.50 is below the minimum of 1.
    expect(fillProgressOf(updates)).toEqual([expect.objectContaining({ price: '100.1', quantity: '100', fee: '1' })]);
  });

  it('fills a market sell at the bid minus slippage, rounded down to the tick', async () => {
    const { broker, updates } = setup({ slippageBps: '3' });
    broker.onQuote(quote(0, '50.00', '50.02'));
    await broker.submit(order({ side: 'sell' }));
    // 50.00 × (1 − 3 / 10 000) = 49.985 → 49.98
    expect(fillProgressOf(updates)[0]?.price).toBe('49.98');
  });

  it('lets an order match only after its latency', async () => {
    const { clock, broker, updates } = setup({ latencyMs: 50 });
    broker.onQuote(quote(0, '99.99', '100.00'));
    const acknowledged = await broker.submit(order());
    expect(acknowledged.status).toBe('accepted');
    broker.onQuote(quote(10, '100.00', '100.01'));
    expect(fillProgressOf(updates)).toEqual([]);
    clock.advance(60);
    broker.advance();
    expect(fillProgressOf(updates)).toEqual([expect.objectContaining({ price: '100.01', filledAt: later(60) })]);
  });

  it('caps a marketable limit at its limit and fills it at the better touch', async () => {
    const { broker, updates } = setup({ slippageBps: '50' });
    broker.onQuote(quote(0, '99.90', '100.00'));
    await broker.submit(order({ type: 'limit', limitPrice: '100.20' }));
    // 100.00 + 50 bps = 100.50, capped at the limit 100.20.
    expect(fillProgressOf(updates)[0]?.price).toBe('100.2');
  });

  it('takes quotes as the market-data domain has them (Date and Decimal) as well as wire strings', async () => {
    const { broker, updates } = setup();
    broker.onQuote({ symbol: 'SPY', timestamp: start, bid: dec('99.99'), ask: dec('100.01'), bidSize: dec('500'), askSize: dec('500') });
    await broker.submit(order({ quantity: '10' }));
    expect(fillProgressOf(updates)).toEqual([expect.objectContaining({ price: '100.01', quantity: '10' })]);
  });

  it('takes no more than the displayed size at the touch, and the rest from later quotes', async () => {
    const { broker, updates } = setup();
    broker.onQuote(quote(0, '99.99', '100.00', { askSize: '120' }));
    await broker.submit(order({ quantity: '300' }));
    broker.onQuote(quote(1000, '99.99', '100.01', { askSize: '500' }));
    expect(fillProgressOf(updates).map((fill) => [fill.quantity, fill.price])).toEqual([
      ['120', '100'],
      ['180', '100.01'],
    ]);
  });
});

describe('simulated exchange: resting limit orders', () => {
  it('fills a resting buy limit at its limit only when the market trades through it', async () => {
    const { broker, updates } = setup();
    broker.onQuote(quote(0, '99.00', '99.10'));
    await broker.submit(order({ type: 'limit', limitPrice: '98.50', timeInForce: 'gtc' }));
    broker.onQuote(quote(1000, '98.40', '98.50')); // touches the limit: not through
    expect(fillProgressOf(updates)).toEqual([]);
    broker.onQuote(quote(2000, '98.30', '98.45'));
    expect(fillProgressOf(updates)).toEqual([expect.objectContaining({ price: '98.5' })]);
    expect((await broker.getOrder(fillProgressOf(updates)[0]!.clientOrderId))?.status).toBe('filled');
  });

  it('fills at a touch when configured to', async () => {
    const { broker, updates } = setup({ limitFillRule: 'touch' });
    broker.onQuote(quote(0, '99.00', '99.10'));
    await broker.submit(order({ type: 'limit', limitPrice: '98.50' }));
    broker.onQuote(quote(1000, '98.40', '98.50'));
    expect(fillProgressOf(updates)).toEqual([expect.objectContaining({ price: '98.5' })]);
  });

  it('matches a bar only against orders that were active when it opened', async () => {
    const { clock, broker, updates } = setup();
    broker.onBar(bar(60_000, '100', '101', '99', '100'));
    clock.set(new Date(later(90_000)));
    await broker.submit(order({ timeInForce: 'gtc' })); // arrives in the middle of the next bar
    broker.onBar(bar(120_000, '100.5', '101', '99', '100'));
    expect(fillProgressOf(updates)).toEqual([]);
    broker.onBar(bar(180_000, '100.25', '101', '99', '100'));
    expect(fillProgressOf(updates)).toEqual([expect.objectContaining({ price: '100.25', filledAt: later(180_000) })]);
  });

  it('fills a resting sell limit from a bar that trades through it, or at the open after a gap', async () => {
    const { broker, updates } = setup();
    broker.onBar(bar(0, '100', '101', '99', '100.5'));
    await broker.submit(order({ side: 'sell', type: 'limit', limitPrice: '102', timeInForce: 'gtc' }));
    broker.onBar(bar(60_000, '101', '102', '100', '101')); // reaches 102 without going through
    broker.onBar(bar(120_000, '101', '102.50', '100.8', '102.2'));
    await broker.submit(order({ side: 'sell', type: 'limit', limitPrice: '103', timeInForce: 'gtc' }));
    broker.onBar(bar(180_000, '104', '105', '103.5', '104.5'));
    expect(fillProgressOf(updates).map((fill) => fill.price)).toEqual(['102', '104']);
  });

  it('fills partially by the volume participation cap, charging the minimum commission once per order', async () => {
    const { broker, updates } = setup({ participationRate: '0.1', commissionPerShare: '0.005', commissionMinimumPerOrder: '1' });
    const request = order({ quantity: '250', timeInForce: 'gtc' });
    await broker.submit(request);
    broker.onBar(bar(60_000, '100', '101', '99', '100', '1000'));
    broker.onBar(bar(120_000, '100', '101', '99', '100', '1000'));
    broker.onBar(bar(180_000, '100', '101', '99', '100', '1000'));
    // 10 % of 1 000 = 100 shares a bar; commission max(0.005 × shares, 1) on the running total: 1, 1, 1.25.
    expect(fillProgressOf(updates).map((fill) => [fill.quantity, fill.fee])).toEqual([
      ['100', '1'],
      ['100', '0'],
      ['50', '0.25'],
    ]);
    expect((await broker.getOrder(request.clientOrderId))?.status).toBe('filled');
  });
});

describe('simulated exchange: stops', () => {
  it('triggers a buy stop when the ask reaches it and fills it as a market order', async () => {
    const { broker, updates } = setup({ slippageBps: '10' });
    broker.onQuote(quote(0, '99.00', '99.05'));
    await broker.submit(order({ type: 'stop', stopPrice: '100', timeInForce: 'gtc' }));
    broker.onQuote(quote(1000, '99.90', '99.95'));
    expect(fillProgressOf(updates)).toEqual([]);
    broker.onQuote(quote(2000, '100.00', '100.02'));
    // 100.02 + 10 bps = 100.120002 → 100.13
    expect(fillProgressOf(updates)).toEqual([expect.objectContaining({ price: '100.13' })]);
  });

  it('fills a sell stop at the open when a bar gaps through it', async () => {
    const { broker, updates } = setup();
    await broker.submit(order({ side: 'sell', type: 'stop', stopPrice: '95', timeInForce: 'gtc' }));
    broker.onBar(bar(60_000, '93', '94', '92', '93.5'));
    expect(fillProgressOf(updates)[0]?.price).toBe('93');
  });

  it('turns a triggered stop-limit into a resting limit when the trigger price is beyond the limit', async () => {
    const { broker, updates } = setup();
    broker.onQuote(quote(0, '99.00', '99.05'));
    const request = order({ type: 'stop_limit', stopPrice: '100', limitPrice: '100.10', timeInForce: 'gtc' });
    await broker.submit(request);
    broker.onQuote(quote(1000, '100.20', '100.25')); // triggers, but the ask is above the limit
    expect(fillProgressOf(updates)).toEqual([]);
    expect((await broker.getOrder(request.clientOrderId))?.status).toBe('new');
    broker.onQuote(quote(2000, '99.95', '100.05')); // trades through 100.10
    expect(fillProgressOf(updates)).toEqual([expect.objectContaining({ price: '100.1' })]);
  });
});

describe('simulated exchange: time in force, cancel and replace', () => {
  it('cancels what an IOC order could not fill at once', async () => {
    const { broker, updates } = setup();
    broker.onQuote(quote(0, '99.99', '100.00', { askSize: '40' }));
    const request = order({ quantity: '100', timeInForce: 'ioc' });
    await broker.submit(request);
    expect(fillProgressOf(updates).map((fill) => fill.quantity)).toEqual(['40']);
    expect(updates.at(-1)).toMatchObject({ kind: 'canceled', order: { clientOrderId: request.clientOrderId, filledQuantity: '40', status: 'canceled' } });
  });

  it('expires DAY orders at the end of the session and keeps GTC orders', async () => {
    const { broker } = setup();
    const day = order({ type: 'limit', limitPrice: '90' });
    const goodTillCanceled = order({ type: 'limit', limitPrice: '90', timeInForce: 'gtc' });
    await broker.submit(day);
    await broker.submit(goodTillCanceled);
    broker.endSession();
    expect((await broker.getOrder(day.clientOrderId))?.status).toBe('expired');
    expect((await broker.openOrders()).map((open) => open.clientOrderId)).toEqual([goodTillCanceled.clientOrderId]);
  });

  it('cancels an open order and refuses to cancel one that is not open or unknown', async () => {
    const { broker, updates } = setup();
    const resting = order({ type: 'limit', limitPrice: '90' });
    await broker.submit(resting);
    await broker.cancel(resting.clientOrderId);
    expect(updates.at(-1)).toMatchObject({ kind: 'canceled' });
    await expect(broker.cancel(resting.clientOrderId)).rejects.toThrow(BrokerRejectedError);
    await expect(broker.cancel('nope')).rejects.toThrow('order nope was not found');
  });

  it('replaces an order under a new client order id, carrying what has filled', async () => {
    const { broker, updates } = setup();
    broker.onQuote(quote(0, '99.99', '100.00', { askSize: '30' }));
    const original = order({ type: 'limit', limitPrice: '100', quantity: '100', timeInForce: 'gtc' });
    await broker.submit(original);
    const replacement = await broker.replace(original.clientOrderId, { newClientOrderId: 'c-replacement', limitPrice: '99.50' });
    expect(replacement).toMatchObject({ clientOrderId: 'c-replacement', quantity: '100', filledQuantity: '30', limitPrice: '99.5' });
    expect((await broker.getOrder(original.clientOrderId))?.status).toBe('replaced');
    expect(updates.find((update) => update.kind === 'replaced')).toMatchObject({ order: { clientOrderId: original.clientOrderId }, replacedBy: { clientOrderId: 'c-replacement' } });
    await expect(broker.replace('c-replacement', { newClientOrderId: 'c-replacement-2', quantity: '30' })).rejects.toThrow('must exceed the filled quantity 30');
  });
});

describe('simulated exchange: refusals', () => {
  it('refuses a second order under a client order id already used, and the first order stands', async () => {
    const { broker } = setup();
    const first = order({ type: 'limit', limitPrice: '90' });
    await broker.submit(first);
    await expect(broker.submit({ ...first, limitPrice: '91' })).rejects.toThrow(`client order id ${first.clientOrderId} was already used`);
    expect((await broker.getOrder(first.clientOrderId))?.limitPrice).toBe('90');
  });

  it('rejects an order that breaks the instrument rules and answers lookups about it', async () => {
    const { broker, updates } = setup();
    const offTick = order({ type: 'limit', limitPrice: '90.001' });
    await expect(broker.submit(offTick)).rejects.toThrow('limitPrice=90.001 is not on the tick 0.01');
    expect(await broker.getOrder(offTick.clientOrderId)).toMatchObject({ status: 'rejected' });
    expect(updates.at(-1)).toMatchObject({ kind: 'rejected' });
    await expect(broker.submit(order({ symbol: 'HTB', side: 'sell_short' }))).rejects.toThrow('HTB is not shortable');
    await expect(broker.submit(order({ symbol: 'ZZZ' }))).rejects.toThrow('symbol ZZZ is not traded here');
    await expect(broker.submit(order({ type: 'stop', stopPrice: '1', timeInForce: 'ioc' }))).rejects.toThrow('ioc is not supported');
  });

  it('answers null for an order it never received', async () => {
    const { broker } = setup();
    expect(await broker.getOrder('never-sent')).toBeNull();
  });
});

describe('simulated exchange: account, fills and durability', () => {
  it('reports positions, fills since a cursor, cash and equity', async () => {
    const { broker } = setup({ commissionPerShare: '0.01', commissionMinimumPerOrder: '0' });
    broker.onQuote(quote(0, '99.99', '100.00'));
    await broker.submit(order({ quantity: '10' }));
    await broker.submit(order({ quantity: '5', side: 'sell' }));
    const first = await broker.fillsSince(null);
    expect(first.fills.map((fill) => [fill.side, fill.quantity, fill.price])).toEqual([
      ['buy', '10', '100'],
      ['sell', '5', '99.99'],
    ]);
    expect(await broker.fillsSince(first.cursor)).toEqual({ fills: [], cursor: first.cursor });
    expect(await broker.positions()).toEqual([{ symbol: 'SPY', quantity: '5', averagePrice: '100' }]);
    // cash: 100 000 − 1 000 − 0.10 + 499.95 − 0.05; equity marks 5 shares at the mid 99.995.
    expect(await broker.account()).toMatchObject({ cash: '99499.8', equity: '99999.775' });
  });

  it('rebuilds from its events after a restart: resting orders, fills and positions survive', async () => {
    const recorded: unknown[] = [];
    const { clock, broker } = setup({}, { onEvents: (events) => recorded.push(...events) });
    broker.onQuote(quote(0, '99.99', '100.00', { askSize: '30' }));
    const partly = order({ quantity: '100', type: 'limit', limitPrice: '100', timeInForce: 'gtc' });
    const resting = order({ side: 'sell', type: 'limit', limitPrice: '105', quantity: '20', timeInForce: 'gtc' });
    await broker.submit(partly);
    await broker.submit(resting);
    expect(recorded).toEqual(broker.events());

    const restarted = new SimulatedBroker({ clock, history: broker.events() });
    expect(await restarted.openOrders()).toEqual(await broker.openOrders());
    expect(await restarted.positions()).toEqual(await broker.positions());
    expect(await restarted.fillsSince(null)).toEqual(await broker.fillsSince(null));
    expect(await restarted.getOrder(partly.clientOrderId)).toEqual(await broker.getOrder(partly.clientOrderId));

    const before = broker.events().length;
    const next = quote(5000, '99.90', '99.95');
    broker.onQuote(next);
    restarted.onQuote(next);
    expect(restarted.events().slice(before)).toEqual(broker.events().slice(before));
    expect((await restarted.getOrder(partly.clientOrderId))?.status).toBe('filled');
  });

  it('is deterministic for a seed, and the seed matters when there is jitter', async () => {
    const run = async (seed: number) => {
      const { broker } = setup({ latencyMs: 20, latencyJitterMs: 30, slippageBps: '1', slippageJitterBps: '20' }, { seed });
      let now = 0;
      for (let index = 0; index < 20; index += 1) {
        broker.onQuote(quote(now, '100.00', '100.02'));
        await broker.submit(order({ clientOrderId: `run-${index}`, side: index % 2 === 0 ? 'buy' : 'sell', quantity: '10' }));
        now += 100;
      }
      broker.onQuote(quote(now, '100.00', '100.02'));
      return broker.events().slice(1);
    };
    expect(await run(1)).toEqual(await run(1));
    expect(await run(1)).not.toEqual(await run(2));
  });

  it('writes only events its registered schemas accept', async () => {
    const registry = createEventRegistry();
    const { broker } = setup({ participationRate: '0.5' });
    await broker.submit(order({ type: 'stop_limit', stopPrice: '101', limitPrice: '101.5', quantity: '300', timeInForce: 'gtc' }));
    await broker.submit(order({ type: 'limit', limitPrice: '90' }));
    await expect(broker.submit(order({ symbol: 'ZZZ' }))).rejects.toThrow();
    broker.onBar(bar(60_000, '100', '102', '99', '101', '200'));
    await broker.replace((await broker.openOrders())[0]!.clientOrderId, { newClientOrderId: 'r-1', quantity: '400' });
    broker.endSession();
    const types = new Set(broker.events().map((event) => event.type));
    expect(types.size).toBeGreaterThanOrEqual(8);
    for (const event of broker.events()) expect(() => registry.validate(event.type, undefined, event.data)).not.toThrow();
  });

  it('refuses every call once closed, as unavailable', async () => {
    const { broker } = setup();
    await broker.close();
    await expect(broker.submit(order())).rejects.toThrow('did not answer');
  });
});
