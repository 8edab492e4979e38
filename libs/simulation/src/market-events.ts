import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { ExchangeCalendar } from '@tollgate/domain/calendar';
import {
  collectAsync,
  parseBarsCsv,
  parseQuotesCsv,
  parseSyntheticMarketConfig,
  generateSyntheticMarket,
  TickValidator,
  type Bar,
  type MarketEvent,
  type Quote,
  type TickRejectionReason,
} from '@tollgate/domain/market-data';
import { dec, Decimal, Rounding, ValidationError } from '@tollgate/kernel';

/**
 * The market a simulation replays, decided before it starts so its length is known (for progress) and
 * its symbols configure the services:
 *
 * - `synthetic`: the seeded synthetic market (minute bars with quotes) on the exchange calendar;
 * - a CSV of Tollgate bars (`timestamp,symbol,open,high,low,close,volume`) or quotes
 *   (`timestamp,symbol,bid,ask,bid_size,ask_size`), as `tollgate run --market-data` reads them;
 * - a CSV of daily bars indexed by date (`date,open,high,low,close[,volume][,…]`, e.g. vega-datasets'
 *   `sp500-2000.csv`), one symbol (`symbol`), each bar stamped at its session's close.
 *
 * Every tick passes the TickValidator, as the market-data service's do; rejected ticks are counted.
 * A source with bars only gets quotes derived from each bar — one at its open, one at its close, a
 * `derivedSpreadBps` spread around the price — because execution, risk and the exit rules work on
 * quotes: the open quote is where orders placed at the previous close fill.
 */
export type SimulationSource =
  | { kind: 'synthetic'; seed: number; tradingDays: number; symbols: readonly string[]; start: string; quotesPerBar?: number }
  | { kind: 'csv'; path: string; symbol?: string };

export interface SimulationMarket {
  feed: string;
  /** `1m`, `1d` or null when the source does not say. */
  barInterval: string | null;
  /** True when the quotes were derived from the bars. */
  derivedQuotes: boolean;
  symbols: string[];
  events: MarketEvent[];
  rejected: Partial<Record<TickRejectionReason, number>>;
  firstAt: string | null;
  lastAt: string | null;
}

export interface PrepareOptions {
  calendar: ExchangeCalendar;
  /** Tick of derived quotes, per symbol. */
  tickSize: (symbol: string) => Decimal;
  derivedSpreadBps?: Decimal;
  /** Displayed size of a derived quote, each side, in shares. */
  derivedQuoteSize?: Decimal;
}

const OPENING_PRICES: Readonly<Record<string, string>> = { SPY: '470', QQQ: '400', IWM: '200', AAPL: '185', MSFT: '375', NVDA: '480' };

export async function prepareMarket(source: SimulationSource, options: PrepareOptions): Promise<SimulationMarket> {
  if (source.kind === 'synthetic') return synthetic(source, options);
  const text = readFileSync(source.path, 'utf8').replace(/^\uFEFF/, '');
  const header = (text.split(/\r?\n/, 1)[0] ?? '').toLowerCase().split(',').map((column) => column.trim());
  const name = basename(source.path);
  if (header.includes('bid')) {
    const quotes = await collectAsync(parseQuotesCsv(text, { source: name }));
    return validated(`csv:${name}`, null, quotes.map((quote) => ({ kind: 'quote', quote })), false, options);
  }
  if (header.includes('timestamp') && header.includes('symbol')) {
    const bars = await collectAsync(parseBarsCsv(text, { source: name }));
    return validated(`csv:${name}`, null, bars.map((bar) => ({ kind: 'bar', bar })), true, options);
  }
  if (header.includes('date')) {
    const bars = dailyBars(text, name, source.symbol ?? 'SPY', options.calendar);
    return validated(`csv:${name}`, '1d', bars.map((bar) => ({ kind: 'bar', bar })), true, options);
  }
  throw new ValidationError(name, [`header: expected Tollgate bars (timestamp,symbol,open,high,low,close,volume), quotes (timestamp,symbol,bid,ask,bid_size,ask_size) or daily bars (date,open,high,low,close[,volume]); got ${header.join(',')}`]);
}

function synthetic(source: Extract<SimulationSource, { kind: 'synthetic' }>, options: PrepareOptions): SimulationMarket {
  const config = parseSyntheticMarketConfig(
    {
      seed: source.seed,
      start: source.start,
      tradingDays: source.tradingDays,
      barInterval: '1m',
      quotesPerBar: source.quotesPerBar ?? 4,
      symbols: source.symbols.map((symbol) => ({ symbol, initialPrice: OPENING_PRICES[symbol] ?? '100' })),
    },
    'synthetic market settings',
  );
  return validated('synthetic', '1m', [...generateSyntheticMarket(config, options.calendar)], false, options);
}

/** `date,open,high,low,close[,volume]` rows (other columns ignored) as bars stamped at each session's close. */
function dailyBars(text: string, name: string, symbol: string, calendar: ExchangeCalendar): Bar[] {
  const rows = parse(text, { columns: (header: string[]) => header.map((column) => column.trim().toLowerCase()), skip_empty_lines: true, trim: true }) as Array<Record<string, string>>;
  const missing = ['open', 'high', 'low', 'close'].filter((column) => !(column in (rows[0] ?? {})));
  if (rows.length > 0 && missing.length > 0) throw new ValidationError(name, [`header: missing column ${missing.join(', ')}`]);
  return rows.map((row, index) => {
    const line = index + 2;
    const session = calendar.isTradingDay(row.date ?? '') ? calendar.session(row.date!) : null;
    if (!session) throw new ValidationError(`${name} line ${line}`, [`date: ${JSON.stringify(row.date)} is not a trading day on ${calendar.exchange}`]);
    const field = (column: string) => {
      try {
        return dec(row[column] ?? '', column);
      } catch {
        throw new ValidationError(`${name} line ${line}`, [`${column}: must be a decimal like "12.34", got ${JSON.stringify(row[column])}`]);
      }
    };
    return { timestamp: session.close, symbol, open: field('open'), high: field('high'), low: field('low'), close: field('close'), volume: row.volume === undefined ? new Decimal(0) : field('volume') };
  });
}

function validated(feed: string, interval: string | null, raw: MarketEvent[], barsOnly: boolean, options: PrepareOptions): SimulationMarket {
  raw.sort((left, right) => timeOf(left) - timeOf(right));
  const symbols = [...new Set(raw.map((event) => (event.kind === 'quote' ? event.quote.symbol : event.bar.symbol)))].sort();
  const validator = new TickValidator({ symbols });
  const events: MarketEvent[] = [];
  const previousBar = new Map<string, Bar>();
  for (const event of raw) {
    if (event.kind === 'quote') {
      const verdict = validator.validateQuote(event.quote);
      if (verdict.accepted) events.push({ kind: 'quote', quote: verdict.tick });
      continue;
    }
    const verdict = validator.validateBar(event.bar);
    if (!verdict.accepted) continue;
    if (barsOnly) events.push(...derivedQuotes(verdict.tick, previousBar.get(verdict.tick.symbol) ?? null, options));
    previousBar.set(verdict.tick.symbol, verdict.tick);
    events.push({ kind: 'bar', bar: verdict.tick });
  }
  const counts = validator.counts();
  const rejected = Object.fromEntries(Object.entries(counts.rejected).filter(([, count]) => count > 0)) as SimulationMarket['rejected'];
  return {
    feed,
    barInterval: interval,
    derivedQuotes: barsOnly,
    symbols,
    events,
    rejected,
    firstAt: events.length ? new Date(timeOf(events[0]!)).toISOString() : null,
    lastAt: events.length ? new Date(timeOf(events.at(-1)!)).toISOString() : null,
  };
}

/** A quote at the bar's open and one at its close, `derivedSpreadBps` wide around the price, on the tick. */
function derivedQuotes(bar: Bar, previous: Bar | null, options: PrepareOptions): MarketEvent[] {
  const session = sessionClosingAt(bar.timestamp, options.calendar);
  // A daily bar opens at its session's open; an intraday bar where the previous one ended.
  const openAt = session ? session.open : previous ? previous.timestamp : new Date(bar.timestamp.getTime() - 60_000);
  const quotes: MarketEvent[] = [];
  if (openAt.getTime() < bar.timestamp.getTime()) quotes.push({ kind: 'quote', quote: quoteAround(bar.symbol, bar.open, new Date(openAt.getTime() + 1), options) });
  quotes.push({ kind: 'quote', quote: quoteAround(bar.symbol, bar.close, bar.timestamp, options) });
  return quotes;
}

function sessionClosingAt(instant: Date, calendar: ExchangeCalendar) {
  try {
    const session = calendar.session(instant);
    return session && session.close.getTime() === instant.getTime() ? session : null;
  } catch {
    return null;
  }
}

function quoteAround(symbol: string, price: Decimal, timestamp: Date, options: PrepareOptions): Quote {
  const tick = options.tickSize(symbol);
  const spreadBps = options.derivedSpreadBps ?? new Decimal(2);
  const half = Decimal.max(tick, price.mul(spreadBps).div(20_000));
  const bid = Decimal.max(tick, Rounding.priceToTick(price.minus(half), tick, 'buy'));
  const ask = Decimal.max(bid.plus(tick), Rounding.priceToTick(price.plus(half), tick, 'sell'));
  const size = options.derivedQuoteSize ?? new Decimal(100_000);
  return { timestamp, symbol, bid, ask, bidSize: size, askSize: size };
}

function timeOf(event: MarketEvent): number {
  return event.kind === 'quote' ? event.quote.timestamp.getTime() : event.bar.timestamp.getTime();
}
