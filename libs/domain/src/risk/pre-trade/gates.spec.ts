import { ACCOUNT, accountOf, limitsDocument, order, snapshotWith } from '../risk.fixtures';
import { PreTradeRiskEngine, type RiskDecision } from './engine';

const engine = new PreTradeRiskEngine();

function codes(decision: RiskDecision): string[] {
  return decision.verdict === 'deny' ? decision.reasons.map((reason) => reason.code) : [];
}

describe('trading state', () => {
  it('denies every new order when the account is HALTED', () => {
    const snapshot = snapshotWith({ positions: [{ symbol: 'AAPL', quantity: '100' }], tradingStates: { [`account:${ACCOUNT}`]: { status: 'HALTED', cause: 'breaker:daily_loss' } } });
    expect(engine.check(order(), snapshot)).toMatchObject({ verdict: 'deny', message: `TRADING_HALTED: scope=account:${ACCOUNT}, cause=breaker:daily_loss` });
    expect(codes(engine.check(order({ side: 'sell', quantity: '100' }), snapshot))).toEqual(['TRADING_HALTED']);
  });

  it('lets only risk-reducing orders through when REDUCING', () => {
    const snapshot = snapshotWith({ positions: [{ symbol: 'AAPL', quantity: '100' }], tradingStates: { 'strategy:momentum': { status: 'REDUCING', cause: 'operator' } } });
    expect(engine.check(order({ side: 'sell', quantity: '100' }), snapshot).verdict).toBe('allow');
    expect(engine.check(order({ side: 'sell', quantity: '101' }), snapshot)).toMatchObject({ message: 'TRADING_REDUCING_ONLY: scope=strategy:momentum, cause=operator' });
    expect(codes(engine.check(order({ side: 'buy' }), snapshot))).toEqual(['TRADING_REDUCING_ONLY']);
    expect(engine.check(order({ strategy: 'other' }), snapshot).verdict).toBe('allow');
  });

  it('does not count a sell as reducing when working sells already close the position', () => {
    const snapshot = snapshotWith({
      positions: [{ symbol: 'AAPL', quantity: '100' }],
      workingOrders: [{ clientOrderId: 'exit', intentId: 'exit', strategy: 'momentum', symbol: 'AAPL', side: 'sell', type: 'limit', remainingQuantity: '80', limitPrice: '101' }],
      tradingStates: { [`account:${ACCOUNT}`]: { status: 'REDUCING', cause: 'operator' } },
    });
    expect(engine.check(order({ side: 'sell', quantity: '20', limitPrice: '101' }), snapshot).verdict).toBe('allow');
    expect(codes(engine.check(order({ side: 'sell', quantity: '21', limitPrice: '101' }), snapshot))).toEqual(['TRADING_REDUCING_ONLY']);
  });
});

describe('kill switch', () => {
  it('blocks new orders in the engaged scope and leaves other scopes untouched', () => {
    const snapshot = snapshotWith({ killSwitches: ['strategy:momentum'] });
    expect(engine.check(order({ strategy: 'momentum' }), snapshot)).toMatchObject({ message: 'KILL_SWITCH_ENGAGED: scope=strategy:momentum' });
    expect(engine.check(order({ strategy: 'mean-reversion' }), snapshot).verdict).toBe('allow');
    expect(codes(engine.check(order({ strategy: null }), snapshotWith({ killSwitches: ['symbol:AAPL'] })))).toEqual(['KILL_SWITCH_ENGAGED']);
    expect(codes(engine.check(order(), snapshotWith({ killSwitches: ['all'] })))).toEqual(['KILL_SWITCH_ENGAGED']);
    expect(engine.check(order(), snapshotWith({ killSwitches: ['account:OTHER'] })).verdict).toBe('allow');
  });

  it('lets an EmergencyExit that reduces through the kill switch and HALTED, still collared', () => {
    const snapshot = snapshotWith({
      killSwitches: ['all'],
      positions: [{ symbol: 'AAPL', quantity: '5000' }],
      tradingStates: { [`account:${ACCOUNT}`]: { status: 'HALTED', cause: 'operator' } },
    });
    const exit = order({ origin: 'emergency_exit', side: 'sell', quantity: '5000', limitPrice: '95' });
    expect(engine.check(exit, snapshot).verdict).toBe('allow');
    expect(codes(engine.check({ ...exit, limitPrice: '94.99' }, snapshot))).toEqual(['PRICE_OUTSIDE_COLLAR']);
    expect(codes(engine.check({ ...exit, quantity: '5001' }, snapshot))).toEqual(['KILL_SWITCH_ENGAGED', 'TRADING_HALTED', 'QUANTITY_EXCEEDS_MAXIMUM']);
  });
});

describe('C6 disabled strategy', () => {
  it('denies a disabled strategy new positions but lets it reduce', () => {
    const snapshot = snapshotWith({ positions: [{ symbol: 'AAPL', quantity: '10' }], disabledStrategies: { momentum: { cause: 'repeated_execution' } } });
    expect(engine.check(order(), snapshot)).toMatchObject({ message: 'STRATEGY_DISABLED: strategy=momentum, cause=repeated_execution' });
    expect(engine.check(order({ side: 'sell', quantity: '10' }), snapshot).verdict).toBe('allow');
  });
});

describe('C17 venue halt awareness', () => {
  it('sends nothing to a halted symbol or a halted market, reducing or not', () => {
    const snapshot = snapshotWith({ positions: [{ symbol: 'AAPL', quantity: '10' }], venueHalts: { market: false, symbols: ['AAPL'] } });
    expect(engine.check(order({ side: 'sell', quantity: '10' }), snapshot)).toMatchObject({ message: 'VENUE_HALTED: scope=symbol:AAPL' });
    expect(engine.check(order({ symbol: 'MSFT', limitPrice: '200' }), snapshot).verdict).toBe('allow');
    expect(engine.check(order({ symbol: 'MSFT', limitPrice: '200' }), snapshotWith({ venueHalts: { market: true, symbols: [] } }))).toMatchObject({ message: 'VENUE_HALTED: scope=market' });
  });
});

describe('C10 permissions per mode and stage', () => {
  const envelope = limitsDocument((document) => {
    accountOf(document).modes = { SIMULATED: { strategies: ['momentum'], symbols: ['AAPL', 'MSFT', 'XOM', 'CVX'], maxSymbols: 3, manualOrders: false } };
  });

  it('denies the 4th symbol in a 3-symbol envelope', () => {
    const snapshot = snapshotWith({ limits: envelope, positions: [{ symbol: 'AAPL', quantity: '1' }, { symbol: 'MSFT', quantity: '1' }, { symbol: 'XOM', quantity: '1' }] });
    expect(engine.check(order({ symbol: 'AAPL' }), snapshot).verdict).toBe('allow');
    expect(engine.check(order({ symbol: 'CVX', limitPrice: '150' }), snapshot)).toMatchObject({ message: 'SYMBOL_COUNT_EXCEEDS_ENVELOPE: mode=SIMULATED, symbols=4, max=3' });
  });

  it('denies a strategy, a symbol or a manual order outside the mode, but lets a position be closed', () => {
    const snapshot = snapshotWith({ limits: envelope, positions: [{ symbol: 'TSLA', quantity: '5' }] });
    expect(engine.check(order({ strategy: 'other' }), snapshot)).toMatchObject({ message: 'NOT_PERMITTED_IN_MODE: mode=SIMULATED, kind=strategy, value=other' });
    expect(engine.check(order({ strategy: null }), snapshot)).toMatchObject({ message: 'NOT_PERMITTED_IN_MODE: mode=SIMULATED, kind=manual, value=manual' });
    expect(codes(engine.check(order({ symbol: 'TSLA', limitPrice: '10' }), snapshot))).toContain('NOT_PERMITTED_IN_MODE');
    expect(engine.check(order({ symbol: 'TSLA', side: 'sell', quantity: '5', limitPrice: '10' }), snapshot).verdict).toBe('allow');
  });
});

describe('auto-mode rails at pre-trade', () => {
  const on = {
    status: 'on' as const,
    accountId: ACCOUNT,
    mode: 'SIMULATED' as const,
    limits: { maxOrdersPerDay: 5, maxNotionalPerTrade: '5000', strategies: ['momentum'], symbols: ['AAPL'] },
    enabledBy: 'user:admin',
    enabledAt: '2026-03-02T14:00:00.000Z',
    approvals: { tradingDay: null, count: 0 },
  };

  it('applies the stricter auto-mode limits to auto-approved orders only', () => {
    const snapshot = snapshotWith({ autoMode: on });
    expect(engine.check(order({ autoApproved: true, quantity: '50' }), snapshot).verdict).toBe('allow');
    expect(engine.check(order({ autoApproved: true, quantity: '51' }), snapshot)).toMatchObject({ message: 'AUTO_MODE_NOTIONAL_EXCEEDS_MAXIMUM: notional=5100, max=5000' });
    expect(codes(engine.check(order({ autoApproved: true, quantity: '1', symbol: 'MSFT', limitPrice: '200' }), snapshot))).toEqual(['AUTO_MODE_SYMBOL_NOT_ALLOWED']);
    expect(engine.check(order({ autoApproved: false, quantity: '51' }), snapshot).verdict).toBe('allow');
    expect(engine.check(order({ autoApproved: true }), snapshotWith({ autoMode: null }))).toMatchObject({ message: 'AUTO_MODE_OFF: mode=SIMULATED' });
  });
});
