import fc from 'fast-check';
import { dec, ZERO } from '@tollgate/kernel';
import { emptyLedgerFold, foldLedgerEvent, replayLedger } from './ledger-fold';
import { ledgerSnapshot, ledgerTotals, positionQuantity, projectLedger, type LedgerState } from './ledger';
import type { AccountScope } from './account-facts';

type StoreEvent = { type: string; data: Record<string, unknown> };

const simulated: AccountScope = { accountId: 'default', venue: 'simulated' };
const broker: AccountScope = { accountId: 'default', venue: 'broker' };
const ADJUSTMENT = { adjustmentId: '00000000-0000-8000-8000-000000000001', breakId: '00000000-0000-8000-8000-000000000002', reason: 'adopted', adjustedAt: '2024-07-02T15:00:00.000Z' };

const fillArbitrary = fc.record({
  fillId: fc.constantFrom('f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7', 'f8', 'f9', 'f10', 'f11', 'f12'),
  symbol: fc.constantFrom('AAPL', 'MSFT', 'SPY'),
  side: fc.constantFrom('buy' as const, 'sell' as const),
  quantity: fc.integer({ min: 1, max: 500 }).map(String),
  price: fc.integer({ min: 100, max: 50_000 }).map((cents) => (cents / 100).toFixed(2)),
  fee: fc.integer({ min: 0, max: 300 }).map((cents) => (cents / 100).toFixed(2)),
  /** The same fill may reach the ledger as OrderFilled or as BrokerFillAdopted (broker sync). */
  adopted: fc.boolean(),
});

type GeneratedFill = { fillId: string; symbol: string; side: 'buy' | 'sell'; quantity: string; price: string; fee: string; adopted: boolean };

function storeEvent(fill: GeneratedFill, index: number): StoreEvent {
  const filledAt = new Date(Date.UTC(2024, 6, 2, 14, 0, index)).toISOString();
  const common = { fillId: fill.fillId, symbol: fill.symbol, side: fill.side, quantity: fill.quantity, price: fill.price, fee: fill.fee, filledAt, clientOrderId: `c-${fill.fillId}` };
  return fill.adopted
    ? { type: 'BrokerFillAdopted', data: { ...common, accountId: 'default', broker: 'simulated', brokerOrderId: `b-${fill.fillId}` } }
    : { type: 'OrderFilled', data: { ...common, orderId: '00000000-0000-8000-8000-000000000000', liquidity: 'taker' } };
}

function cashAdjusted(before: string, after: string, accountId = 'default'): StoreEvent {
  return { type: 'CashAdjusted', data: { ...ADJUSTMENT, accountId, currency: 'USD', cashBefore: before, cashAfter: after } };
}

function positionAdjusted(symbol: string, before: string, after: string, averagePriceAfter: string): StoreEvent {
  return { type: 'PositionAdjusted', data: { ...ADJUSTMENT, accountId: 'default', symbol, quantityBefore: before, quantityAfter: after, averagePriceBefore: '0', averagePriceAfter } };
}

/** Net P&L must equal the change in equity over the capital paid in, exactly, whatever the facts. */
function pnlMatchesEquity(state: LedgerState): boolean {
  const totals = ledgerTotals(state);
  return totals.equity.minus(state.initialCash).eq(totals.netPnl);
}

describe('the ledger fold', () => {
  it('folding live, one event at a time, equals a replay from zero; each fill id counts once', () => {
    fc.assert(
      fc.property(fc.array(fillArbitrary, { maxLength: 60 }), (fills) => {
        const events: StoreEvent[] = [{ type: 'SimulatedAccountOpened', data: { accountId: 'default', currency: 'USD', initialCash: '100000' } }, ...fills.map(storeEvent)];
        const live = emptyLedgerFold();
        for (const event of events) foldLedgerEvent(live, event, simulated);
        const replayed = replayLedger(events, simulated);
        expect(ledgerSnapshot(live.state)).toEqual(ledgerSnapshot(replayed));

        // The same as the domain ledger over the distinct fills, from the opening cash.
        const firstOfEach = fills.filter((fill, index) => fills.findIndex((other) => other.fillId === fill.fillId) === index);
        const expected: LedgerState = projectLedger(
          firstOfEach.map((fill, index) => ({
            kind: 'fill' as const,
            fill: { fillId: fill.fillId, symbol: fill.symbol, side: fill.side, quantity: dec(fill.quantity), price: dec(fill.price), fee: dec(fill.fee), at: new Date(index).toISOString() },
          })),
          dec('100000'),
        );
        expect(ledgerSnapshot(replayed).positions.map(({ symbol, lots, realizedPnl, fees }) => ({ symbol, quantities: lots.map((lot) => lot.quantity), realizedPnl, fees }))).toEqual(
          ledgerSnapshot(expected).positions.map(({ symbol, lots, realizedPnl, fees }) => ({ symbol, quantities: lots.map((lot) => lot.quantity), realizedPnl, fees })),
        );
        expect(replayed.cash.eq(expected.cash)).toBe(true);

        // Lots add up to the position: buys minus sells of the distinct fills.
        for (const [symbol, position] of Object.entries(replayed.positions)) {
          const net = firstOfEach.filter((fill) => fill.symbol === symbol).reduce((total, fill) => total.plus(dec(fill.quantity).mul(fill.side === 'buy' ? 1 : -1)), ZERO);
          expect(positionQuantity(position).eq(net)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('keeps net P&L equal to equity over capital through cash and position adjustments', () => {
    const adjustment = fc.oneof(
      fc.record({ kind: fc.constant('cash' as const), delta: fc.integer({ min: -50_000, max: 50_000 }).map((cents) => (cents / 100).toFixed(2)) }),
      fc.record({
        kind: fc.constant('position' as const),
        symbol: fc.constantFrom('AAPL', 'MSFT', 'SPY'),
        delta: fc.integer({ min: -300, max: 300 }),
        averagePrice: fc.integer({ min: 100, max: 50_000 }).map((cents) => (cents / 100).toFixed(2)),
      }),
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(fillArbitrary.map((fill) => ({ kind: 'fill' as const, fill })), adjustment), { maxLength: 40 }), (steps) => {
        const events: StoreEvent[] = [cashAdjusted('0', '100000')];
        steps.forEach((step, index) => {
          if (step.kind === 'fill') events.push(storeEvent(step.fill, index));
          else if (step.kind === 'cash') events.push(cashAdjusted('1000', dec('1000').plus(step.delta).toFixed()));
          else events.push(positionAdjusted(step.symbol, '0', String(step.delta), step.averagePrice));
        });
        const live = emptyLedgerFold();
        for (const event of events) {
          foldLedgerEvent(live, event, broker);
          expect(pnlMatchesEquity(live.state)).toBe(true);
        }
        expect(ledgerSnapshot(replayLedger(events, broker))).toEqual(ledgerSnapshot(live.state));
      }),
      { numRuns: 200 },
    );
  });

  it("takes the simulated exchange's opening cash of its own account only, and only at the simulated venue", () => {
    const events = [
      { type: 'SimulatedAccountOpened', data: { accountId: 'other', currency: 'USD', initialCash: '5' } },
      { type: 'SimulatedAccountOpened', data: { accountId: 'default', currency: 'USD', initialCash: '2500' } },
    ];
    const state = replayLedger(events, simulated);
    expect(state.initialCash.toFixed()).toBe('2500');
    expect(state.cash.toFixed()).toBe('2500');
    // At a broker, that event describes another venue: the cash comes from reconciliation.
    expect(replayLedger(events, broker).cash.toFixed()).toBe('0');
  });

  it("takes the broker's cash as an adjustment of its own account, by the difference", () => {
    const state = replayLedger([cashAdjusted('0', '100000'), cashAdjusted('99990', '100000'), cashAdjusted('0', '7', 'other')], broker);
    expect(state.cash.toFixed()).toBe('100010');
    expect(state.initialCash.toFixed()).toBe('100010');
  });

  it("takes the broker's position as one lot at its average price, moving by the adjustment's difference", () => {
    const events: StoreEvent[] = [
      cashAdjusted('0', '10000'),
      storeEvent({ fillId: 'f1', symbol: 'AAPL', side: 'buy', quantity: '10', price: '100.00', fee: '0', adopted: false }, 0),
      positionAdjusted('AAPL', '10', '15', '102.00'),
    ];
    const state = replayLedger(events, broker);
    expect(state.positions.AAPL!.lots.map((lot) => [lot.quantity.toFixed(), lot.price.toFixed()])).toEqual([['15', '102']]);
    expect(state.cash.toFixed()).toBe('9000');
    expect(pnlMatchesEquity(state)).toBe(true);
    // Flattened by the broker's truth: no lot left, realized P&L untouched.
    const flat = replayLedger([...events, positionAdjusted('AAPL', '15', '0', '0')], broker);
    expect(flat.positions.AAPL!.lots).toEqual([]);
    expect(flat.positions.AAPL!.realizedPnl.toFixed()).toBe('0');
  });

  it('refuses a position adjustment that leaves shares open at no price', () => {
    const ledger = emptyLedgerFold();
    expect(() => foldLedgerEvent(ledger, positionAdjusted('AAPL', '0', '5', '0'), broker)).toThrow(/average price 0/);
    expect(ledger.state.positions.AAPL).toBeUndefined();
  });
});
