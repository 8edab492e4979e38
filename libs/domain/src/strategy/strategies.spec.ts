import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Decimal, dec, decString, ValidationError } from '@tollgate/kernel';
import { nyseCalendar } from '../calendar';
import { collectAsync, parseBarsCsv, TickValidator, type Bar, type Quote } from '../market-data';
import { averageTrueRange, bollingerBands, movingAverage, numericBar, relativeStrengthIndex, type IndicatorValues } from './indicators';
import { meanReversionStrategy, type MeanReversionParameters } from './mean-reversion.strategy';
import { builtinStrategies, parseStrategyConfig, parseStrategyConfigText, UnknownStrategyError } from './strategy-registry';
import { StrategyRunner, type InstrumentTerms } from './strategy-runner';
import { trendStrategy, type TrendParameters } from './trend.strategy';
import type { StrategyDecisionInput } from './strategy.types';

const registry = builtinStrategies();
const values = (entries: Record<string, string | null>): IndicatorValues =>
  Object.fromEntries(Object.entries(entries).map(([key, value]) => [key, value === null ? null : dec(value)]));
const bar = (close: string, timestamp = '2024-07-08T20:00:00Z', symbol = 'SPY'): Bar => ({
  timestamp: new Date(timestamp),
  symbol,
  open: dec(close),
  high: dec(close).plus(1),
  low: dec(close).minus(1),
  close: dec(close),
  volume: dec('1000'),
});
const stocks: Record<string, InstrumentTerms> = {
  SPY: { tickSize: '0.01', lotSize: '1', shortable: true },
  XYZ: { tickSize: '0.05', lotSize: '100', shortable: false },
};

/** The S&P 500 index's daily bars 2000–2020 (vega-datasets) in Tollgate's bar CSV, stamped at each session's close. */
async function sp500Bars(): Promise<Bar[]> {
  const calendar = nyseCalendar();
  const [, ...rows] = readFileSync(join(__dirname, '../../../../node_modules/vega-datasets/data/sp500-2000.csv'), 'utf8').trim().split('\n');
  const csv = ['timestamp,symbol,open,high,low,close,volume'];
  for (const row of rows) {
    const [date, open, high, low, close, , volume] = row.split(',');
    csv.push([calendar.session(date!)!.close.toISOString(), 'SPX', open, high, low, close, volume].join(','));
  }
  return collectAsync(parseBarsCsv(csv.join('\n'), { source: 'sp500-2000.csv' }));
}

describe('trend strategy (decision)', () => {
  const parameters = registry.configure('trend', { fastPeriod: 10, slowPeriod: 30 }).parameters as TrendParameters;
  const input = (overrides: Partial<StrategyDecisionInput<TrendParameters>> = {}): StrategyDecisionInput<TrendParameters> => ({
    symbol: 'SPY',
    bar: bar('100'),
    previousBar: bar('99', '2024-07-05T20:00:00Z'),
    indicators: values({ fastMa: '101', slowMa: '100', atr: '2' }),
    previousIndicators: values({ fastMa: '99.5', slowMa: '100', atr: '2' }),
    quote: null,
    position: null,
    parameters,
    ...overrides,
  });

  it('buys when the fast average crosses above the slow one, stop two ATRs below, target at 2R', () => {
    const [signal, ...rest] = trendStrategy.decide(input());
    expect(rest).toEqual([]);
    expect(signal).toMatchObject({ side: 'buy', entryType: 'market' });
    expect(decString(signal!.entryPrice)).toBe('100');
    expect(decString(signal!.stopPrice)).toBe('96');
    expect(decString(signal!.targetPrice!)).toBe('108');
    expect(signal!.rationale).toEqual({ fastMa: '101', slowMa: '100', previousFastMa: '99.5', previousSlowMa: '100', atr: '2', close: '100' });
  });

  it('uses the ask of a fresh quote as the market entry reference', () => {
    const quote: Quote = { timestamp: new Date('2024-07-08T19:59:59Z'), symbol: 'SPY', bid: dec('100.1'), ask: dec('100.2'), bidSize: dec('1'), askSize: dec('1') };
    expect(decString(trendStrategy.decide(input({ quote }))[0]!.entryPrice)).toBe('100.2');
  });

  it('stays out without a cross, while warming up, and while a position is open', () => {
    expect(trendStrategy.decide(input({ previousIndicators: values({ fastMa: '100.5', slowMa: '100', atr: '2' }) }))).toEqual([]);
    expect(trendStrategy.decide(input({ previousIndicators: null }))).toEqual([]);
    expect(trendStrategy.decide(input({ indicators: values({ fastMa: '101', slowMa: '100', atr: null }) }))).toEqual([]);
    expect(trendStrategy.decide(input({ position: { symbol: 'SPY', quantity: dec('10'), averagePrice: dec('95') } }))).toEqual([]);
  });

  it('shorts the cross below only when allowed', () => {
    const crossBelow = { indicators: values({ fastMa: '99', slowMa: '100', atr: '2' }), previousIndicators: values({ fastMa: '100.5', slowMa: '100', atr: '2' }) };
    expect(trendStrategy.decide(input(crossBelow))).toEqual([]);
    const [signal] = trendStrategy.decide(input({ ...crossBelow, parameters: { ...parameters, allowShort: true } }));
    expect(signal).toMatchObject({ side: 'sell_short' });
    expect(decString(signal!.stopPrice)).toBe('104');
    expect(decString(signal!.targetPrice!)).toBe('92');
  });
});

describe('mean-reversion strategy (decision)', () => {
  const parameters = registry.configure('mean-reversion', {}).parameters as MeanReversionParameters;
  const input = (overrides: Partial<StrategyDecisionInput<MeanReversionParameters>> = {}): StrategyDecisionInput<MeanReversionParameters> => ({
    symbol: 'SPY',
    bar: bar('94'),
    previousBar: bar('97', '2024-07-05T20:00:00Z'),
    indicators: values({ lowerBand: '95', middleBand: '100', upperBand: '105', rsi: '25', atr: '2' }),
    previousIndicators: values({ lowerBand: '95.5', middleBand: '100', upperBand: '104.5', rsi: '35', atr: '2' }),
    quote: null,
    position: null,
    parameters,
    ...overrides,
  });

  it('buys a close below the lower band with RSI oversold, stop 1.5 ATRs below, target the middle band', () => {
    const [signal] = meanReversionStrategy.decide(input());
    expect(signal).toMatchObject({ side: 'buy' });
    expect(decString(signal!.stopPrice)).toBe('91');
    expect(decString(signal!.targetPrice!)).toBe('100');
    expect(signal!.rationale).toMatchObject({ close: '94', lowerBand: '95', rsi: '25' });
  });

  it('fires when the condition starts, not again while it holds', () => {
    const alreadyStretched = { previousBar: bar('94.5', '2024-07-05T20:00:00Z'), previousIndicators: values({ lowerBand: '95', middleBand: '100', upperBand: '105', rsi: '28', atr: '2' }) };
    expect(meanReversionStrategy.decide(input(alreadyStretched))).toEqual([]);
  });

  it('waits for RSI confirmation when the filter is on, and not when it is off', () => {
    const notOversold = { indicators: values({ lowerBand: '95', middleBand: '100', upperBand: '105', rsi: '40', atr: '2' }) };
    expect(meanReversionStrategy.decide(input(notOversold))).toEqual([]);
    expect(meanReversionStrategy.decide(input({ ...notOversold, parameters: { ...parameters, useRsiFilter: false } }))).toHaveLength(1);
  });

  it('shorts above the upper band only when allowed', () => {
    const stretchedUp = {
      bar: bar('106'),
      previousBar: bar('104', '2024-07-05T20:00:00Z'),
      indicators: values({ lowerBand: '95', middleBand: '100', upperBand: '105', rsi: '75', atr: '2' }),
    };
    expect(meanReversionStrategy.decide(input(stretchedUp))).toEqual([]);
    expect(meanReversionStrategy.decide(input({ ...stretchedUp, parameters: { ...parameters, allowShort: true } }))).toMatchObject([{ side: 'sell_short' }]);
  });
});

describe('indicator adapters', () => {
  it('return decimals that agree with the textbook formulas', () => {
    const closes = ['10', '11', '12', '11', '13', '14', '13', '15'].map((close) => dec(close));
    const sma = movingAverage('sma', 3);
    const results = closes.map((close) => sma.update(close.toNumber()));
    expect(results.slice(0, 2)).toEqual([null, null]);
    closes.slice(2).forEach((_close, index) => {
      const window = closes.slice(index, index + 3);
      const expected = window.reduce((sum, value) => sum.plus(value), new Decimal(0)).div(3);
      expect(results[index + 2]!.minus(expected).abs().lte('0.00000001')).toBe(true);
    });
  });

  it('report null until stable for EMA, RSI, Bollinger and ATR', () => {
    const ema = movingAverage('ema', 5);
    const rsi = relativeStrengthIndex(5);
    const bands = bollingerBands(5, dec('2'));
    const atr = averageTrueRange(5);
    const first = numericBar(bar('10'));
    expect([ema.update(first.close), rsi.update(first.close), bands.update(first.close), atr.update(first)]).toEqual([null, null, null, null]);
  });
});

describe('strategy registry and config', () => {
  it('registers the built-ins by name and refuses unknown names, listing the known ones', () => {
    expect(registry.names()).toEqual(['mean-reversion', 'trend']);
    expect(() => registry.get('momentum')).toThrow(UnknownStrategyError);
    expect(() => registry.get('momentum')).toThrow(/known: mean-reversion, trend/);
  });

  it('reads a config file, filling defaults', () => {
    const [trend, meanReversion] = parseStrategyConfigText(
      JSON.stringify({ strategies: [{ name: 'trend', symbols: ['SPY'], parameters: { fastPeriod: 10, atrStopMultiple: '3' } }, { name: 'mean-reversion' }] }),
      registry,
    );
    expect(trend!.symbols).toEqual(['SPY']);
    expect(trend!.parameters).toMatchObject({ fastPeriod: 10, slowPeriod: 50, movingAverage: 'ema' });
    expect(decString((trend!.parameters as TrendParameters).atrStopMultiple)).toBe('3');
    expect(meanReversion!.symbols).toBeNull();
  });

  it('names every bad key in one error', () => {
    const config = {
      strategies: [
        { name: 'trend', parameters: { fastPeriod: 60, slowPeriod: 50, atrStopMultiple: 2 } },
        { name: 'mean-reversion', parameters: { rsiOversold: '80', colour: 'red' } },
        { name: 'momentum' },
      ],
    };
    const error = (() => {
      try {
        parseStrategyConfig(config, registry, 'strategies.json');
      } catch (caught) {
        return caught as ValidationError;
      }
      throw new Error('expected the config to be refused');
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toMatch(/^strategies\.json was invalid: /);
    expect(error.issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^strategies\.0\.parameters\.atrStopMultiple: /),
        expect.stringMatching(/^strategies\.1\.parameters: .*colour/),
        expect.stringMatching(/^strategies\.2\.name: "momentum" is not a registered strategy/),
      ]),
    );
  });

  it('names a failed cross-field rule by its key', () => {
    expect(() => parseStrategyConfig({ strategies: [{ name: 'trend', parameters: { fastPeriod: 60, slowPeriod: 50 } }] }, registry)).toThrow(
      /strategies\.0\.parameters\.fastPeriod: must be less than slowPeriod/,
    );
    expect(() => parseStrategyConfigText('{"strategies": [', registry)).toThrow(/was not JSON/);
  });

  it('versions a strategy by its source, the indicator library and its parameters', () => {
    const version = (name: string, parameters: object) => registry.configure(name, parameters).version.version;
    expect(version('trend', { fastPeriod: 10 })).toBe(version('trend', { fastPeriod: 10 }));
    // Defaults count as parameters: spelling them out changes nothing.
    expect(version('trend', {})).toBe(version('trend', { fastPeriod: 20, slowPeriod: 50 }));
    expect(version('trend', { fastPeriod: 10 })).not.toBe(version('trend', { fastPeriod: 11 }));
    expect(version('trend', {})).not.toBe(version('mean-reversion', {}));
    expect(version('trend', {})).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('strategy runner', () => {
  const sizing = { riskFraction: dec('0.01') };

  it('puts prices on the tick away from the entry for stops, and sizes to whole lots', () => {
    const strategy = registry.configure('trend', { fastPeriod: 2, slowPeriod: 3, atrPeriod: 2, atrStopMultiple: '1.37', entryType: 'limit' });
    const runner = new StrategyRunner({ strategy, instrument: (symbol) => stocks[symbol], sizing });
    const closes = ['10.00', '9.80', '9.60', '9.40', '9.90', '10.60', '11.20'];
    const intents = closes.flatMap((close, day) =>
      runner.onBar({ ...bar(close, new Date(Date.UTC(2024, 6, 8 + day, 20)).toISOString(), 'XYZ') }, { equity: dec('100000'), positions: [] }).intents,
    );
    expect(intents.length).toBeGreaterThan(0);
    for (const intent of intents) {
      expect(intent.stopPrice.mod('0.05').isZero()).toBe(true);
      expect(intent.entryPrice.mod('0.05').isZero()).toBe(true);
      expect(intent.quantity.mod(100).isZero()).toBe(true);
      expect(intent.riskAtStop.lte(1000)).toBe(true);
      expect(intent.strategyVersion).toBe(strategy.version.version);
    }
  });

  it('skips a short on an instrument that cannot be shorted, and an unknown instrument, saying why', () => {
    const strategy = registry.configure('trend', { fastPeriod: 2, slowPeriod: 3, atrPeriod: 2, allowShort: true });
    const runner = new StrategyRunner({ strategy, instrument: (symbol) => stocks[symbol], sizing });
    const skipped = ['10', '10.5', '11', '11.5', '10', '9', '8'].flatMap(
      (close, day) => runner.onBar(bar(close, new Date(Date.UTC(2024, 6, 8 + day, 20)).toISOString(), 'XYZ'), { equity: dec('100000'), positions: [] }).skipped,
    );
    expect(skipped.map((skip) => skip.reason)).toContain('NOT_SHORTABLE');
    const unknown = new StrategyRunner({ strategy, instrument: () => undefined, sizing });
    const reasons = ['10', '10.5', '11', '11.5', '10', '9', '8'].flatMap((close, day) =>
      unknown.onBar(bar(close, new Date(Date.UTC(2024, 6, 8 + day, 20)).toISOString()), { equity: dec('100000'), positions: new Map() }).skipped.map((skip) => skip.reason),
    );
    expect(reasons[0]).toBe('UNKNOWN_INSTRUMENT');
  });

  it('trades only its configured symbols', () => {
    const strategy = registry.configure('trend', { fastPeriod: 2, slowPeriod: 3 }, { symbols: ['QQQ'] });
    const runner = new StrategyRunner({ strategy, instrument: (symbol) => stocks[symbol], sizing });
    expect(['10', '9', '8', '12', '14'].flatMap((close) => runner.onBar(bar(close), { equity: dec('1'), positions: [] }).intents)).toEqual([]);
  });

  it('runs both built-ins over twenty years of real S&P 500 bars, deterministically and within the risk budget', async () => {
    const validator = new TickValidator({ symbols: ['SPX'], maxBarJump: '0.25' });
    const bars = (await sp500Bars()).filter((candidate) => validator.validateBar(candidate).accepted);
    expect(validator.counts().accepted).toBe(bars.length);
    const run = (name: string, parameters: object) => {
      const runner = new StrategyRunner({
        strategy: registry.configure(name, parameters),
        instrument: () => ({ tickSize: '0.01', lotSize: '1', shortable: true }),
        sizing: { riskFraction: dec('0.01'), maxNotional: dec('500000') },
      });
      return bars.flatMap((candidate) => runner.onBar(candidate, { equity: dec('1000000'), positions: [] }).intents);
    };
    for (const [name, parameters] of [
      ['trend', { fastPeriod: 50, slowPeriod: 200, allowShort: true }],
      ['mean-reversion', { allowShort: true }],
    ] as const) {
      const intents = run(name, parameters);
      expect(intents.length).toBeGreaterThan(5);
      expect(intents.map((intent) => `${intent.decidedAt.toISOString()} ${intent.side} ${intent.quantity} @${intent.entryPrice} stop ${intent.stopPrice}`)).toEqual(
        run(name, parameters).map((intent) => `${intent.decidedAt.toISOString()} ${intent.side} ${intent.quantity} @${intent.entryPrice} stop ${intent.stopPrice}`),
      );
      for (const intent of intents) {
        expect(intent.riskAtStop.lte(10000)).toBe(true);
        expect(intent.quantity.mul(intent.entryPrice).lte(500000)).toBe(true);
        if (intent.side === 'buy') expect(intent.stopPrice.lt(intent.entryPrice)).toBe(true);
        else expect(intent.stopPrice.gt(intent.entryPrice)).toBe(true);
        expect(Object.keys(intent.rationale).length).toBeGreaterThan(3);
      }
    }
    const golden = run('trend', { fastPeriod: 50, slowPeriod: 200, movingAverage: 'sma' }).map((intent) => intent.rationale);
    for (const rationale of golden) expect(dec(rationale.fastMa!).gt(dec(rationale.slowMa!))).toBe(true);
  });
});
