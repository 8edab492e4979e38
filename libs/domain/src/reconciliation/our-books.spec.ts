import fc from 'fast-check';
import { decideOrder, orderIdFor, orderStreamId } from '../order';
import { OurBooks, type BookEvent } from './our-books';
import { reconcile, withoutInFlight } from './reconcile';
import { observed } from '../sync/sync.types';
import type { BrokerOrder } from '@tollgate/contracts';

const ACCOUNT = 'ACC1';
const NOW = new Date('2026-01-02T15:00:00.000Z');

/** Order events as execution would record them, through the real order decider. */
function orderHistory(intentId: string, quantity: string, limitPrice?: string) {
  const orderId = orderIdFor(intentId);
  const init = decideOrder(
    {
      type: 'InitializeOrder',
      data: { orderId, intentId, intentKind: 'manual', symbol: 'AAPL', side: 'buy', type: limitPrice ? 'limit' : 'market', timeInForce: 'day', quantity, ...(limitPrice ? { limitPrice } : {}) },
      metadata: { now: NOW },
    },
    { status: 'NotInitialized' },
  );
  const clientOrderId = (init[0]!.data as { clientOrderId: string }).clientOrderId;
  return { orderId, clientOrderId, init };
}

class Log {
  position = 0;
  private readonly versions = new Map<string, number>();
  readonly events: BookEvent[] = [];
  add(streamId: string, type: string, data: unknown): BookEvent {
    const streamVersion = (this.versions.get(streamId) ?? 0) + 1;
    this.versions.set(streamId, streamVersion);
    const event = { streamId, streamVersion, position: ++this.position, type, data, occurredAt: NOW.toISOString() };
    this.events.push(event);
    return event;
  }
}

function orderEvent(log: Log, orderId: string, type: string, data: Record<string, unknown>) {
  return log.add(orderStreamId(orderId), type, { orderId, ...data });
}

function filled(log: Log, orderId: string, clientOrderId: string, fillId: string, quantity: string, price: string) {
  return orderEvent(log, orderId, 'OrderFilled', {
    clientOrderId,
    fillId,
    symbol: 'AAPL',
    side: 'buy',
    quantity,
    price,
    fee: '0',
    liquidity: 'unknown',
    filledAt: NOW.toISOString(),
  });
}

function adopted(log: Log, clientOrderId: string, fillId: string, quantity: string, price: string, side: 'buy' | 'sell' = 'buy', symbol = 'AAPL') {
  return log.add(`sync-${ACCOUNT}`, 'BrokerFillAdopted', {
    accountId: ACCOUNT,
    broker: 'alpaca',
    fillId,
    brokerOrderId: fillId.split('/')[0],
    clientOrderId,
    symbol,
    side,
    quantity,
    price,
    fee: '0',
    filledAt: NOW.toISOString(),
  });
}

function booksOf(log: Log): OurBooks {
  const books = new OurBooks(ACCOUNT);
  for (const event of log.events) books.apply(event);
  return books;
}

function accepted(log: Log, intentId: string, quantity: string, limitPrice?: string) {
  const { orderId, clientOrderId, init } = orderHistory(intentId, quantity, limitPrice);
  orderEvent(log, orderId, 'OrderInitialized', init[0]!.data as Record<string, unknown>);
  orderEvent(log, orderId, 'OrderSubmitted', { clientOrderId, submittedAt: NOW.toISOString() });
  orderEvent(log, orderId, 'OrderAccepted', { clientOrderId, brokerOrderId: `B-${intentId}`, acceptedAt: NOW.toISOString(), via: 'venue' });
  return { orderId, clientOrderId };
}

describe('our books', () => {
  it('holds each fill once, whether execution recorded it, sync adopted it, or both', () => {
    const log = new Log();
    const { orderId, clientOrderId } = accepted(log, 'intent-1', '10');
    filled(log, orderId, clientOrderId, 'B-1/4', '4', '100');
    adopted(log, clientOrderId, 'B-1/4', '4', '100');
    adopted(log, clientOrderId, 'B-1/10', '6', '101');
    filled(log, orderId, clientOrderId, 'B-1/10', '6', '101');
    const books = booksOf(log);
    const { view } = books.ledgerView(books.snapshot(), new Set());
    expect(view.positions).toEqual([{ symbol: 'AAPL', quantity: '10', averagePrice: '100.6' }]);
    expect(view.cash).toBe('-1006');
    expect(view.openOrders).toEqual([]);
    expect(books.hasFill('B-1/4') && books.hasFill('B-1/10')).toBe(true);
    expect(books.refused).toEqual([]);
  });

  it('gives the same positions and cash however often and by which path each fill arrives', () => {
    const fill = fc.record({ index: fc.integer({ min: 0, max: 7 }), viaStream: fc.boolean() });
    fc.assert(
      fc.property(fc.array(fill, { maxLength: 40 }), (deliveries) => {
        const log = new Log();
        const sides = ['buy', 'sell'] as const;
        for (const { index } of deliveries) {
          adopted(log, 'c-1', `O/${index}`, String(index + 1), String(100 + index), sides[index % 2]);
        }
        const once = new Log();
        for (const index of [...new Set(deliveries.map((item) => item.index))]) {
          adopted(once, 'c-1', `O/${index}`, String(index + 1), String(100 + index), sides[index % 2]);
        }
        const a = booksOf(log);
        const b = booksOf(once);
        const viewA = a.ledgerView(a.snapshot(), new Set()).view;
        const viewB = b.ledgerView(b.snapshot(), new Set()).view;
        expect(viewA.positions).toEqual(viewB.positions);
        expect(viewA.cash).toBe(viewB.cash);
      }),
    );
  });

  it('keeps the broker convention for the average price: adding re-averages, reducing keeps it, crossing takes the fill price', () => {
    const log = new Log();
    adopted(log, 'c', 'X/1', '10', '100');
    adopted(log, 'c', 'X/2', '10', '110');
    adopted(log, 'c', 'X/3', '5', '120', 'sell');
    const reduced = booksOf(log);
    expect(reduced.ledgerView(reduced.snapshot(), new Set()).view.positions).toEqual([{ symbol: 'AAPL', quantity: '15', averagePrice: '105' }]);
    adopted(log, 'c', 'X/4', '20', '90', 'sell');
    const crossed = booksOf(log);
    expect(crossed.ledgerView(crossed.snapshot(), new Set()).view.positions).toEqual([{ symbol: 'AAPL', quantity: '-5', averagePrice: '90' }]);
  });

  it('compares only what the broker snapshot can show: late fills it did not report are left out', () => {
    const log = new Log();
    const { orderId, clientOrderId } = accepted(log, 'intent-2', '10', '100');
    const books = booksOf(log);
    const base = books.snapshot();
    // After the snapshot: one fill the sync fetched (adopted), one the stream brought that the broker snapshot predates.
    books.apply(adopted(log, clientOrderId, 'B-2/3', '3', '100'));
    books.apply(filled(log, orderId, clientOrderId, 'B-2/5', '2', '100'));
    const { view, inFlight } = books.ledgerView(base, new Set(['B-2/3']));
    expect(view.positions).toEqual([{ symbol: 'AAPL', quantity: '3', averagePrice: '100' }]);
    // The order had an event after the snapshot: in flight, compared next time.
    expect(inFlight.has(clientOrderId)).toBe(true);
    expect(view.openOrders).toEqual([]);
  });

  it('compares a quiet working order by what is left of it, and leaves unsettled submits out', () => {
    const log = new Log();
    const working = accepted(log, 'intent-3', '10', '95');
    const unknown = orderHistory('intent-4', '5');
    orderEvent(log, unknown.orderId, 'OrderInitialized', unknown.init[0]!.data as Record<string, unknown>);
    orderEvent(log, unknown.orderId, 'OrderSubmitted', { clientOrderId: unknown.clientOrderId, submittedAt: NOW.toISOString() });
    const books = booksOf(log);
    const { view, inFlight } = books.ledgerView(books.snapshot(), new Set());
    expect(view.openOrders).toEqual([
      { clientOrderId: working.clientOrderId, brokerOrderId: 'B-intent-3', symbol: 'AAPL', side: 'buy', remainingQuantity: '10', limitPrice: '95', stopPrice: null },
    ]);
    expect([...inFlight]).toEqual([unknown.clientOrderId]);
    expect(books.unknownSubmits()).toEqual([{ clientOrderId: unknown.clientOrderId, sentAt: NOW.toISOString(), lookups: 0 }]);
    expect(books.workingClientOrderIds()).toEqual([working.clientOrderId]);

    const brokerOrder = (clientOrderId: string, status: BrokerOrder['status']): BrokerOrder => ({
      brokerOrderId: `B-${clientOrderId}`,
      clientOrderId,
      symbol: 'AAPL',
      side: 'buy',
      type: 'limit',
      timeInForce: 'day',
      quantity: clientOrderId === working.clientOrderId ? '10' : '5',
      filledQuantity: '0',
      averageFillPrice: null,
      limitPrice: clientOrderId === working.clientOrderId ? '95' : null,
      stopPrice: null,
      status,
      submittedAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
    });
    const brokerView = {
      positions: [],
      openOrders: [brokerOrder(working.clientOrderId, 'new'), brokerOrder(unknown.clientOrderId, 'new')],
      fills: [],
      account: { accountId: ACCOUNT, currency: 'USD', cash: '0', equity: '0', buyingPower: '0' },
      lookedUpOrders: [],
    };
    const outcome = reconcile({
      reconciliationId: '00000000-0000-4000-8000-000000000001',
      accountId: ACCOUNT,
      broker: 'alpaca',
      now: NOW.toISOString(),
      ours: view,
      brokerView: observed(withoutInFlight(brokerView, inFlight)),
      openBreaks: [],
    });
    expect(outcome.report).toMatchObject({ passed: true, breaks: [] });
  });

  it('carries open breaks and forgets resolved ones; follows the sync stream and its cursor', () => {
    const log = new Log();
    const opened = (breakId: string) =>
      log.add(`reconciliationbreak-${breakId}`, 'ReconciliationBreakOpened', {
        breakId,
        reconciliationId: '00000000-0000-4000-8000-000000000009',
        accountId: ACCOUNT,
        broker: 'alpaca',
        class: 'quantity_mismatch',
        subject: { kind: 'position', key: 'AAPL' },
        symbol: 'AAPL',
        field: 'quantity',
        ours: '1',
        brokerValue: '2',
        policy: 'halt',
        detectedAt: NOW.toISOString(),
      });
    opened('00000000-0000-4000-8000-0000000000b1');
    opened('00000000-0000-4000-8000-0000000000b2');
    log.add('reconciliationbreak-00000000-0000-4000-8000-0000000000b2', 'ReconciliationBreakResolved', {
      breakId: '00000000-0000-4000-8000-0000000000b2',
      resolution: 'manual',
      reason: 'checked',
      adjustmentEventId: null,
      resolvedBy: 'user:dana',
      resolvedAt: NOW.toISOString(),
    });
    log.add(`sync-${ACCOUNT}`, 'SyncStarted', { syncId: 's1', accountId: ACCOUNT, broker: 'alpaca', trigger: 'startup', fillCursor: null, startedAt: NOW.toISOString() });
    log.add(`sync-${ACCOUNT}`, 'SyncCompleted', {
      syncId: 's1',
      accountId: ACCOUNT,
      broker: 'alpaca',
      trigger: 'startup',
      fillCursorBefore: null,
      fillCursorAfter: 'cursor-7',
      fillsFetched: 0,
      fillsAdopted: 0,
      foreignFills: 0,
      openOrders: 0,
      positions: 0,
      unknownSubmitsResolved: 0,
      completedAt: NOW.toISOString(),
    });
    const books = booksOf(log);
    expect(books.openBreaks().map((item) => item.breakId)).toEqual(['00000000-0000-4000-8000-0000000000b1']);
    expect(books.sync).toMatchObject({ version: 2, state: { fillCursor: 'cursor-7', syncRequired: false } });
  });

  it('takes cash from the opened simulated account (simulated venue only) or an adjustment; without either it has no baseline', () => {
    const log = new Log();
    expect(booksOf(log).hasCashBaseline).toBe(false);
    const opened = log.add(`simexchange-${ACCOUNT}`, 'SimulatedAccountOpened', { accountId: ACCOUNT, currency: 'USD', initialCash: '5000', seed: 1, fillModel: {}, instruments: [], openedAt: NOW.toISOString() });
    const simulated = new OurBooks(ACCOUNT, { simulatedVenue: true });
    simulated.apply(opened);
    expect(simulated.hasCashBaseline).toBe(true);
    expect(simulated.ledgerView(simulated.snapshot(), new Set()).view.cash).toBe('5000');
    expect(booksOf(log).hasCashBaseline).toBe(false);
    log.add(`reconciliation-${ACCOUNT}`, 'CashAdjusted', {
      adjustmentId: '00000000-0000-4000-8000-0000000000c1',
      breakId: '00000000-0000-4000-8000-0000000000b1',
      accountId: ACCOUNT,
      currency: 'USD',
      cashBefore: '0',
      cashAfter: '100000',
      reason: 'opening balance',
      adjustedAt: NOW.toISOString(),
    });
    adopted(log, 'c', 'Z/1', '10', '50');
    const books = booksOf(log);
    expect(books.hasCashBaseline).toBe(true);
    expect(books.ledgerView(books.snapshot(), new Set()).view.cash).toBe('99500');
  });
});
