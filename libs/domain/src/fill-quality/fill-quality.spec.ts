import fc from 'fast-check';
import { dec } from '@tollgate/kernel';
import { nextChaseStep, initialPeg, type ChasePolicy, type ChaseState } from './chase';
import { dailyFillQualityReports, fillForQualityFromOrderFilled, fillQuality, orderFillQualityReport, slippageBps, tradingDayOf, type FillForQuality } from './fill-quality';

const text = (value: { toFixed(): string } | undefined) => value?.toFixed();
function fill(overrides: Partial<FillForQuality> = {}): FillForQuality {
  return {
    orderId: 'O1',
    fillId: 'F1',
    symbol: 'SPY',
    side: 'buy',
    quantity: dec('100'),
    price: dec('100.05'),
    fee: dec('1'),
    arrivalMid: dec('100'),
    at: '2026-03-02T15:00:00Z',
    ...overrides,
  };
}

describe('fill quality', () => {
  it('signs slippage so that a cost is positive for buys and sells alike', () => {
    expect(text(slippageBps('buy', dec('100.05'), dec('100')))).toBe('5');
    expect(text(slippageBps('sell', dec('99.98'), dec('100')))).toBe('2');
    expect(text(slippageBps('sell', dec('100.02'), dec('100')))).toBe('-2');
    expect(text(fillQuality(fill()).slippageCost)).toBe('5'); // 0.05 × 100
  });

  it('rounds basis points to two places in reports', () => {
    expect(text(fillQuality(fill({ price: dec('100.0123') })).slippageBps)).toBe('1.23');
  });

  it('reports an order: average price, notional-weighted slippage, cost and fees', () => {
    const report = orderFillQualityReport([fill(), fill({ fillId: 'F2', price: dec('100.10') })], { reprices: 2 });
    expect(text(report.averagePrice)).toBe('100.075');
    expect(text(report.slippageBps)).toBe('7.5'); // (5 + 10) / 20 000 × 10 000
    expect(text(report.slippageCost)).toBe('15');
    expect(text(report.fees)).toBe('2');
    expect(report.reprices).toBe(2);
    expect(() => orderFillQualityReport([fill(), fill({ orderId: 'O2' })])).toThrow('mixed');
  });

  it('counts fills without an arrival mid but leaves them out of the slippage', () => {
    const report = orderFillQualityReport([fill({ arrivalMid: undefined })]);
    expect(report.slippageBps).toBeUndefined();
    expect(text(report.slippageCost)).toBe('0');
    expect(dailyFillQualityReports([fill({ arrivalMid: undefined })])[0]?.unmeasuredFills).toBe(1);
  });

  it('groups a day by the New York trading day and names the worst order', () => {
    const reports = dailyFillQualityReports([
      fill({ at: '2026-03-03T02:00:00Z' }), // 21:00 in New York on March 2
      fill({ orderId: 'O2', fillId: 'F2', side: 'sell', price: dec('99.9'), at: '2026-03-02T20:00:00Z' }),
      fill({ orderId: 'O3', fillId: 'F3', at: '2026-03-03T15:00:00Z' }),
    ]);
    expect(reports.map((report) => [report.day, report.orders, report.fills])).toEqual([
      ['2026-03-02', 2, 2],
      ['2026-03-03', 1, 1],
    ]);
    expect(reports[0]?.worstOrder).toEqual({ orderId: 'O2', slippageBps: dec('10') });
    expect(text(reports[0]?.slippageBps)).toBe('7.5');
    expect(tradingDayOf('2026-07-01T03:59:00Z')).toBe('2026-06-30');
  });

  it('reads OrderFilled events', () => {
    const input = fillForQualityFromOrderFilled({
      orderId: '00000000-0000-8000-8000-000000000000',
      clientOrderId: 'c',
      fillId: 'F1',
      symbol: 'SPY',
      side: 'buy',
      quantity: '10',
      price: '500.1',
      fee: '0',
      liquidity: 'taker',
      arrivalMid: '500',
      filledAt: '2026-03-02T15:00:00Z',
    });
    expect(text(fillQuality(input).slippageBps)).toBe('2');
  });
});

describe('peg to mid with a bounded chase', () => {
  const policy: ChasePolicy = { maxReprices: 2, minRepriceIntervalMs: 1000, tickSize: '0.01' };
  const start = new Date('2026-03-02T15:00:00Z');
  const at = (seconds: number) => new Date(start.getTime() + seconds * 1000);
  const book = (bid: string, ask: string) => ({ bid: dec(bid), ask: dec(ask) });

  it('starts at the mid rounded to the passive side', () => {
    expect(text(initialPeg(policy, 'buy', book('100.00', '100.03')))).toBe('100.01');
    expect(text(initialPeg(policy, 'sell', book('100.00', '100.03')))).toBe('100.02');
  });

  it('follows the mid a bounded number of times, then crosses the spread', () => {
    let state: ChaseState = { side: 'buy', limitPrice: dec('100.01'), reprices: 0, startedAt: start, lastChangeAt: start };
    expect(nextChaseStep(policy, state, book('100.02', '100.06'), at(0.5))).toMatchObject({ action: 'hold', reason: 'the last change was too recent' });
    const first = nextChaseStep(policy, state, book('100.02', '100.06'), at(2));
    expect(first).toMatchObject({ action: 'reprice', repricesAfter: 1 });
    if (first.action !== 'reprice') return;
    expect(text(first.limitPrice)).toBe('100.04');
    state = { ...state, limitPrice: first.limitPrice, reprices: 1, lastChangeAt: at(2) };
    expect(nextChaseStep(policy, state, book('100.02', '100.06'), at(4))).toMatchObject({ action: 'hold', reason: 'already pegged to the mid' });
    state = { ...state, limitPrice: dec('100.06'), reprices: 2, lastChangeAt: at(4) };
    const cross = nextChaseStep(policy, state, book('100.10', '100.14'), at(6));
    expect(cross).toMatchObject({ action: 'cross' });
    if (cross.action === 'cross') expect(text(cross.limitPrice)).toBe('100.14');
  });

  it('crosses after the longest working time even with reprices left', () => {
    const state: ChaseState = { side: 'sell', limitPrice: dec('100.02'), reprices: 0, startedAt: start, lastChangeAt: start };
    const decision = nextChaseStep({ ...policy, maxWorkingMs: 30_000 }, state, book('100.00', '100.03'), at(30));
    expect(decision).toMatchObject({ action: 'cross' });
    if (decision.action === 'cross') expect(text(decision.limitPrice)).toBe('100');
  });

  it('never reprices more than allowed, always on the tick and never past the mid', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5 }), fc.constantFrom<'buy' | 'sell'>('buy', 'sell'), fc.array(fc.record({ bidCents: fc.integer({ min: 9000, max: 11000 }), spread: fc.integer({ min: 1, max: 20 }) }), { maxLength: 40 }), (maxReprices, side, books) => {
        const bounded: ChasePolicy = { maxReprices, minRepriceIntervalMs: 0, tickSize: '0.01' };
        let state: ChaseState = { side, limitPrice: dec('100'), reprices: 0, startedAt: start, lastChangeAt: start };
        let crossed = false;
        books.forEach(({ bidCents, spread }, index) => {
          if (crossed) return;
          const quote = { bid: dec(String(bidCents)).div(100), ask: dec(String(bidCents + spread)).div(100) };
          const decision = nextChaseStep(bounded, state, quote, at(index + 1));
          if (decision.action === 'reprice') {
            const mid = quote.bid.plus(quote.ask).div(2);
            expect(decision.limitPrice.mod(dec('0.01')).isZero()).toBe(true);
            expect(side === 'buy' ? decision.limitPrice.lte(mid) : decision.limitPrice.gte(mid)).toBe(true);
            state = { ...state, limitPrice: decision.limitPrice, reprices: decision.repricesAfter, lastChangeAt: at(index + 1) };
          }
          if (decision.action === 'cross') {
            expect(decision.limitPrice.eq(side === 'buy' ? quote.ask : quote.bid)).toBe(true);
            crossed = true;
          }
          expect(state.reprices).toBeLessThanOrEqual(maxReprices);
        });
      }),
    );
  });
});
