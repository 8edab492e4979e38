import fc from 'fast-check';
import { ACCOUNT, at, limitsDocument, order, snapshotWith, T0 } from '../risk.fixtures';
import { PreTradeRiskEngine } from './engine';
import type { RiskSnapshot } from './snapshot';

const engine = new PreTradeRiskEngine();

function reasonsOf(decision: ReturnType<PreTradeRiskEngine['check']>): string[] {
  return decision.verdict === 'deny' ? decision.reasons.map((reason) => reason.code) : [];
}

describe('default deny and fail closed', () => {
  it('allows an ordinary order when every limit is configured and the reference is fresh', () => {
    expect(engine.check(order(), snapshotWith()).verdict).toBe('allow');
  });

  it('denies every order when no limits are configured', () => {
    const decision = engine.check(order(), snapshotWith({ limits: null }));
    expect(decision).toMatchObject({ verdict: 'deny', message: `NO_LIMITS_CONFIGURED: account=${ACCOUNT}, symbol=*` });
  });

  it('denies an account with no limits of its own', () => {
    const decision = engine.check(order(), snapshotWith({ accountId: ACCOUNT, limits: limitsDocument((document) => {
      document.accounts = { OTHER: document.accounts[ACCOUNT]! };
    }) }));
    expect(reasonsOf(decision)).toEqual(['NO_LIMITS_CONFIGURED']);
  });

  it('denies an instrument without limits when there are no instrument defaults', () => {
    const snapshot = snapshotWith({ limits: limitsDocument((document) => {
      document.symbols = { AAPL: document.instrumentDefaults! };
      delete document.instrumentDefaults;
    }) });
    expect(engine.check(order({ symbol: 'AAPL' }), snapshot).verdict).toBe('allow');
    const decision = engine.check(order({ symbol: 'MSFT', limitPrice: '200' }), snapshot);
    expect(decision).toMatchObject({ verdict: 'deny', message: `NO_LIMITS_CONFIGURED: account=${ACCOUNT}, symbol=MSFT` });
  });

  it('denies a trading mode the account has no permissions for', () => {
    const decision = engine.check(order(), snapshotWith({ mode: 'LIVE' }));
    expect(decision).toMatchObject({ verdict: 'deny', message: 'NOT_PERMITTED_IN_MODE: mode=LIVE, kind=mode, value=LIVE' });
  });

  it('fails closed when the reference price is missing, even for a limit order', () => {
    const decision = engine.check(order({ symbol: 'NVDA' }), snapshotWith());
    expect(decision).toMatchObject({ verdict: 'deny', message: 'REFERENCE_PRICE_MISSING: symbol=NVDA' });
  });

  it('fails closed with STALE_MARKET_DATA when the reference is older than the maximum age, and alerts', () => {
    expect(engine.check(order({ at: at(5_000) }), snapshotWith()).verdict).toBe('allow');
    const decision = engine.check(order({ at: at(5_001) }), snapshotWith());
    expect(decision).toMatchObject({ verdict: 'deny', message: 'STALE_MARKET_DATA: symbol=AAPL, ageMs=5001, maxAgeMs=5000' });
    expect(decision.alerts.map((alert) => alert.code)).toEqual(['STALE_MARKET_DATA']);
  });

  it('fails closed on a crossed reference quote, and alerts', () => {
    const snapshot = snapshotWith({ referencePrices: { AAPL: { mid: '100', bid: '100.02', ask: '99.98', at: T0 } } });
    const decision = engine.check(order(), snapshot);
    expect(decision).toMatchObject({ verdict: 'deny', message: 'MARKET_DATA_CROSSED: symbol=AAPL, bid=100.02, ask=99.98' });
    expect(decision.alerts.map((alert) => alert.code)).toEqual(['MARKET_DATA_CROSSED']);
  });

  it('fails closed when buying power or equity is unknown (unknown is not zero)', () => {
    expect(reasonsOf(engine.check(order(), snapshotWith({ buyingPower: null })))).toContain('ACCOUNT_STATE_UNKNOWN');
    expect(engine.check(order(), snapshotWith({ equity: null }))).toMatchObject({ verdict: 'deny', message: `ACCOUNT_STATE_UNKNOWN: account=${ACCOUNT}, field=equity` });
  });

  it('fails closed when a held symbol cannot be valued', () => {
    const snapshot = snapshotWith({ positions: [{ symbol: 'NVDA', quantity: '10' }] });
    expect(engine.check(order(), snapshot)).toMatchObject({ verdict: 'deny', message: 'REFERENCE_PRICE_MISSING: symbol=NVDA' });
  });

  it('denies a malformed order, naming the field', () => {
    expect(engine.check(order({ quantity: '0' }), snapshotWith())).toMatchObject({ message: 'ORDER_INVALID: field=quantity, problem=must be a positive decimal' });
    expect(engine.check(order({ limitPrice: null }), snapshotWith())).toMatchObject({ message: 'ORDER_INVALID: field=limitPrice, problem=a limit order needs a positive limit price' });
    expect(engine.check(order({ quantity: '1e3' }), snapshotWith()).verdict).toBe('deny');
  });

  it('denies, with a critical alert, when the check itself throws', () => {
    const snapshot = snapshotWith();
    Object.defineProperty(snapshot, 'books', { get: () => { throw new Error('projection unavailable'); } });
    const decision = engine.check(order(), snapshot);
    expect(decision).toMatchObject({ verdict: 'deny', message: 'RISK_CHECK_FAILED: error=projection unavailable' });
    expect(decision.alerts[0]).toMatchObject({ severity: 'critical', code: 'RISK_CHECK_FAILED' });
  });
});

describe('cancels are never blocked', () => {
  it('allows a cancel with no limits, a kill switch on everything, HALTED, a venue halt and a broken snapshot', () => {
    const hostile = snapshotWith({
      limits: null,
      killSwitches: ['all'],
      tradingStates: { [`account:${ACCOUNT}`]: { status: 'HALTED', cause: 'operator' } },
      venueHalts: { market: true, symbols: ['AAPL'] },
    });
    Object.defineProperty(hostile, 'accountLimits', { get: () => { throw new Error('broken'); } });
    const decision = engine.check({ action: 'cancel', accountId: ACCOUNT, clientOrderId: 'order-x', at: T0 }, hostile);
    expect(decision.verdict).toBe('allow');
  });

  it('allows every cancel whatever the state (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          limits: fc.boolean(),
          killAll: fc.boolean(),
          status: fc.constantFrom('ACTIVE', 'REDUCING', 'HALTED'),
          marketHalted: fc.boolean(),
          equity: fc.option(fc.integer({ min: -1_000_000, max: 1_000_000 }).map(String)),
          offsetMs: fc.integer({ min: 0, max: 10_000_000 }),
        }),
        (generated) => {
          const snapshot: RiskSnapshot = snapshotWith({
            limits: generated.limits ? limitsDocument() : null,
            killSwitches: generated.killAll ? ['all'] : [],
            tradingStates: { [`account:${ACCOUNT}`]: { status: generated.status as 'ACTIVE', cause: 'test' } },
            venueHalts: { market: generated.marketHalted, symbols: [] },
            equity: generated.equity,
          });
          const decision = engine.check({ action: 'cancel', accountId: ACCOUNT, clientOrderId: 'any', at: at(generated.offsetMs) }, snapshot);
          expect(decision.verdict).toBe('allow');
        },
      ),
    );
  });
});
