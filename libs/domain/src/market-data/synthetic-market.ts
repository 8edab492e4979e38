import { z } from 'zod';
import { Decimal, ValidationError } from '@tollgate/kernel';
import { describeIssues, positiveDecimalString, symbol as symbolSchema } from '@tollgate/contracts';
import { isLocalDate, type ExchangeCalendar, type TradingSession } from '../calendar';
import { SeededRandomStream } from './seeded-random-stream';
import type { Bar, MarketEvent, Quote } from './market-data.types';

const TRADING_DAYS_PER_YEAR = 252;
const REGULAR_SESSION_MINUTES = 390;
const MILLISECONDS_PER_MINUTE = 60_000;
/** E|Z| for a standard normal: keeps mean volume at the configured level. */
const MEAN_ABSOLUTE_NORMAL = Math.sqrt(2 / Math.PI);
const VOLUME_NOISE = 0.5;
const SPREAD_NOISE = 0.25;

const regimeSchema = z
  .object({
    name: z.string().min(1, 'must not be empty'),
    /** Annualized drift μ of the log-price process (0.08 = 8 % a year). */
    drift: z.number(),
    /** Annualized volatility σ (0.2 = 20 % a year). */
    volatility: z.number().positive('must be positive'),
    /** Expected length of a stay in this regime, in trading days. */
    meanDurationDays: z.number().positive('must be positive'),
    /** Relative odds of the next regime when this one ends; default: the others, equally. */
    next: z.record(z.string(), z.number().nonnegative('must not be negative')).optional(),
  })
  .strict();

const syntheticSymbolSchema = z
  .object({
    symbol: symbolSchema,
    initialPrice: positiveDecimalString,
    tickSize: positiveDecimalString.default('0.01'),
    /** Multiplies every regime's volatility for this symbol. */
    volatilityScale: z.number().positive('must be positive').default(1),
    /** Mean shares traded per regular session. */
    dailyVolume: z.number().int().positive('must be a positive whole number').default(1_000_000),
    /** Quoted spread in basis points of the mid in the first (reference) regime. */
    spreadBps: z.number().positive('must be positive').default(2),
    lotSize: z.number().int().positive('must be a positive whole number').default(100),
    /** Mean displayed size, in lots, on each side of a quote. */
    meanQuoteLots: z.number().positive('must be positive').default(5),
  })
  .strict();

export const syntheticMarketConfigSchema = z
  .object({
    seed: z.number().int('must be a whole number'),
    /** First session: this date, or the next trading day after it. */
    start: z.string().refine(isLocalDate, { message: 'must be a date like "2024-01-02"' }),
    tradingDays: z.number().int().positive('must be a positive whole number'),
    barInterval: z.enum(['1m', '1d']).default('1m'),
    /** Quotes per bar per symbol, evenly spaced from the bar's start; 0 for bars only. */
    quotesPerBar: z.number().int().min(0).max(600).default(4),
    symbols: z.array(syntheticSymbolSchema).min(1, 'must list at least one symbol'),
    regimes: z
      .array(regimeSchema)
      .min(1, 'must list at least one regime')
      .default([
        { name: 'calm', drift: 0.08, volatility: 0.15, meanDurationDays: 60 },
        { name: 'turbulent', drift: -0.1, volatility: 0.4, meanDurationDays: 15 },
      ]),
    jumps: z
      .object({
        /** Expected jumps per symbol per year (Poisson intensity λ). */
        intensityPerYear: z.number().nonnegative('must not be negative'),
        /** Mean μ_J and standard deviation σ_J of each jump's log size. */
        meanLogJump: z.number(),
        logJumpVolatility: z.number().nonnegative('must not be negative'),
      })
      .strict()
      .default({ intensityPerYear: 4, meanLogJump: -0.01, logJumpVolatility: 0.04 }),
    /** Correlation ρ of every pair of symbols' diffusion through one market factor. */
    correlation: z.number().min(0).max(0.999).default(0.4),
    /** Share of a day's variance that falls overnight (shows as the opening gap). */
    overnightVarianceFraction: z.number().min(0).max(0.95).default(0.2),
  })
  .strict()
  .superRefine((config, context) => {
    const names = config.regimes.map((regime) => regime.name);
    config.regimes.forEach((regime, index) => {
      if (names.indexOf(regime.name) !== index) context.addIssue({ code: 'custom', path: ['regimes', index, 'name'], message: `${regime.name} is listed twice` });
      for (const next of Object.keys(regime.next ?? {})) {
        if (!names.includes(next)) context.addIssue({ code: 'custom', path: ['regimes', index, 'next', next], message: 'is not a regime name' });
      }
    });
    const symbols = config.symbols.map((entry) => entry.symbol);
    symbols.forEach((name, index) => {
      if (symbols.indexOf(name) !== index) context.addIssue({ code: 'custom', path: ['symbols', index, 'symbol'], message: `${name} is listed twice` });
    });
  });

export type SyntheticMarketConfig = z.output<typeof syntheticMarketConfigSchema>;
export type SyntheticMarketConfigInput = z.input<typeof syntheticMarketConfigSchema>;

export function parseSyntheticMarketConfig(input: unknown, source = 'synthetic market config'): SyntheticMarketConfig {
  const parsed = syntheticMarketConfigSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError(source, describeIssues(parsed.error));
  return parsed.data;
}

/** A switch of the market-wide regime: ground truth for testing break detectors. */
export interface RegimeChange {
  at: Date;
  from: string;
  to: string;
}

export interface SyntheticMarketObserver {
  onRegimeChange?(change: RegimeChange): void;
}

interface SymbolPath {
  config: SyntheticMarketConfig['symbols'][number];
  random: SeededRandomStream;
  tick: Decimal;
  /** The tick as a float, for counting ticks; prices themselves are built from the decimal tick. */
  tickNumber: number;
  logPrice: number;
  referenceVolatility: number;
}

/**
 * Seeded synthetic market data: for each symbol a geometric Brownian motion with Merton jumps whose
 * drift and volatility follow a market-wide Markov-switching regime, sampled on the exchange
 * calendar's sessions (minute bars in regular hours, or one bar per session), with quotes from a
 * spread model. The same config and calendar always give the same events. See docs/market-data.md.
 */
export function* generateSyntheticMarket(
  config: SyntheticMarketConfig,
  calendar: ExchangeCalendar,
  observer: SyntheticMarketObserver = {},
): Generator<MarketEvent> {
  const market = SeededRandomStream.derive(config.seed, 'market');
  const { regimes, jumps, correlation } = config;
  const jumpCompensation = jumps.intensityPerYear * (Math.exp(jumps.meanLogJump + jumps.logJumpVolatility ** 2 / 2) - 1);
  const regimeNames = regimes.map((regime) => regime.name);
  let regimeIndex = 0;
  const paths: SymbolPath[] = config.symbols.map((symbolConfig) => ({
    config: symbolConfig,
    random: SeededRandomStream.derive(config.seed, `symbol:${symbolConfig.symbol}`),
    tick: new Decimal(symbolConfig.tickSize),
    tickNumber: Number(symbolConfig.tickSize),
    logPrice: Math.log(Number(symbolConfig.initialPrice)),
    referenceVolatility: regimes[0]!.volatility * symbolConfig.volatilityScale,
  }));

  const advanceRegime = (dtYears: number, at: Date): void => {
    const regime = regimes[regimeIndex]!;
    const leaveProbability = 1 - Math.exp((-dtYears * TRADING_DAYS_PER_YEAR) / regime.meanDurationDays);
    if (regimes.length < 2 || market.uniform() >= leaveProbability) return;
    const weights = regimeNames.map((name, index) => (index === regimeIndex ? 0 : (regime.next ? (regime.next[name] ?? 0) : 1)));
    if (!weights.some((weight) => weight > 0)) return;
    const next = market.weighted(weights);
    observer.onRegimeChange?.({ at, from: regime.name, to: regimes[next]!.name });
    regimeIndex = next;
  };

  /** One step of the regime and of every symbol's log price over `dtYears`. */
  const stepAll = (dtYears: number, at: Date): void => {
    advanceRegime(dtYears, at);
    const regime = regimes[regimeIndex]!;
    const marketShock = market.normal();
    for (const path of paths) {
      const volatility = regime.volatility * path.config.volatilityScale;
      const diffusion = Math.sqrt(correlation) * marketShock + Math.sqrt(1 - correlation) * path.random.normal();
      const jumpCount = path.random.poisson(jumps.intensityPerYear * dtYears);
      let jump = 0;
      for (let index = 0; index < jumpCount; index += 1) jump += jumps.meanLogJump + jumps.logJumpVolatility * path.random.normal();
      path.logPrice += (regime.drift - volatility ** 2 / 2 - jumpCompensation) * dtYears + volatility * Math.sqrt(dtYears) * diffusion + jump;
    }
  };

  const segments = Math.max(1, config.quotesPerBar);
  let session: TradingSession | null = null;
  let date = calendar.isTradingDay(config.start) ? config.start : calendar.nextTradingDay(config.start);
  for (let day = 0; day < config.tradingDays; day += 1) {
    if (day > 0) date = calendar.nextTradingDay(date);
    const previous: TradingSession | null = session;
    session = calendar.session(date) as TradingSession;
    if (previous) stepAll(config.overnightVarianceFraction / TRADING_DAYS_PER_YEAR, session.open);

    const sessionMinutes = (session.close.getTime() - session.open.getTime()) / MILLISECONDS_PER_MINUTE;
    const barMinutes = config.barInterval === '1m' ? 1 : sessionMinutes;
    const intradayYearsPerMinute = (1 - config.overnightVarianceFraction) / TRADING_DAYS_PER_YEAR / REGULAR_SESSION_MINUTES;
    const barYears = intradayYearsPerMinute * barMinutes;
    const segmentYears = barYears / segments;
    const barMilliseconds = barMinutes * MILLISECONDS_PER_MINUTE;

    for (let start = session.open.getTime(); start + barMilliseconds <= session.close.getTime(); start += barMilliseconds) {
      const points = paths.map((path) => [path.logPrice]);
      const highs = paths.map((path) => path.logPrice);
      const lows = paths.map((path) => path.logPrice);
      const volatilities = paths.map(() => 0);
      for (let segment = 1; segment <= segments; segment += 1) {
        const at = new Date(start + Math.floor((segment * barMilliseconds) / segments));
        stepAll(segmentYears, at);
        const regime = regimes[regimeIndex]!;
        paths.forEach((path, index) => {
          const from = points[index]![segment - 1]!;
          const to = path.logPrice;
          points[index]!.push(to);
          const variance = (regime.volatility * path.config.volatilityScale) ** 2 * segmentYears;
          highs[index] = Math.max(highs[index]!, bridgeExtreme(from, to, variance, path.random.uniformPositive(), 1));
          lows[index] = Math.min(lows[index]!, bridgeExtreme(from, to, variance, path.random.uniformPositive(), -1));
          volatilities[index] = regime.volatility * path.config.volatilityScale;
        });
      }
      if (config.quotesPerBar > 0) {
        for (let segment = 0; segment < segments; segment += 1) {
          const timestamp = new Date(start + Math.floor((segment * barMilliseconds) / segments));
          for (const [index, path] of paths.entries()) {
            yield { kind: 'quote', quote: makeQuote(path, timestamp, Math.exp(points[index]![segment]!), volatilities[index]!) };
          }
        }
      }
      const end = new Date(start + barMilliseconds);
      for (const [index, path] of paths.entries()) {
        const pathPoints = points[index]!;
        const open = pathPoints[0]!;
        const close = pathPoints[pathPoints.length - 1]!;
        const standardized = (close - open) / (volatilities[index]! * Math.sqrt(barYears));
        const volumeNoise = Math.exp(VOLUME_NOISE * path.random.normal() - VOLUME_NOISE ** 2 / 2);
        const volume = Math.round(
          ((path.config.dailyVolume * barMinutes) / REGULAR_SESSION_MINUTES) * volumeNoise * ((1 + Math.abs(standardized)) / (1 + MEAN_ABSOLUTE_NORMAL)),
        );
        const bar: Bar = {
          timestamp: end,
          symbol: path.config.symbol,
          open: toTick(Math.exp(open), path),
          high: toTick(Math.exp(highs[index]!), path),
          low: toTick(Math.exp(lows[index]!), path),
          close: toTick(Math.exp(close), path),
          volume: new Decimal(volume),
        };
        yield { kind: 'bar', bar };
      }
    }
  }
}

/** The same events as an async iterable, the shape every source has. */
export async function* syntheticMarketData(
  config: SyntheticMarketConfig,
  calendar: ExchangeCalendar,
  observer: SyntheticMarketObserver = {},
): AsyncGenerator<MarketEvent> {
  yield* generateSyntheticMarket(config, calendar, observer);
}

/**
 * A sample of the maximum (`direction` 1) or minimum (−1) of a Brownian bridge from `from` to `to`
 * with total variance `variance`: P(max ≥ m) = exp(−2(m − from)(m − to) / variance), inverted at u.
 */
function bridgeExtreme(from: number, to: number, variance: number, u: number, direction: 1 | -1): number {
  return (from + to + direction * Math.sqrt((to - from) ** 2 - 2 * variance * Math.log(u))) / 2;
}

/**
 * Nearest tick, never below one tick. Counting ticks in floating point and multiplying the decimal
 * tick keeps prices exact multiples of the tick; rounding is monotone, so high ≥ open, close ≥ low
 * survives it.
 */
function toTick(price: number, path: SymbolPath): Decimal {
  return path.tick.mul(Math.max(1, Math.round(price / path.tickNumber)));
}

function makeQuote(path: SymbolPath, timestamp: Date, mid: number, volatility: number): Quote {
  const { random, tick, tickNumber, config } = path;
  const spreadNoise = Math.exp(SPREAD_NOISE * random.normal() - SPREAD_NOISE ** 2 / 2);
  const spread = mid * (config.spreadBps / 10_000) * (volatility / path.referenceVolatility) * spreadNoise;
  const bidTicks = Math.max(1, Math.floor((mid - spread / 2) / tickNumber));
  const askTicks = Math.max(bidTicks + 1, Math.ceil((mid + spread / 2) / tickNumber));
  const size = () => new Decimal((1 + Math.floor(-Math.log(random.uniformPositive()) * config.meanQuoteLots)) * config.lotSize);
  return { timestamp, symbol: config.symbol, bid: tick.mul(bidTicks), ask: tick.mul(askTicks), bidSize: size(), askSize: size() };
}
