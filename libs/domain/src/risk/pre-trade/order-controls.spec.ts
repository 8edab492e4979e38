import fc from 'fast-check';
import { ZERO } from '@tollgate/kernel';
import { ACCOUNT, accountOf, at, limitsDocument, order, snapshotWith, T0 } from '../risk.fixtures';
import { RiskActivityLog } from './activity-log';
import { PreTradeRiskEngine, type RiskDecision } from './engine';
import type { OrderCheckRequest } from './request';
import type { RiskSnapshot, WorkingOrderInput } from './snapshot';

const engine = new PreTradeRiskEngine();

function codes(decision: RiskDecision): string[] {
  return decision.verdict === 'deny' ? decision.reasons.map((reason) => reason.code) : [];
}

/** What the risk service does after an allow: record the order in the activity log. */
function checkAndRecord(request: OrderCheckRequest, snapshot: RiskSnapshot): RiskDecision {
  const decision = engine.check(request, snapshot);
  if (decision.verdict === 'allow') snapshot.activity.recordAllowed(request);
  return decision;
}

const withInstrument = (adjust: (defaults: NonNullable<ReturnType<typeof limitsDocument>['instrumentDefaults']>) => void) =>
  limitsDocument((document) => adjust(document.instrumentDefaults!));

describe('C1 max order quantity', () => {
  it('limit 100: the 101-share order is denied with QUANTITY_EXCEEDS_MAXIMUM, 100 shares pass', () => {
    const snapshot = snapshotWith({ limits: withInstrument((defaults) => (defaults.maxOrderQuantity = '100')) });
    expect(engine.check(order({ quantity: '100' }), snapshot).verdict).toBe('allow');
    expect(engine.check(order({ quantity: '101' }), snapshot)).toMatchObject({ verdict: 'deny', message: 'QUANTITY_EXCEEDS_MAXIMUM: quantity=101, max=100' });
  });
});

describe('C2 max order notional', () => {
  it('limit 10k: 100 @ 101 is denied, 100 @ 100 passes', () => {
    const snapshot = snapshotWith({ limits: withInstrument((defaults) => (defaults.maxOrderNotional = '10000')) });
    expect(engine.check(order({ quantity: '100', limitPrice: '100' }), snapshot).verdict).toBe('allow');
    expect(engine.check(order({ quantity: '100', limitPrice: '101' }), snapshot)).toMatchObject({ message: 'NOTIONAL_EXCEEDS_MAXIMUM: notional=10100, max=10000' });
  });

  it('values a market order at the reference mid', () => {
    const snapshot = snapshotWith({ limits: withInstrument((defaults) => (defaults.maxOrderNotional = '10000')) });
    expect(engine.check(order({ type: 'market', limitPrice: null, quantity: '100' }), snapshot).verdict).toBe('allow');
    expect(engine.check(order({ type: 'market', limitPrice: null, quantity: '101' }), snapshot)).toMatchObject({ message: 'NOTIONAL_EXCEEDS_MAXIMUM: notional=10100, max=10000' });
  });
});

describe('C3 price collar', () => {
  it('reference 100, 5 %: 105.01 is denied, 104.99 allowed, and the same below', () => {
    const snapshot = snapshotWith();
    expect(engine.check(order({ limitPrice: '104.99' }), snapshot).verdict).toBe('allow');
    expect(engine.check(order({ limitPrice: '105.01' }), snapshot)).toMatchObject({ message: 'PRICE_OUTSIDE_COLLAR: price=105.01, reference=100, low=95, high=105' });
    expect(codes(engine.check(order({ limitPrice: '94.99' }), snapshot))).toEqual(['PRICE_OUTSIDE_COLLAR']);
  });

  it('uses the wider of percent and ticks, so a cheap stock keeps a usable collar', () => {
    const limits = withInstrument((defaults) => (defaults.collar = { percent: '1', ticks: 5, maxReferenceAgeMs: 5_000 }));
    const snapshot = snapshotWith({ limits, referencePrices: { TSLA: { mid: '1.00', at: T0 } }, instruments: { TSLA: { tickSize: '0.01', shortable: true } } });
    expect(engine.check(order({ symbol: 'TSLA', limitPrice: '1.05' }), snapshot).verdict).toBe('allow');
    expect(codes(engine.check(order({ symbol: 'TSLA', limitPrice: '1.06' }), snapshot))).toEqual(['PRICE_OUTSIDE_COLLAR']);
  });
});

describe('C4 duplicate intent', () => {
  it('denies the same order content within the window and allows it after', () => {
    const snapshot = snapshotWith();
    const first = order({ clientOrderId: 'first' });
    expect(checkAndRecord(first, snapshot).verdict).toBe('allow');
    const again = { ...first, clientOrderId: 'second', at: at(999) };
    expect(checkAndRecord(again, snapshot)).toMatchObject({ verdict: 'deny', message: 'DUPLICATE_INTENT: clientOrderId=second, duplicateOf=first, windowMs=1000' });
    expect(checkAndRecord({ ...again, clientOrderId: 'third', at: at(1_000) }, snapshot).verdict).toBe('allow');
  });

  it('denies a replayed client order id, so a crash and replay sends one order', () => {
    const snapshot = snapshotWith();
    const request = order({ clientOrderId: 'replayed' });
    expect(checkAndRecord(request, snapshot).verdict).toBe('allow');
    expect(codes(checkAndRecord({ ...request, quantity: '7', at: at(10) }, snapshot))).toEqual(['DUPLICATE_INTENT']);
    const working = snapshotWith({ workingOrders: [{ clientOrderId: 'replayed', intentId: 'i', strategy: 'momentum', symbol: 'AAPL', side: 'buy', type: 'limit', remainingQuantity: '100', limitPrice: '100' }] });
    expect(codes(engine.check(order({ clientOrderId: 'replayed', at: at(4_000) }), working))).toContain('DUPLICATE_INTENT');
  });
});

describe('C5 message throttles', () => {
  const throttled = () =>
    snapshotWith({
      limits: limitsDocument((document) => {
        accountOf(document).throttles.submits = { perSecond: 100, perMinute: 1_000 };
        accountOf(document).throttles.replaces = { perSecond: 2, perMinute: 1_000 };
      }),
      activity: new RiskActivityLog(),
    });

  it('limit 100/s: the 101st submit in one second is denied with RATE_LIMIT_EXCEEDED and an alert; 500 cancels pass', () => {
    const snapshot = throttled();
    const decisions = Array.from({ length: 101 }, (_, index) => checkAndRecord(order({ quantity: String(index + 1), at: at(index * 9) }), snapshot));
    expect(decisions.slice(0, 100).every((decision) => decision.verdict === 'allow')).toBe(true);
    const last = decisions[100]!;
    expect(last).toMatchObject({ verdict: 'deny', message: 'RATE_LIMIT_EXCEEDED: action=submit, window=1s, count=100, limit=100' });
    expect(last.alerts).toHaveLength(1);
    expect(last.alerts[0]).toMatchObject({ code: 'RATE_LIMIT_EXCEEDED', source: 'risk', scope: `account:${ACCOUNT}` });
    const cancels = Array.from({ length: 500 }, (_, index) => engine.check({ action: 'cancel', accountId: ACCOUNT, clientOrderId: `order-${index}`, at: at(900 + index) }, snapshot));
    expect(cancels.filter((decision) => decision.verdict === 'allow')).toHaveLength(500);
    expect(checkAndRecord(order({ quantity: '999', at: at(1_000) }), snapshot).verdict).toBe('allow');
  });

  it('counts replaces separately from submits', () => {
    const snapshot = snapshotWith({
      limits: limitsDocument((document) => (accountOf(document).throttles.replaces = { perSecond: 2, perMinute: 1_000 })),
      workingOrders: [{ clientOrderId: 'resting', intentId: 'i', strategy: 'momentum', symbol: 'AAPL', side: 'buy', type: 'limit', remainingQuantity: '100', limitPrice: '99' }],
    });
    const replace = (index: number) => order({ action: 'replace', replacesClientOrderId: 'resting', intentId: 'i', clientOrderId: `replace-${index}`, limitPrice: `99.${index}`, at: at(index) });
    expect(checkAndRecord(replace(1), snapshot).verdict).toBe('allow');
    expect(checkAndRecord(replace(2), snapshot).verdict).toBe('allow');
    expect(checkAndRecord(replace(3), snapshot)).toMatchObject({ message: 'RATE_LIMIT_EXCEEDED: action=replace, window=1s, count=2, limit=2' });
    expect(checkAndRecord(order({ at: at(4) }), snapshot).verdict).toBe('allow');
  });

  it('applies the per-minute limit across seconds', () => {
    const snapshot = snapshotWith({
      limits: limitsDocument((document) => {
        accountOf(document).throttles.submits = { perSecond: 100, perMinute: 3 };
        document.instrumentDefaults!.collar.maxReferenceAgeMs = 3_600_000;
      }),
    });
    for (let index = 0; index < 3; index += 1) expect(checkAndRecord(order({ quantity: String(index + 1), at: at(index * 10_000) }), snapshot).verdict).toBe('allow');
    expect(checkAndRecord(order({ at: at(30_000) }), snapshot)).toMatchObject({ message: 'RATE_LIMIT_EXCEEDED: action=submit, window=1m, count=3, limit=3' });
    expect(checkAndRecord(order({ at: at(60_001) }), snapshot).verdict).toBe('allow');
  });
});

describe('max open orders', () => {
  it('denies a submit past the maximum of working orders; a replace is not a new order', () => {
    const working = Array.from({ length: 3 }, (_, index) => ({
      clientOrderId: `w${index}`,
      intentId: `i${index}`,
      strategy: 'momentum',
      symbol: 'MSFT',
      side: 'buy' as const,
      type: 'limit' as const,
      remainingQuantity: '1',
      limitPrice: '190',
    }));
    const snapshot = snapshotWith({ workingOrders: working, limits: limitsDocument((document) => (accountOf(document).throttles.maxOpenOrders = 3)) });
    expect(engine.check(order(), snapshot)).toMatchObject({ message: 'OPEN_ORDERS_EXCEED_MAXIMUM: open=3, max=3' });
    expect(engine.check(order({ action: 'replace', replacesClientOrderId: 'w0', symbol: 'MSFT', quantity: '1', limitPrice: '191' }), snapshot).verdict).toBe('allow');
  });
});

describe('restricted symbols', () => {
  it('denies any order in a restricted symbol', () => {
    const snapshot = snapshotWith({ limits: limitsDocument((document) => (accountOf(document).restrictedSymbols = ['AAPL'])) });
    expect(engine.check(order(), snapshot)).toMatchObject({ message: 'SYMBOL_RESTRICTED: symbol=AAPL' });
    expect(engine.check(order({ symbol: 'MSFT', limitPrice: '200' }), snapshot).verdict).toBe('allow');
  });
});

describe('short sale permission', () => {
  it('denies a short sale of a symbol that is not shortable', () => {
    expect(engine.check(order({ symbol: 'TSLA', side: 'sell_short', limitPrice: '10' }), snapshotWith())).toMatchObject({ message: 'SHORT_SALE_NOT_PERMITTED: symbol=TSLA, reason=not_shortable' });
  });

  it('treats a sell below zero as a short sale and denies it without permission', () => {
    const snapshot = snapshotWith({ positions: [{ symbol: 'AAPL', quantity: '50' }], limits: limitsDocument((document) => (accountOf(document).shortSale = { permitted: false })) });
    expect(engine.check(order({ side: 'sell', quantity: '50' }), snapshot).verdict).toBe('allow');
    expect(engine.check(order({ side: 'sell', quantity: '51' }), snapshot)).toMatchObject({ message: 'SHORT_SALE_NOT_PERMITTED: symbol=AAPL, reason=no_permission' });
  });
});

describe('buying power including working orders', () => {
  it('counts working opening orders against buying power', () => {
    const snapshot = snapshotWith({
      buyingPower: '20000',
      workingOrders: [{ clientOrderId: 'w', intentId: 'i', strategy: 'momentum', symbol: 'MSFT', side: 'buy', type: 'limit', remainingQuantity: '50', limitPrice: '200' }],
    });
    expect(engine.check(order({ quantity: '100' }), snapshot).verdict).toBe('allow');
    expect(engine.check(order({ quantity: '101' }), snapshot)).toMatchObject({ message: 'INSUFFICIENT_BUYING_POWER: required=20100, available=20000' });
  });

  it('lets a sell that closes a long through with no buying power left', () => {
    const snapshot = snapshotWith({ buyingPower: '0', positions: [{ symbol: 'AAPL', quantity: '100' }] });
    expect(engine.check(order({ side: 'sell', quantity: '100' }), snapshot).verdict).toBe('allow');
    expect(codes(engine.check(order({ side: 'buy', quantity: '1' }), snapshot))).toEqual(['INSUFFICIENT_BUYING_POWER']);
  });
});

describe('C16 self-match prevention', () => {
  it('denies a sell at 10.00 against our own bid at 10.00, and allows it above', () => {
    const snapshot = snapshotWith({
      referencePrices: { TSLA: { mid: '10', at: T0 } },
      instruments: { TSLA: { tickSize: '0.01', shortable: true } },
      positions: [{ symbol: 'TSLA', quantity: '500' }],
      workingOrders: [{ clientOrderId: 'own-bid', intentId: 'i', strategy: 'other', symbol: 'TSLA', side: 'buy', type: 'limit', remainingQuantity: '100', limitPrice: '10.00' }],
    });
    expect(engine.check(order({ symbol: 'TSLA', side: 'sell', limitPrice: '10.00' }), snapshot)).toMatchObject({
      message: 'SELF_MATCH: symbol=TSLA, side=sell, price=10, restingOrder=own-bid, restingPrice=10',
    });
    expect(engine.check(order({ symbol: 'TSLA', side: 'sell', limitPrice: '10.01' }), snapshot).verdict).toBe('allow');
    expect(codes(engine.check(order({ symbol: 'TSLA', side: 'sell', type: 'market', limitPrice: null }), snapshot))).toEqual(['SELF_MATCH']);
  });
});

describe('slicing does not get around the order maximum', () => {
  const limits = limitsDocument((document) => {
    document.instrumentDefaults!.maxOrderQuantity = '1000';
    document.instrumentDefaults!.collar.maxReferenceAgeMs = 3_600_000;
    accountOf(document).throttles.cumulativeWindowMs = 60_000;
  });

  it('adds the children of one intent together: filled plus working plus this order', () => {
    const snapshot = snapshotWith({
      limits,
      intentFills: { parent: '600' },
      workingOrders: [{ clientOrderId: 'child-2', intentId: 'parent', strategy: 'momentum', symbol: 'AAPL', side: 'buy', type: 'limit', remainingQuantity: '300', limitPrice: '99' }],
    });
    expect(engine.check(order({ intentId: 'parent', quantity: '100', strategy: 'other' }), snapshot).verdict).toBe('allow');
    expect(engine.check(order({ intentId: 'parent', quantity: '101', strategy: 'other' }), snapshot)).toMatchObject({
      message: 'INTENT_QUANTITY_EXCEEDS_MAXIMUM: intent=parent, cumulative=1001, max=1000',
    });
  });

  it('adds orders on one side of a symbol within the window, whatever intent they claim', () => {
    const snapshot = snapshotWith({ limits });
    expect(engine.check(order({ quantity: '1200', strategy: null }), snapshot)).toMatchObject({ message: 'QUANTITY_EXCEEDS_MAXIMUM: quantity=1200, max=1000' });
    expect(checkAndRecord(order({ quantity: '600', strategy: null, at: at(1) }), snapshot).verdict).toBe('allow');
    expect(checkAndRecord(order({ quantity: '601', strategy: null, at: at(2) }), snapshot)).toMatchObject({
      message: 'CUMULATIVE_QUANTITY_EXCEEDS_MAXIMUM: symbol=AAPL, side=buy, cumulative=1201, max=1000, windowMs=60000',
    });
    expect(checkAndRecord(order({ quantity: '600', strategy: null, at: at(60_001) }), snapshot).verdict).toBe('allow');
  });
});

describe('C15 order-flow conservation', () => {
  it('denies a child that would take the children past the parent intent', () => {
    const snapshot = snapshotWith({ intentFills: { parent: '400' }, limits: withInstrument((defaults) => (defaults.maxOrderQuantity = '100000')) });
    expect(engine.check(order({ intentId: 'parent', intentQuantity: '1000', quantity: '600' }), snapshot).verdict).toBe('allow');
    expect(engine.check(order({ intentId: 'parent', intentQuantity: '1000', quantity: '601' }), snapshot)).toMatchObject({
      message: 'CHILD_QUANTITY_EXCEEDS_PARENT: intent=parent, parentQuantity=1000, cumulative=1001',
    });
  });

  it('re-sends only the remainder after a partial fill and an exchange cancel', () => {
    const snapshot = snapshotWith({ intentFills: { parent: '400' } });
    expect(codes(engine.check(order({ intentId: 'parent', intentQuantity: '1000', quantity: '1000' }), snapshot))).toContain('CHILD_QUANTITY_EXCEEDS_PARENT');
  });
});

describe('C15 order-flow conservation (property)', () => {
  it('never lets the allowed children of an intent add up to more than the parent, whatever is asked', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5_000 }), fc.array(fc.integer({ min: 1, max: 2_000 }), { minLength: 1, maxLength: 30 }), (parent, children) => {
        const working: WorkingOrderInput[] = [];
        let allowed = ZERO;
        for (const [index, quantity] of children.entries()) {
          const snapshot = snapshotWith({ workingOrders: working, limits: withInstrument((defaults) => (defaults.maxOrderQuantity = '100000')) });
          const decision = engine.check(order({ intentId: 'parent', intentQuantity: String(parent), clientOrderId: `child-${index}`, quantity: String(quantity), limitPrice: '100' }), snapshot);
          if (decision.verdict === 'allow') {
            allowed = allowed.plus(quantity);
            working.push({ clientOrderId: `child-${index}`, intentId: 'parent', strategy: 'momentum', symbol: 'AAPL', side: 'buy', type: 'limit', remainingQuantity: String(quantity), limitPrice: '100' });
          }
        }
        expect(allowed.lessThanOrEqualTo(parent)).toBe(true);
      }),
      { numRuns: 50 },
    );
  });
});
