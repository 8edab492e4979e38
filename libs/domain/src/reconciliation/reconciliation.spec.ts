import fc from 'fast-check';
import type { BrokerFill, BrokerOrder } from '@tollgate/contracts';
import { createEventRegistry } from '@tollgate/contracts';
import { observed, unknown } from '../sync/sync.types';
import { brokerFillEventId } from '../sync/adopt-fills';
import { reconcile, type ReconcileCommand } from './reconcile';
import { defaultPolicies, type BrokerView, type LedgerView } from './reconciliation.types';

const accountId = 'acct-1';
const now = '2026-01-02T15:00:00.000Z';
const reconciliationId = '6f1c1a52-3d1c-4a8e-9d4b-1b0f8a2d7c11';

function order(overrides: Partial<BrokerOrder> = {}): BrokerOrder {
  return {
    brokerOrderId: 'b-1',
    clientOrderId: 'ours-1',
    symbol: 'AAPL',
    side: 'buy',
    type: 'limit',
    timeInForce: 'day',
    quantity: '10',
    filledQuantity: '0',
    averageFillPrice: null,
    limitPrice: '100',
    stopPrice: null,
    status: 'new',
    submittedAt: now,
    updatedAt: now,
    ...overrides,
  };
}

function fill(overrides: Partial<BrokerFill> = {}): BrokerFill {
  return {
    fillId: 'f-1',
    brokerOrderId: 'b-1',
    clientOrderId: 'ours-1',
    symbol: 'AAPL',
    side: 'buy',
    quantity: '5',
    price: '100',
    fee: '0',
    filledAt: now,
    ...overrides,
  };
}

function ledger(overrides: Partial<LedgerView> = {}): LedgerView {
  return {
    accountId,
    currency: 'USD',
    cash: '10000',
    positions: [],
    openOrders: [],
    isOurClientOrderId: (id) => id.startsWith('ours-'),
    fillIds: new Set(),
    ...overrides,
  };
}

function brokerView(overrides: Partial<BrokerView> = {}): BrokerView {
  return {
    positions: [],
    openOrders: [],
    fills: [],
    account: { accountId, currency: 'USD', cash: '10000', equity: '10000', buyingPower: '10000' },
    lookedUpOrders: [],
    ...overrides,
  };
}

function command(ours: LedgerView, broker: BrokerView, overrides: Partial<ReconcileCommand> = {}): ReconcileCommand {
  return { reconciliationId, accountId, broker: 'alpaca', now, ours, brokerView: observed(broker), openBreaks: [], ...overrides };
}

describe('reconcile', () => {
  it('passes and records ReconciliationPassed when both sides agree', () => {
    const outcome = reconcile(
      command(
        ledger({
          positions: [{ symbol: 'AAPL', quantity: '10', averagePrice: '100.00' }],
          openOrders: [{ clientOrderId: 'ours-1', brokerOrderId: 'b-1', symbol: 'AAPL', side: 'buy', remainingQuantity: '10', limitPrice: '100', stopPrice: null }],
        }),
        brokerView({ positions: [{ symbol: 'AAPL', quantity: '10', averagePrice: '100' }], openOrders: [order()] }),
      ),
    );
    expect(outcome.status).toBe('passed');
    expect(outcome.report).toEqual({ passed: true, checkedAt: now, breaks: [] });
    expect(outcome.events.map((event) => event.type)).toEqual(['ReconciliationPassed']);
    expect(outcome.halt).toBe(false);
  });

  it('fails closed when the broker could not be read: unknown is never compared as flat', () => {
    const outcome = reconcile(
      command(ledger({ positions: [{ symbol: 'AAPL', quantity: '10', averagePrice: '100' }] }), brokerView(), {
        brokerView: unknown('positions query timed out'),
      }),
    );
    expect(outcome.status).toBe('unknown');
    expect(outcome.halt).toBe(true);
    expect(outcome.events).toEqual([]);
    expect(outcome.report.passed).toBe(false);
    expect(outcome.report.reason).toContain('positions query timed out');
  });

  it('opens a halting quantity_mismatch when a position was closed by hand at the broker', () => {
    const outcome = reconcile(command(ledger({ positions: [{ symbol: 'AAPL', quantity: '314', averagePrice: '100' }] }), brokerView({
      positions: [{ symbol: 'AAPL', quantity: '83', averagePrice: '100' }],
    })));
    expect(outcome.status).toBe('breaks');
    expect(outcome.halt).toBe(true);
    expect(outcome.report.breaks).toEqual([{ class: 'quantity_mismatch', symbol: 'AAPL', ours: '314', broker: '83', policy: 'halt' }]);
    expect(outcome.events.map((event) => event.type)).toEqual(['ReconciliationBreakOpened']);
  });

  it('adopts the broker position as an explicit adjustment with a reason when policy says adopt', () => {
    const outcome = reconcile(
      command(ledger({ positions: [{ symbol: 'MSFT', quantity: '5', averagePrice: '300' }] }), brokerView({
        positions: [{ symbol: 'MSFT', quantity: '7', averagePrice: '301.5' }],
      }), { policies: { ...defaultPolicies, quantity_mismatch: 'adopt' } }),
    );
    expect(outcome.events.map((event) => event.type)).toEqual(['ReconciliationBreakOpened', 'PositionAdjusted', 'ReconciliationBreakResolved']);
    const adjusted = outcome.events[1]!;
    const resolved = outcome.events[2]!;
    expect(adjusted.type === 'PositionAdjusted' && adjusted.data).toMatchObject({ quantityBefore: '5', quantityAfter: '7', averagePriceAfter: '301.5' });
    expect(adjusted.type === 'PositionAdjusted' && adjusted.data.reason).toMatch(/quantity_mismatch/);
    expect(resolved.type === 'ReconciliationBreakResolved' && resolved.data).toMatchObject({ resolution: 'adopted_broker_truth', adjustmentEventId: adjusted.id });
    expect(outcome.openBreaks).toEqual([]);
    expect(outcome.halt).toBe(false);
  });

  it('compares average prices within the tolerance', () => {
    const within = reconcile(command(ledger({ positions: [{ symbol: 'AAPL', quantity: '10', averagePrice: '100.005' }] }), brokerView({
      positions: [{ symbol: 'AAPL', quantity: '10', averagePrice: '100' }],
    })));
    expect(within.status).toBe('passed');
    const beyond = reconcile(command(ledger({ positions: [{ symbol: 'AAPL', quantity: '10', averagePrice: '100.02' }] }), brokerView({
      positions: [{ symbol: 'AAPL', quantity: '10', averagePrice: '100' }],
    })));
    expect(beyond.report.breaks).toEqual([{ class: 'price_mismatch', symbol: 'AAPL', ours: '100.02', broker: '100', policy: 'alert' }]);
  });

  it('reconciles a working order with no fills independently of positions', () => {
    const outcome = reconcile(command(
      ledger({ openOrders: [{ clientOrderId: 'ours-1', brokerOrderId: 'b-1', symbol: 'AAPL', side: 'buy', remainingQuantity: '10', limitPrice: '100', stopPrice: null }] }),
      brokerView(),
    ));
    expect(outcome.report.breaks).toEqual([{ class: 'unknown_order', symbol: 'AAPL', ours: 'working', broker: 'not found', policy: 'halt' }]);
  });

  it('reports remaining quantity and limit price differences of working orders', () => {
    const outcome = reconcile(command(
      ledger({ openOrders: [{ clientOrderId: 'ours-1', brokerOrderId: 'b-1', symbol: 'AAPL', side: 'buy', remainingQuantity: '10', limitPrice: '100', stopPrice: null }] }),
      brokerView({ openOrders: [order({ filledQuantity: '4', limitPrice: '99.5', status: 'partially_filled' })] }),
    ));
    expect(outcome.report.breaks).toEqual([
      { class: 'price_mismatch', symbol: 'AAPL', ours: '100', broker: '99.5', policy: 'alert' },
      { class: 'quantity_mismatch', symbol: 'AAPL', ours: '10', broker: '6', policy: 'halt' },
    ]);
  });

  it('adopts a missing fill of our own order with the id sync would give it', () => {
    const missing = fill();
    const outcome = reconcile(command(ledger(), brokerView({ fills: [missing] })));
    const adopted = outcome.events.find((event) => event.type === 'BrokerFillAdopted');
    expect(adopted?.id).toBe(brokerFillEventId(accountId, 'alpaca', missing.fillId));
    expect(outcome.report.breaks).toEqual([{ class: 'missing_fill', symbol: 'AAPL', ours: null, broker: 'buy 5 @ 100', policy: 'adopt' }]);
  });

  it('quarantines an order placed outside Tollgate and never adopts its fills', () => {
    const foreign = order({ brokerOrderId: 'b-9', clientOrderId: 'manual-9', status: 'partially_filled', filledQuantity: '3' });
    const outcome = reconcile(command(ledger(), brokerView({
      openOrders: [foreign],
      fills: [fill({ fillId: 'f-9', brokerOrderId: 'b-9', clientOrderId: 'manual-9', quantity: '3' })],
      positions: [{ symbol: 'AAPL', quantity: '3', averagePrice: '100' }],
    }), { policies: { ...defaultPolicies, missing_fill: 'adopt' } }));
    const types = outcome.events.map((event) => event.type);
    expect(types).toContain('ForeignOrderQuarantined');
    expect(types).not.toContain('BrokerFillAdopted');
    expect(outcome.report.breaks).toContainEqual({ class: 'unknown_order', symbol: 'AAPL', ours: null, broker: 'buy 10 AAPL partially_filled', policy: 'quarantine' });
    expect(outcome.report.breaks).toContainEqual({ class: 'quantity_mismatch', symbol: 'AAPL', ours: '0', broker: '3', policy: 'halt' });
  });

  it('quarantines a foreign order seen only through its fills', () => {
    const outcome = reconcile(command(ledger(), brokerView({ fills: [fill({ fillId: 'f-7', brokerOrderId: 'b-7', clientOrderId: 'web-7' })] })));
    const quarantined = outcome.events.find((event) => event.type === 'ForeignOrderQuarantined');
    expect(quarantined?.type === 'ForeignOrderQuarantined' && quarantined.data).toMatchObject({ brokerOrderId: 'b-7', type: 'unknown', filledQuantity: '5' });
  });

  it('escalates adopt to halt where there is no broker truth to take', () => {
    const outcome = reconcile(command(
      ledger({ openOrders: [{ clientOrderId: 'ours-1', brokerOrderId: 'b-1', symbol: 'AAPL', side: 'buy', remainingQuantity: '10', limitPrice: '100', stopPrice: null }] }),
      brokerView(),
      { policies: { ...defaultPolicies, unknown_order: 'adopt' } },
    ));
    expect(outcome.report.breaks[0]?.policy).toBe('halt');
    expect(outcome.halt).toBe(true);
  });

  it('keeps one break per discrepancy across runs and clears it when it disappears', () => {
    const ours = ledger({ cash: '9000' });
    const first = reconcile(command(ours, brokerView()));
    expect(first.report.breaks).toEqual([{ class: 'cash_mismatch', symbol: null, ours: '9000', broker: '10000', policy: 'alert' }]);
    const second = reconcile(command(ours, brokerView(), { reconciliationId: 'a4b1c2d3-0000-4000-8000-000000000002', openBreaks: first.openBreaks }));
    expect(second.events).toEqual([]);
    expect(second.openBreaks.map((item) => item.breakId)).toEqual(first.openBreaks.map((item) => item.breakId));
    const third = reconcile(command(ledger(), brokerView(), { reconciliationId: 'a4b1c2d3-0000-4000-8000-000000000003', openBreaks: second.openBreaks }));
    expect(third.events.map((event) => event.type)).toEqual(['ReconciliationBreakResolved', 'ReconciliationPassed']);
    expect(third.events[0]?.type === 'ReconciliationBreakResolved' && third.events[0].data.resolution).toBe('cleared');
  });

  it('produces the same events with the same ids for the same command', () => {
    const ours = ledger({ positions: [{ symbol: 'AAPL', quantity: '1', averagePrice: '1' }], cash: '1' });
    const broker = brokerView({ fills: [fill()], openOrders: [order({ clientOrderId: 'x-1', brokerOrderId: 'b-x' })] });
    expect(reconcile(command(ours, broker))).toEqual(reconcile(command(ours, broker)));
  });

  it('writes only events the registry accepts', () => {
    const registry = createEventRegistry();
    const outcome = reconcile(command(
      ledger({ cash: '1', positions: [{ symbol: 'AAPL', quantity: '2', averagePrice: '1' }] }),
      brokerView({ fills: [fill(), fill({ fillId: 'f-2', clientOrderId: 'ext-2', brokerOrderId: 'b-2' })], openOrders: [order({ clientOrderId: 'ext-3', brokerOrderId: 'b-3' })] }),
      { policies: { ...defaultPolicies, quantity_mismatch: 'adopt', cash_mismatch: 'adopt' } },
    ));
    expect(outcome.events.length).toBeGreaterThan(5);
    for (const event of outcome.events) expect(() => registry.validate(event.type, undefined, event.data)).not.toThrow();
  });

  it('passes exactly when the broker mirrors the ledger, for any book', () => {
    const position = fc.record({
      symbol: fc.constantFrom('AAPL', 'MSFT', 'SPY', 'QQQ', 'TSLA'),
      quantity: fc.integer({ min: -500, max: 500 }).filter((value) => value !== 0).map(String),
      averagePrice: fc.integer({ min: 1, max: 100_000 }).map((cents) => (cents / 100).toFixed(2)),
    });
    fc.assert(
      fc.property(fc.uniqueArray(position, { selector: (item) => item.symbol }), fc.integer({ min: 0, max: 1_000_000 }), (positions, cents) => {
        const cash = (cents / 100).toFixed(2);
        const outcome = reconcile(command(ledger({ positions, cash }), brokerView({
          positions: positions.map((item) => ({ ...item })),
          account: { accountId, currency: 'USD', cash, equity: cash, buyingPower: cash },
        })));
        expect(outcome.status).toBe('passed');
      }),
    );
  });

  // How fast is a benchmark's question (bench/reconciliation.bench.ts, ≤ 1 s target, 26–44 ms measured); this test asks what.
  it('reconciles 500 matching positions and 500 matching open orders to a pass', () => {
    const positions = Array.from({ length: 500 }, (_, index) => ({ symbol: `S${index}`, quantity: String(index + 1), averagePrice: `${index + 10}.25` }));
    const openOrders = Array.from({ length: 500 }, (_, index) =>
      order({ brokerOrderId: `b-${index}`, clientOrderId: `ours-${index}`, symbol: `S${index}`, quantity: '10', filledQuantity: '2', limitPrice: `${index + 1}.5` }),
    );
    const ours = ledger({
      positions,
      openOrders: openOrders.map((item) => ({
        clientOrderId: item.clientOrderId,
        brokerOrderId: item.brokerOrderId,
        symbol: item.symbol,
        side: item.side,
        remainingQuantity: '8',
        limitPrice: item.limitPrice,
        stopPrice: null,
      })),
    });
    const broker = brokerView({ positions: positions.map((item) => ({ ...item })), openOrders });
    const outcome = reconcile(command(ours, broker));
    expect(outcome.status).toBe('passed');
  });
});

describe('a carried break when the policy in force says adopt', () => {
  it('is resolved by an explicit adjustment on the same break, with the note in the reason, and opens nothing new', () => {
    const ours = ledger({ positions: [{ symbol: 'AAPL', quantity: '5', averagePrice: '100' }] });
    const broker = brokerView({ positions: [{ symbol: 'AAPL', quantity: '7', averagePrice: '100' }] });
    const first = reconcile(command(ours, broker));
    expect(first.halt).toBe(true);
    const carried = first.openBreaks;
    expect(carried).toHaveLength(1);

    const adopted = reconcile(
      command(ours, broker, {
        reconciliationId: '6f1c1a52-3d1c-4a8e-9d4b-1b0f8a2d7c12',
        openBreaks: carried,
        policies: { ...defaultPolicies, quantity_mismatch: 'adopt' },
        adoptionNotes: { quantity_mismatch: 'adopted on request of user:dana: bought by hand' },
      }),
    );
    expect(adopted.events.map((event) => event.type)).toEqual(['PositionAdjusted', 'ReconciliationBreakResolved']);
    const [adjustment, resolved] = adopted.events;
    expect(adjustment!.data).toMatchObject({ breakId: carried[0]!.breakId, quantityBefore: '5', quantityAfter: '7', reason: expect.stringContaining('user:dana: bought by hand') });
    expect(resolved!.data).toMatchObject({ breakId: carried[0]!.breakId, resolution: 'adopted_broker_truth', adjustmentEventId: adjustment!.id });
    expect(adopted).toMatchObject({ status: 'breaks', halt: false, openBreaks: [] });
    expect(adopted.report.breaks).toEqual([{ class: 'quantity_mismatch', symbol: 'AAPL', ours: '5', broker: '7', policy: 'adopt' }]);
    const registry = createEventRegistry();
    for (const event of adopted.events) expect(() => registry.validate(event.type, undefined, event.data)).not.toThrow();
  });

  it('never adopts a quarantined foreign order, whatever the policy', () => {
    const broker = brokerView({ openOrders: [order({ clientOrderId: 'by-hand', brokerOrderId: 'b-9' })] });
    const first = reconcile(command(ledger(), broker));
    const again = reconcile(command(ledger(), broker, { openBreaks: first.openBreaks, policies: { ...defaultPolicies, unknown_order: 'adopt' } }));
    expect(again.events).toEqual([]);
    expect(again.openBreaks.map((item) => item.policy)).toEqual(['quarantine']);
  });
});
