import fc from 'fast-check';
import { accountOf, limitsDocument, order, snapshotWith } from '../risk.fixtures';
import { PreTradeRiskEngine, type RiskDecision } from './engine';

const engine = new PreTradeRiskEngine();
const EXPOSURE_CODES = [
  'POSITION_EXCEEDS_MAXIMUM',
  'SYMBOL_EXPOSURE_EXCEEDS_MAXIMUM',
  'SECTOR_EXPOSURE_EXCEEDS_MAXIMUM',
  'SECTOR_UNKNOWN',
  'GROSS_EXPOSURE_EXCEEDS_MAXIMUM',
  'NET_EXPOSURE_EXCEEDS_MAXIMUM',
  'POSITION_COUNT_EXCEEDS_MAXIMUM',
  'POSITION_SHARE_OF_EQUITY_EXCEEDS_MAXIMUM',
];

function codes(decision: RiskDecision): string[] {
  return decision.verdict === 'deny' ? decision.reasons.map((reason) => reason.code) : [];
}

const working = (clientOrderId: string, strategy: string, symbol: string, side: 'buy' | 'sell', quantity: string, limitPrice: string) => ({
  clientOrderId,
  intentId: clientOrderId,
  strategy,
  symbol,
  side,
  type: 'limit' as const,
  remainingQuantity: quantity,
  limitPrice,
});

describe('C7 aggregate exposure including working orders', () => {
  it('cap 50k, 40k filled + 8k working across strategies: a 3k order is denied, 2k passes', () => {
    const snapshot = snapshotWith({
      limits: limitsDocument((document) => (accountOf(document).exposure.maxGrossNotional = '50000')),
      positions: [{ symbol: 'AAPL', quantity: '400' }],
      workingOrders: [working('w1', 'mean-reversion', 'MSFT', 'buy', '40', '200')],
    });
    expect(engine.check(order({ symbol: 'XOM', quantity: '40', limitPrice: '50', strategy: 'momentum' }), snapshot).verdict).toBe('allow');
    expect(engine.check(order({ symbol: 'XOM', quantity: '60', limitPrice: '50', strategy: 'momentum' }), snapshot)).toMatchObject({
      verdict: 'deny',
      message: 'GROSS_EXPOSURE_EXCEEDS_MAXIMUM: projected=51000, max=50000',
    });
  });

  it('values the worse side of each symbol: a working sell beyond the position counts as a short', () => {
    const snapshot = snapshotWith({
      limits: limitsDocument((document) => (accountOf(document).exposure.maxGrossNotional = '30000')),
      positions: [{ symbol: 'AAPL', quantity: '100' }],
      workingOrders: [working('w1', 'a', 'AAPL', 'sell', '350', '100')],
    });
    // Worst case AAPL is short 250 (25k); 60 XOM adds 3k → 28k, 110 XOM adds 5.5k → 30.5k.
    expect(engine.check(order({ symbol: 'XOM', quantity: '60', limitPrice: '50' }), snapshot).verdict).toBe('allow');
    expect(codes(engine.check(order({ symbol: 'XOM', quantity: '110', limitPrice: '50' }), snapshot))).toEqual(['GROSS_EXPOSURE_EXCEEDS_MAXIMUM']);
  });
});

describe('C8 position limit, reducing allowed', () => {
  const snapshot = () =>
    snapshotWith({
      limits: limitsDocument((document) => (document.instrumentDefaults!.maxPositionQuantity = '100')),
      positions: [{ symbol: 'AAPL', quantity: '100' }],
    });

  it('at the limit: a buy is denied and a sell-to-close passes', () => {
    expect(engine.check(order({ side: 'buy', quantity: '1' }), snapshot())).toMatchObject({ message: 'POSITION_EXCEEDS_MAXIMUM: symbol=AAPL, projected=101, max=100' });
    expect(engine.check(order({ side: 'sell', quantity: '100' }), snapshot()).verdict).toBe('allow');
  });

  it('counts working buys toward the projected position', () => {
    const withWorking = snapshotWith({
      limits: limitsDocument((document) => (document.instrumentDefaults!.maxPositionQuantity = '100')),
      positions: [{ symbol: 'AAPL', quantity: '50' }],
      workingOrders: [working('w', 'other', 'AAPL', 'buy', '40', '99')],
    });
    expect(engine.check(order({ quantity: '10' }), withWorking).verdict).toBe('allow');
    expect(codes(engine.check(order({ quantity: '11' }), withWorking))).toEqual(['POSITION_EXCEEDS_MAXIMUM']);
  });
});

describe('exposure limits per symbol, sector, net, count and share of equity', () => {
  it('denies symbol notional over the maximum', () => {
    const snapshot = snapshotWith({ limits: limitsDocument((document) => (document.instrumentDefaults!.maxSymbolNotional = '10000')), positions: [{ symbol: 'AAPL', quantity: '90' }] });
    expect(engine.check(order({ quantity: '10' }), snapshot).verdict).toBe('allow');
    expect(engine.check(order({ quantity: '11' }), snapshot)).toMatchObject({ message: 'SYMBOL_EXPOSURE_EXCEEDS_MAXIMUM: symbol=AAPL, projected=10100, max=10000' });
  });

  it('adds the symbols of a sector together, and denies a symbol with no sector when sector limits exist', () => {
    const snapshot = snapshotWith({
      limits: limitsDocument((document) => (accountOf(document).exposure.sectors = { technology: '30000' })),
      positions: [{ symbol: 'AAPL', quantity: '200' }],
      workingOrders: [working('w', 'other', 'MSFT', 'buy', '40', '200')],
    });
    expect(engine.check(order({ symbol: 'MSFT', quantity: '10', limitPrice: '200' }), snapshot).verdict).toBe('allow');
    expect(engine.check(order({ symbol: 'MSFT', quantity: '11', limitPrice: '200' }), snapshot)).toMatchObject({
      message: 'SECTOR_EXPOSURE_EXCEEDS_MAXIMUM: sector=technology, projected=30200, max=30000',
    });
    expect(engine.check(order({ symbol: 'XOM', quantity: '1000', limitPrice: '50' }), snapshot).verdict).toBe('allow');
    expect(codes(engine.check(order({ symbol: 'TSLA', quantity: '1', limitPrice: '10' }), snapshot))).toEqual(['SECTOR_UNKNOWN']);
  });

  it('denies net notional over the maximum in either direction, and allows the hedge', () => {
    const snapshot = snapshotWith({ limits: limitsDocument((document) => (accountOf(document).exposure.maxNetNotional = '10000')), positions: [{ symbol: 'AAPL', quantity: '100' }] });
    expect(engine.check(order({ symbol: 'XOM', quantity: '1', limitPrice: '50' }), snapshot)).toMatchObject({ message: 'NET_EXPOSURE_EXCEEDS_MAXIMUM: projected=10050, max=10000' });
    expect(engine.check(order({ symbol: 'XOM', side: 'sell_short', quantity: '100', limitPrice: '50' }), snapshot).verdict).toBe('allow');
    expect(codes(engine.check(order({ symbol: 'XOM', side: 'sell_short', quantity: '401', limitPrice: '50' }), snapshot))).toEqual(['NET_EXPOSURE_EXCEEDS_MAXIMUM']);
  });

  it('denies a new position past the maximum number of positions, but adds to an existing one', () => {
    const snapshot = snapshotWith({
      limits: limitsDocument((document) => (accountOf(document).exposure.maxPositions = 2)),
      positions: [{ symbol: 'AAPL', quantity: '10' }],
      workingOrders: [working('w', 'other', 'MSFT', 'buy', '5', '200')],
    });
    expect(engine.check(order({ symbol: 'XOM', limitPrice: '50' }), snapshot)).toMatchObject({ message: 'POSITION_COUNT_EXCEEDS_MAXIMUM: projected=3, max=2' });
    expect(engine.check(order({ symbol: 'AAPL' }), snapshot).verdict).toBe('allow');
  });

  it('denies a position above the maximum share of equity', () => {
    const snapshot = snapshotWith({
      equity: '100000',
      limits: limitsDocument((document) => (accountOf(document).exposure.maxPositionShareOfEquity = '0.1')),
      positions: [{ symbol: 'AAPL', quantity: '90' }],
    });
    expect(engine.check(order({ quantity: '10' }), snapshot).verdict).toBe('allow');
    expect(engine.check(order({ quantity: '11' }), snapshot)).toMatchObject({ message: 'POSITION_SHARE_OF_EQUITY_EXCEEDS_MAXIMUM: symbol=AAPL, share=0.101, max=0.1' });
  });
});

describe('reducing orders at the limit', () => {
  it('never denies an order that reduces a position by any exposure limit (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5_000 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 5_000 }),
        fc.array(fc.record({ symbol: fc.constantFrom('MSFT', 'XOM', 'CVX'), quantity: fc.integer({ min: -2_000, max: 2_000 }) }), { maxLength: 3 }),
        (size, long, closeRaw, others) => {
          const close = Math.min(closeRaw, size);
          const snapshot = snapshotWith({
            equity: '1000',
            limits: limitsDocument((document) => {
              document.instrumentDefaults!.maxPositionQuantity = '1';
              document.instrumentDefaults!.maxSymbolNotional = '1';
              accountOf(document).exposure = {
                maxGrossNotional: '1',
                maxNetNotional: '1',
                maxPositions: 1,
                maxPositionShareOfEquity: '0.001',
                sectors: { technology: '1', energy: '1' },
              };
            }),
            positions: [{ symbol: 'AAPL', quantity: String(long ? size : -size) }, ...others.map((other) => ({ symbol: other.symbol, quantity: String(other.quantity) }))],
          });
          const decision = engine.check(order({ side: long ? 'sell' : 'buy_to_cover', quantity: String(close), limitPrice: '100' }), snapshot);
          expect(codes(decision).filter((code) => EXPOSURE_CODES.includes(code))).toEqual([]);
        },
      ),
    );
  });
});
