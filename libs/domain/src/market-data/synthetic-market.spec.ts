import { decString } from '@tollgate/kernel';
import { nyseCalendar } from '../calendar';
import { collectAsync } from './csv-source';
import type { Bar, MarketEvent } from './market-data.types';
import {
  generateSyntheticMarket,
  parseSyntheticMarketConfig,
  syntheticMarketData,
  type RegimeChange,
  type SyntheticMarketConfigInput,
} from './synthetic-market';
import { TickValidator } from './tick-validator';
import { SeededRandomStream } from './seeded-random-stream';

const calendar = nyseCalendar();
const config = (overrides: Partial<SyntheticMarketConfigInput> = {}) =>
  parseSyntheticMarketConfig({
    seed: 7,
    start: '2024-07-02',
    tradingDays: 3,
    symbols: [
      { symbol: 'AAPL', initialPrice: '190.00' },
      { symbol: 'MSFT', initialPrice: '450.00', volatilityScale: 1.3 },
    ],
    ...overrides,
  });
const bars = (events: Iterable<MarketEvent>, symbol?: string): Bar[] =>
  [...events].flatMap((event) => (event.kind === 'bar' && (!symbol || event.bar.symbol === symbol) ? [event.bar] : []));
const render = (events: Iterable<MarketEvent>) =>
  [...events].map((event) =>
    event.kind === 'bar'
      ? `${event.bar.timestamp.toISOString()} ${event.bar.symbol} ${decString(event.bar.open)} ${decString(event.bar.high)} ${decString(event.bar.low)} ${decString(event.bar.close)} ${decString(event.bar.volume)}`
      : `${event.quote.timestamp.toISOString()} ${event.quote.symbol} ${decString(event.quote.bid)} ${decString(event.quote.ask)}`,
  );
const logReturns = (series: Bar[]) => series.slice(1).map((bar, index) => Math.log(Number(bar.close) / Number(series[index]!.close)));
const standardDeviation = (values: number[]) => {
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  return Math.sqrt(values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (values.length - 1));
};

describe('synthetic market', () => {
  it('is identical for the same seed and different for another', () => {
    const first = render(generateSyntheticMarket(config({ tradingDays: 1 }), calendar));
    expect(render(generateSyntheticMarket(config({ tradingDays: 1 }), calendar))).toEqual(first);
    expect(render(generateSyntheticMarket(config({ tradingDays: 1, seed: 8 }), calendar))).not.toEqual(first);
  });

  it('keeps a symbol’s path when another symbol is added', () => {
    const alone = bars(generateSyntheticMarket(config({ symbols: [{ symbol: 'AAPL', initialPrice: '190.00' }] }), calendar));
    const together = bars(generateSyntheticMarket(config(), calendar), 'AAPL');
    expect(render(together.map((bar) => ({ kind: 'bar' as const, bar })))).toEqual(render(alone.map((bar) => ({ kind: 'bar' as const, bar }))));
  });

  it('puts minute bars in regular hours only, ending at each minute, honouring early closes and holidays', () => {
    const aapl = bars(generateSyntheticMarket(config({ quotesPerBar: 0 }), calendar), 'AAPL');
    const byDate = new Map<string, Bar[]>();
    for (const bar of aapl) {
      const date = calendar.exchangeDate(bar.timestamp);
      byDate.set(date, [...(byDate.get(date) ?? []), bar]);
    }
    // July 3 closes at 13:00, July 4 is a holiday.
    expect([...byDate.keys()]).toEqual(['2024-07-02', '2024-07-03', '2024-07-05']);
    expect(byDate.get('2024-07-02')).toHaveLength(390);
    expect(byDate.get('2024-07-03')).toHaveLength(210);
    expect(byDate.get('2024-07-02')![0]!.timestamp.toISOString()).toBe('2024-07-02T13:31:00.000Z');
    expect(byDate.get('2024-07-03')!.at(-1)!.timestamp.toISOString()).toBe('2024-07-03T17:00:00.000Z');
  });

  it('puts daily bars at each session close', () => {
    const daily = bars(generateSyntheticMarket(config({ barInterval: '1d', tradingDays: 5, quotesPerBar: 0 }), calendar), 'AAPL');
    expect(daily.map((bar) => bar.timestamp.toISOString())).toEqual(
      calendar.sessionsBetween('2024-07-02', '2024-07-09').map((session) => session.close.toISOString()),
    );
  });

  it('emits events in time order that the tick validator accepts, every one', () => {
    const validator = new TickValidator({ symbols: ['AAPL', 'MSFT'], maxQuoteJump: '0.5', maxBarJump: '0.5' });
    let previous = 0;
    for (const event of generateSyntheticMarket(config({ quotesPerBar: 6, tradingDays: 2 }), calendar)) {
      const time = (event.kind === 'bar' ? event.bar.timestamp : event.quote.timestamp).getTime();
      expect(time).toBeGreaterThanOrEqual(previous);
      previous = time;
      const verdict = event.kind === 'bar' ? validator.validateBar(event.bar) : validator.validateQuote(event.quote);
      if (!verdict.accepted) throw new Error(`${verdict.reason}: ${verdict.detail}`);
    }
    expect(validator.counts().accepted).toBe(2 * (390 + 210) * 7);
  });

  it('prices on the tick and quotes at least one tick wide', () => {
    for (const event of generateSyntheticMarket(config({ tradingDays: 1 }), calendar)) {
      if (event.kind === 'bar') for (const price of [event.bar.open, event.bar.high, event.bar.low, event.bar.close]) expect(price.mod('0.01').isZero()).toBe(true);
      else expect(event.quote.ask.minus(event.quote.bid).gte('0.01')).toBe(true);
    }
  });

  it('has the configured volatility in a single regime without jumps (statistical)', () => {
    const daily = bars(
      generateSyntheticMarket(
        config({
          barInterval: '1d',
          quotesPerBar: 0,
          tradingDays: 1500,
          start: '2010-01-04',
          regimes: [{ name: 'only', drift: 0, volatility: 0.25, meanDurationDays: 1000 }],
          jumps: { intensityPerYear: 0, meanLogJump: 0, logJumpVolatility: 0 },
          symbols: [{ symbol: 'AAPL', initialPrice: '100.00', tickSize: '0.0001' }],
        }),
        calendar,
      ),
    );
    const annualized = standardDeviation(logReturns(daily)) * Math.sqrt(252);
    // 1,500 returns: the sample volatility's standard error is about 0.25 / √3000 ≈ 0.005.
    expect(annualized).toBeGreaterThan(0.23);
    expect(annualized).toBeLessThan(0.27);
  });

  it('correlates symbols through the market factor (statistical)', () => {
    const events = [
      ...generateSyntheticMarket(
        config({ barInterval: '1d', quotesPerBar: 0, tradingDays: 1000, start: '2010-01-04', correlation: 0.6, jumps: { intensityPerYear: 0, meanLogJump: 0, logJumpVolatility: 0 } }),
        calendar,
      ),
    ];
    const a = logReturns(bars(events, 'AAPL'));
    const b = logReturns(bars(events, 'MSFT'));
    const meanA = a.reduce((s, v) => s + v, 0) / a.length;
    const meanB = b.reduce((s, v) => s + v, 0) / b.length;
    const covariance = a.reduce((sum, value, index) => sum + (value - meanA) * (b[index]! - meanB), 0) / (a.length - 1);
    const correlation = covariance / (standardDeviation(a) * standardDeviation(b));
    expect(correlation).toBeGreaterThan(0.5);
    expect(correlation).toBeLessThan(0.7);
  });

  it('switches regimes and reports each switch, with fatter tails when jumps are on', () => {
    const changes: RegimeChange[] = [];
    const daily = bars(
      generateSyntheticMarket(
        config({
          barInterval: '1d',
          quotesPerBar: 0,
          tradingDays: 1000,
          start: '2010-01-04',
          jumps: { intensityPerYear: 20, meanLogJump: 0, logJumpVolatility: 0.08 },
          symbols: [{ symbol: 'AAPL', initialPrice: '100.00' }],
        }),
        calendar,
        { onRegimeChange: (change) => changes.push(change) },
      ),
    );
    expect(changes.length).toBeGreaterThan(5);
    changes.forEach((change, index) => index > 0 && expect(change.from).toBe(changes[index - 1]!.to));
    const returns = logReturns(daily);
    const deviation = standardDeviation(returns);
    const kurtosis = returns.reduce((sum, value) => sum + (value / deviation) ** 4, 0) / returns.length;
    expect(kurtosis).toBeGreaterThan(4);
  });

  it('is available as an async iterable', async () => {
    const events = await collectAsync(syntheticMarketData(config({ tradingDays: 1, quotesPerBar: 0 }), calendar));
    expect(events).toHaveLength(2 * 390);
  });

  it('refuses a bad config, naming the key', () => {
    expect(() => parseSyntheticMarketConfig({ seed: 1, start: '2024-02-30', tradingDays: 0, symbols: [{ symbol: 'aapl', initialPrice: '-1' }] })).toThrow(
      /start: .*tradingDays: .*symbols\.0\.symbol: .*symbols\.0\.initialPrice/,
    );
    expect(() =>
      parseSyntheticMarketConfig({ ...config(), regimes: [{ name: 'a', drift: 0, volatility: 0.1, meanDurationDays: 5, next: { b: 1 } }] }),
    ).toThrow(/regimes\.0\.next\.b: is not a regime name/);
  });
});

describe('seeded random', () => {
  it('repeats for a seed and name, and differs across names', () => {
    const draw = (name: string) => {
      const random = SeededRandomStream.derive(42, name);
      return Array.from({ length: 5 }, () => random.nextUint32());
    };
    expect(draw('a')).toEqual(draw('a'));
    expect(draw('a')).not.toEqual(draw('b'));
  });

  it('draws normals with mean 0 and variance 1, and Poisson counts with the asked mean (statistical)', () => {
    const random = SeededRandomStream.derive(1, 'test');
    const normals = Array.from({ length: 20000 }, () => random.normal());
    const mean = normals.reduce((sum, value) => sum + value, 0) / normals.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(standardDeviation(normals) - 1)).toBeLessThan(0.03);
    const counts = Array.from({ length: 20000 }, () => random.poisson(2));
    expect(Math.abs(counts.reduce((sum, value) => sum + value, 0) / counts.length - 2)).toBeLessThan(0.05);
  });
});
