import type { OrderFilledData } from '@tollgate/contracts';
import { dec } from '@tollgate/kernel';
import {
  applyFill,
  applyMark,
  brokerPositions,
  emptyLedger,
  equityCurve,
  ledgerFillOf,
  ledgerFromFillsAndMarks,
  ledgerFromSnapshot,
  ledgerSnapshot,
  ledgerTotals,
  positionView,
  projectLedger,
  type LedgerEvent,
  type LedgerFill,
  type LedgerState,
} from './ledger';
import { ledgerReport, unmarkedSymbols } from './ledger-report';

let clock = 0;
function fill(symbol: string, side: 'buy' | 'sell', quantity: string, price: string, fee = '0'): LedgerFill {
  clock += 1;
  return { symbol, side, quantity: dec(quantity), price: dec(price), fee: dec(fee), at: new Date(Date.UTC(2026, 0, 5, 15, 0, clock)).toISOString() };
}
function fold(...fills: LedgerFill[]): LedgerState {
  return fills.reduce(applyFill, emptyLedger());
}
const text = (value: { toFixed(): string }) => value.toFixed();

describe('ledger: FIFO lots and P&L', () => {
  it('realizes gross P&L on the closed quantity and keeps fees apart', () => {
    const state = fold(fill('AAPL', 'buy', '100', '10', '1'), fill('AAPL', 'sell', '60', '12', '1'));
    const view = positionView(state, 'AAPL');
    expect(text(view.quantity)).toBe('40');
    expect(text(view.realizedPnl)).toBe('120'); // 60 × (12 − 10)
    expect(text(view.fees)).toBe('2');
    expect(view.openLots.map((lot) => [text(lot.quantity), text(lot.price)])).toEqual([['40', '10']]);
    expect(text(state.cash)).toBe('-282'); // −1000 − 1 + 720 − 1
  });

  it('closes the oldest lot first', () => {
    const state = fold(fill('MSFT', 'buy', '10', '100'), fill('MSFT', 'buy', '10', '110'), fill('MSFT', 'sell', '15', '120'));
    const view = positionView(state, 'MSFT');
    expect(text(view.realizedPnl)).toBe('250'); // 10 × 20 + 5 × 10
    expect(view.openLots.map((lot) => [text(lot.quantity), text(lot.price)])).toEqual([['5', '110']]);
    expect(text(view.averagePrice)).toBe('110');
  });

  it('opens a short when a sell goes beyond the long position, and realizes shorts the other way round', () => {
    const flipped = fold(fill('SPY', 'buy', '5', '10'), fill('SPY', 'sell', '8', '12'));
    const short = positionView(flipped, 'SPY');
    expect(text(short.realizedPnl)).toBe('10'); // 5 × (12 − 10)
    expect(text(short.quantity)).toBe('-3');
    expect(short.openLots.map((lot) => [text(lot.quantity), text(lot.price)])).toEqual([['-3', '12']]);
    const covered = positionView(applyFill(flipped, fill('SPY', 'buy', '5', '11')), 'SPY');
    expect(text(covered.realizedPnl)).toBe('13'); // + 3 × (12 − 11)
    expect(text(covered.quantity)).toBe('2');
    expect(covered.openLots.map((lot) => [text(lot.quantity), text(lot.price)])).toEqual([['2', '11']]);
  });

  it('marks open lots to the latest mark and ignores a stale one', () => {
    let state = fold(fill('QQQ', 'buy', '10', '100'), fill('QQQ', 'sell', '4', '90'));
    state = applyMark(state, { symbol: 'QQQ', price: dec('105'), at: '2026-01-05T21:00:00Z' });
    state = applyMark(state, { symbol: 'QQQ', price: dec('1'), at: '2026-01-05T20:00:00Z' });
    const view = positionView(state, 'QQQ');
    expect(text(view.unrealizedPnl)).toBe('30'); // 6 × (105 − 100)
    expect(text(view.realizedPnl)).toBe('-40');
    const totals = ledgerTotals(state);
    expect(text(totals.netPnl)).toBe('-10');
    expect(text(totals.equity)).toBe('-10'); // started from zero cash
  });

  it('values an unmarked open position at cost and says it is unmarked', () => {
    const state = fold(fill('AAPL', 'buy', '3', '50'));
    expect(text(positionView(state, 'AAPL').unrealizedPnl)).toBe('0');
    expect(unmarkedSymbols(state)).toEqual(['AAPL']);
  });

  it('reports average prices rounded, money exactly, and every number as a decimal string', () => {
    const state = ledgerFromFillsAndMarks(
      [fill('AAPL', 'buy', '1', '10', '0.005'), fill('AAPL', 'buy', '2', '11', '0.005')],
      [{ symbol: 'AAPL', price: dec('10.5'), at: '2026-01-06T00:00:00Z' }],
    );
    const report = ledgerReport(state);
    expect(report).toEqual({
      positions: [
        {
          symbol: 'AAPL',
          quantity: '3',
          averagePrice: '10.66666667',
          realizedPnl: '0',
          unrealizedPnl: '-0.5',
          fees: '0.01',
          openLots: [
            { quantity: '1', price: '10' },
            { quantity: '2', price: '11' },
          ],
        },
      ],
      totals: { realizedPnl: '0', unrealizedPnl: '-0.5', fees: '0.01', netPnl: '-0.51' },
    });
  });

  it('draws an equity curve with its high-water mark and drawdown', () => {
    const events: LedgerEvent[] = [
      { kind: 'fill', fill: fill('SPY', 'buy', '10', '100', '1') },
      { kind: 'mark', mark: { symbol: 'SPY', price: dec('110'), at: '2026-01-06T00:00:00Z' } },
      { kind: 'mark', mark: { symbol: 'SPY', price: dec('95'), at: '2026-01-07T00:00:00Z' } },
    ];
    const curve = equityCurve(events, dec('10000'));
    expect(curve.map((point) => text(point.equity))).toEqual(['9999', '10099', '9949']);
    expect(text(curve[2]!.highWaterMark)).toBe('10099');
    expect(text(curve[2]!.drawdown)).toBe('150');
  });

  it('checkpoints to JSON and resumes to the same state', () => {
    const state = fold(fill('AAPL', 'buy', '7', '10.25', '0.5'), fill('AAPL', 'sell', '9', '10.5', '0.5'));
    const restored = ledgerFromSnapshot(JSON.parse(JSON.stringify(ledgerSnapshot(state))));
    expect(ledgerSnapshot(restored)).toEqual(ledgerSnapshot(state));
  });

  it('reads OrderFilled events and reports positions the way a broker does', () => {
    const orderFilled: OrderFilledData = {
      orderId: '00000000-0000-8000-8000-000000000000',
      clientOrderId: 'c',
      fillId: 'F1',
      symbol: 'AAPL',
      side: 'sell',
      quantity: '4',
      price: '200',
      fee: '0.1',
      liquidity: 'taker',
      filledAt: '2026-01-05T15:00:00Z',
    };
    const state = projectLedger([{ kind: 'fill', fill: ledgerFillOf(orderFilled) }]);
    expect(brokerPositions(state)).toEqual([{ symbol: 'AAPL', quantity: '-4', averagePrice: '200' }]);
  });

  it('refuses a fill with a non-positive quantity or price', () => {
    expect(() => fold(fill('AAPL', 'buy', '0', '10'))).toThrow('quantity=0 must be positive');
    expect(() => fold(fill('AAPL', 'buy', '1', '0'))).toThrow('price=0 must be positive');
  });
});
