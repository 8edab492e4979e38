import fc from 'fast-check';
import { dec, Decimal, decString } from '@tollgate/kernel';
import type { Bar, Quote } from './market-data.types';
import { barIntervalMs, QuoteBarAggregator } from './quote-bars';

const T0 = Date.parse('2024-07-02T14:00:00.000Z');

function quote(symbol: string, at: number, bid: string, ask: string): Quote {
  return { timestamp: new Date(at), symbol, bid: dec(bid), ask: dec(ask), bidSize: dec('100'), askSize: dec('100') };
}

const shown = (bar: Bar) => ({
  timestamp: bar.timestamp.toISOString(),
  symbol: bar.symbol,
  ohlc: [bar.open, bar.high, bar.low, bar.close].map((value) => decString(value)),
  volume: decString(bar.volume),
});

describe('QuoteBarAggregator', () => {
  it('builds OHLC from the mid on epoch-aligned intervals and closes a bar when a later interval begins', () => {
    const bars = new QuoteBarAggregator('1m');
    expect(bars.add(quote('AAPL', T0 + 5_000, '100.00', '100.02'))).toEqual([]);
    expect(bars.add(quote('AAPL', T0 + 20_000, '100.10', '100.11'))).toEqual([]);
    expect(bars.add(quote('AAPL', T0 + 40_000, '99.90', '99.91'))).toEqual([]);
    expect(bars.add(quote('AAPL', T0 + 59_999, '100.03', '100.04'))).toEqual([]);
    const closed = bars.add(quote('AAPL', T0 + 61_000, '100.5', '100.6'));
    expect(closed.map(shown)).toEqual([{ timestamp: '2024-07-02T14:01:00.000Z', symbol: 'AAPL', ohlc: ['100.01', '100.105', '99.905', '100.035'], volume: '0' }]);
  });

  it('keeps each symbol apart, and flush closes only the bars whose interval has ended', () => {
    const bars = new QuoteBarAggregator('30s');
    bars.add(quote('AAPL', T0 + 1_000, '10', '10.02'));
    bars.add(quote('MSFT', T0 + 31_000, '20', '20.02'));
    expect(bars.flush(new Date(T0 + 29_999))).toEqual([]);
    expect(bars.flush(new Date(T0 + 30_000)).map((bar) => [bar.symbol, bar.timestamp.toISOString()])).toEqual([['AAPL', '2024-07-02T14:00:30.000Z']]);
    expect(bars.openBarStart('MSFT')?.toISOString()).toBe('2024-07-02T14:00:30.000Z');
    expect(bars.flush(new Date(T0 + 60_000)).map((bar) => bar.symbol)).toEqual(['MSFT']);
    expect(bars.flush(new Date(T0 + 600_000))).toEqual([]);
  });

  it('ignores a quote that arrives after its interval was closed, and a late quote moves only high and low', () => {
    const bars = new QuoteBarAggregator('1m');
    bars.add(quote('AAPL', T0 + 10_000, '100', '100'));
    bars.add(quote('AAPL', T0 + 30_000, '101', '101'));
    bars.add(quote('AAPL', T0 + 20_000, '99', '99')); // late within the bar: a new low, not the close
    const [closed] = bars.flush(new Date(T0 + 60_000));
    expect(shown(closed!).ohlc).toEqual(['100', '101', '99', '101']);
    expect(bars.add(quote('AAPL', T0 + 50_000, '500', '500'))).toEqual([]);
    expect(bars.flush(new Date(T0 + 120_000))).toEqual([]);
  });

  it('refuses an interval that is not whole seconds, minutes or hours', () => {
    expect(barIntervalMs('1m')).toBe(60_000);
    expect(barIntervalMs('2h')).toBe(7_200_000);
    for (const bad of ['0m', '1d', '1.5m', 'm', '']) expect(() => new QuoteBarAggregator(bad)).toThrow(/bar interval must be/);
  });

  it('for any quotes in time order: one bar per interval touched, with the first, highest, lowest and last mid', () => {
    const quotes = fc
      .array(fc.record({ offset: fc.integer({ min: 0, max: 600_000 }), bidCents: fc.integer({ min: 1, max: 100_000 }), spreadCents: fc.integer({ min: 0, max: 50 }) }), { minLength: 1, maxLength: 60 })
      .map((items) => [...items].sort((a, b) => a.offset - b.offset));
    fc.assert(
      fc.property(quotes, fc.constantFrom('1s', '15s', '1m', '5m'), (items, interval) => {
        const bars = new QuoteBarAggregator(interval);
        const length = barIntervalMs(interval);
        const fed = items.map((item) => quote('SPY', T0 + item.offset, new Decimal(item.bidCents).div(100).toFixed(), new Decimal(item.bidCents + item.spreadCents).div(100).toFixed()));
        const closed = [...fed.flatMap((item) => bars.add(item)), ...bars.flush(new Date(T0 + 10_000_000))];
        const expected = new Map<number, Decimal[]>();
        for (const item of fed) {
          const end = (Math.floor(item.timestamp.getTime() / length) + 1) * length;
          expected.set(end, [...(expected.get(end) ?? []), item.bid.plus(item.ask).div(2)]);
        }
        expect(closed.map((bar) => bar.timestamp.getTime())).toEqual([...expected.keys()]);
        for (const bar of closed) {
          const mids = expected.get(bar.timestamp.getTime())!;
          expect([bar.open, bar.high, bar.low, bar.close].map((value) => value.toFixed())).toEqual(
            [mids[0]!, Decimal.max(...mids), Decimal.min(...mids), mids.at(-1)!].map((value) => value.toFixed()),
          );
        }
      }),
    );
  });
});
