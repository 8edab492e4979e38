import fc from 'fast-check';
import { dec, ZERO, type Decimal } from '@tollgate/kernel';
import {
  applyLedgerEvent,
  emptyLedger,
  ledgerFromSnapshot,
  ledgerSnapshot,
  ledgerTotals,
  positionQuantity,
  projectLedger,
  type LedgerEvent,
} from './ledger';

const symbols = ['AAA', 'BBB', 'CCC'];
const cents = (min: number, max: number) => fc.integer({ min, max }).map((value) => dec(String(value)).div(100));
const at = (index: number) => new Date(Date.UTC(2026, 0, 5) + index * 1000).toISOString();

const fillEvent = fc.record({
  symbol: fc.constantFrom(...symbols),
  side: fc.constantFrom<'buy' | 'sell'>('buy', 'sell'),
  quantity: fc.integer({ min: 1, max: 500 }).map((value) => dec(String(value))),
  price: cents(1, 50_000),
  fee: cents(0, 300),
});
const markEvent = fc.record({ symbol: fc.constantFrom(...symbols), price: cents(1, 50_000) });
const events: fc.Arbitrary<LedgerEvent[]> = fc
  .array(fc.oneof({ weight: 3, arbitrary: fillEvent.map((fill) => ({ kind: 'fill' as const, fill })) }, { weight: 1, arbitrary: markEvent.map((mark) => ({ kind: 'mark' as const, mark })) }), {
    maxLength: 80,
    size: 'max',
  })
  .map((drafts) =>
    drafts.map((draft, index): LedgerEvent =>
      draft.kind === 'fill' ? { kind: 'fill', fill: { ...draft.fill, at: at(index), fillId: `F${index}` } } : { kind: 'mark', mark: { ...draft.mark, at: at(index) } },
    ),
  );

/** An independent FIFO: one queue entry per share, so no lot arithmetic is shared with the ledger. */
function realizedByShares(history: LedgerEvent[]): Map<string, Decimal> {
  const queues = new Map<string, Array<{ sign: number; price: Decimal }>>();
  const realized = new Map<string, Decimal>();
  for (const event of history) {
    if (event.kind !== 'fill') continue;
    const { symbol, side, quantity, price } = event.fill;
    const queue = queues.get(symbol) ?? [];
    const sign = side === 'buy' ? 1 : -1;
    for (let share = 0; share < quantity.toNumber(); share += 1) {
      const head = queue[0];
      if (head && head.sign !== sign) {
        queue.shift();
        realized.set(symbol, (realized.get(symbol) ?? ZERO).plus(price.minus(head.price).mul(head.sign)));
      } else {
        queue.push({ sign, price });
      }
    }
    queues.set(symbol, queue);
  }
  return realized;
}

describe('ledger properties', () => {
  it('replay from zero equals the live projection that checkpointed and resumed along the way, to the cent', () => {
    fc.assert(
      fc.property(events, fc.array(fc.nat(80), { maxLength: 5 }), (history, cuts) => {
        const replayed = projectLedger(history, dec('100000'));
        let live = emptyLedger(dec('100000'));
        const checkpoints = new Set(cuts);
        history.forEach((event, index) => {
          if (checkpoints.has(index)) live = ledgerFromSnapshot(JSON.parse(JSON.stringify(ledgerSnapshot(live))));
          live = applyLedgerEvent(live, event);
        });
        expect(ledgerSnapshot(live)).toEqual(ledgerSnapshot(replayed));
        const [a, b] = [ledgerTotals(live), ledgerTotals(replayed)];
        expect(a.netPnl.toDecimalPlaces(2).eq(b.netPnl.toDecimalPlaces(2))).toBe(true);
        expect(a.equity.eq(b.equity)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('realized + unrealized − fees equals the change in equity after every event', () => {
    fc.assert(
      fc.property(events, (history) => {
        const initialCash = dec('25000');
        let state = emptyLedger(initialCash);
        for (const event of history) {
          state = applyLedgerEvent(state, event);
          const totals = ledgerTotals(state);
          const identityHolds = totals.realizedPnl.plus(totals.unrealizedPnl).minus(totals.fees).eq(totals.equity.minus(initialCash));
          if (!identityHolds) throw new Error(`realized + unrealized − fees ≠ Δequity after ${JSON.stringify(event)}`);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('the open lots add up to the position, all on one side of zero', () => {
    fc.assert(
      fc.property(events, (history) => {
        const state = projectLedger(history);
        const expected = new Map<string, Decimal>();
        for (const event of history) {
          if (event.kind !== 'fill') continue;
          const signed = event.fill.side === 'buy' ? event.fill.quantity : event.fill.quantity.neg();
          expected.set(event.fill.symbol, (expected.get(event.fill.symbol) ?? ZERO).plus(signed));
        }
        for (const [symbol, quantity] of expected) {
          const position = state.positions[symbol]!;
          expect(positionQuantity(position).eq(quantity)).toBe(true);
          const signs = new Set(position.lots.map((lot) => lot.quantity.isNegative()));
          expect(signs.size).toBeLessThanOrEqual(1);
          expect(position.lots.every((lot) => !lot.quantity.isZero())).toBe(true);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('realizes what a share-by-share FIFO realizes', () => {
    fc.assert(
      fc.property(events, (history) => {
        const state = projectLedger(history);
        for (const [symbol, realized] of realizedByShares(history)) {
          expect(state.positions[symbol]!.realizedPnl.eq(realized)).toBe(true);
        }
      }),
      { numRuns: 100 },
    );
  });
});
