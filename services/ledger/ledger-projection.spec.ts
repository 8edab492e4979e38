import fc from 'fast-check';
import { emptyLedger, ledgerSnapshot, positionQuantity, projectLedger, type LedgerState } from '@tollgate/domain/ledger';
import { dec, ZERO } from '@tollgate/kernel';
import { foldLedgerEvent, replayLedger } from './ledger.handlers';

type StoreEvent = { type: string; data: Record<string, unknown> };

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

describe('the ledger projection', () => {
  it('folding live, one event at a time, equals a replay from zero; each fill id counts once', () => {
    fc.assert(
      fc.property(fc.array(fillArbitrary, { maxLength: 60 }), (fills) => {
        const events: StoreEvent[] = [{ type: 'SimulatedAccountOpened', data: { accountId: 'default', initialCash: '100000' } }, ...fills.map(storeEvent)];
        const live = { state: emptyLedger(), fillIds: new Set<string>() };
        for (const event of events) {
          const folded = foldLedgerEvent(live, event, 'default');
          if (folded) live.state = folded.state;
        }
        const replayed = replayLedger(events, 'default');
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

  it("takes the opening cash of its own account only", () => {
    const state = replayLedger(
      [
        { type: 'SimulatedAccountOpened', data: { accountId: 'other', initialCash: '5' } },
        { type: 'SimulatedAccountOpened', data: { accountId: 'default', initialCash: '2500' } },
      ],
      'default',
    );
    expect(state.initialCash.toFixed()).toBe('2500');
    expect(state.cash.toFixed()).toBe('2500');
  });
});
