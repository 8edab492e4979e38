import { createReadStream, existsSync, openSync, readSync, closeSync } from 'node:fs';
import { basename } from 'node:path';
import type { BrokerQuote, MarketQuotePort } from '@tollgate/contracts';
import { dec, ValidationError } from '@tollgate/kernel';
import type { ExchangeCalendar } from '@tollgate/domain/calendar';
import {
  barFromRow,
  parseSyntheticMarketConfig,
  quoteFromRow,
  readBarRows,
  readQuoteRows,
  QuoteBarAggregator,
  syntheticMarketData,
  type BarRow,
  type MarketEvent,
  type Quote,
  type QuoteRow,
  type SyntheticMarketConfig,
} from '@tollgate/domain/market-data';

/** Ticks as rows checked for form, a batch at a time, their decimals still strings (see `MarketSource.batches`). */
export type TickBatch = { kind: 'quote'; rows: QuoteRow[] } | { kind: 'bar'; rows: BarRow[] };

/** Where a run's market data comes from: `synthetic`, a CSV file of bars or of quotes, or the broker. */
export interface MarketSource {
  /** Names the feed in events and logs: `synthetic`, `csv:<file name>` or `broker:<name>`. */
  feed: string;
  /** The bar length when the source knows it (`BarRecorded.interval`). */
  barInterval: string | null;
  /**
   * A live source delivers the market as it happens, timestamped by its venue: it is not replayed at a
   * speed, and its "market time" is the wall clock. A recorded or synthetic one is replayed.
   */
  live: boolean;
  events(): AsyncIterable<MarketEvent>;
  /**
   * The same ticks as `events()`, a batch of rows at a time (a CSV file's): the feed's fast path, one
   * promise per batch rather than several per tick, and decimals built only where the validator needs them.
   */
  batches?(): AsyncIterable<TickBatch>;
  /** Releases what the source holds (a live source's connection); idempotent. */
  close?(): Promise<void>;
}

/** Plausible opening prices for the default instruments; any other symbol opens at 100. */
const OPENING_PRICES: Readonly<Record<string, string>> = {
  SPY: '470', QQQ: '400', IWM: '200', TLT: '95', GLD: '190', AAPL: '185', MSFT: '375', NVDA: '480',
  AMZN: '150', GOOGL: '140', META: '350', JPM: '170', XOM: '100', JNJ: '160', 'BRK.B': '360',
};

export interface SyntheticSourceOptions {
  seed: number;
  symbols: readonly string[];
  /** First session: this date or the next trading day after it. */
  start: string;
  tradingDays: number;
  quotesPerBar?: number;
}

export function syntheticSource(options: SyntheticSourceOptions, calendar: ExchangeCalendar): MarketSource {
  const config: SyntheticMarketConfig = parseSyntheticMarketConfig(
    {
      seed: options.seed,
      start: options.start,
      tradingDays: options.tradingDays,
      barInterval: '1m',
      quotesPerBar: options.quotesPerBar ?? 4,
      symbols: options.symbols.map((symbol) => ({ symbol, initialPrice: OPENING_PRICES[symbol] ?? '100' })),
    },
    'synthetic market settings',
  );
  return { feed: 'synthetic', barInterval: '1m', live: false, events: () => syntheticMarketData(config, calendar) };
}

/** A CSV of bars (`timestamp,symbol,open,high,low,close,volume`) or quotes (`timestamp,symbol,bid,ask,bid_size,ask_size`), told apart by its header. */
export function csvSource(path: string): MarketSource {
  if (!existsSync(path)) throw new ValidationError('market data', [`${path}: the file does not exist`]);
  const header = firstLine(path).toLowerCase();
  const name = basename(path);
  const quotes = header.split(',').map((column) => column.trim()).includes('bid');
  const batches = (): AsyncGenerator<TickBatch> => (quotes ? quoteBatches(path, name) : barBatches(path, name));
  return {
    feed: `csv:${name}`,
    barInterval: null,
    live: false,
    batches,
    events: () => eventsOf(batches()),
  };
}

async function* quoteBatches(path: string, name: string): AsyncGenerator<TickBatch> {
  for await (const rows of readQuoteRows(createReadStream(path), { source: name })) yield { kind: 'quote', rows };
}

async function* barBatches(path: string, name: string): AsyncGenerator<TickBatch> {
  for await (const rows of readBarRows(createReadStream(path), { source: name })) yield { kind: 'bar', rows };
}

async function* eventsOf(batches: AsyncIterable<TickBatch>): AsyncGenerator<MarketEvent> {
  for await (const batch of batches) {
    if (batch.kind === 'quote') for (const row of batch.rows) yield { kind: 'quote', quote: quoteFromRow(row) };
    else for (const row of batch.rows) yield { kind: 'bar', bar: barFromRow(row) };
  }
}

function firstLine(path: string): string {
  const descriptor = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(4096);
    const read = readSync(descriptor, buffer, 0, buffer.length, 0);
    return buffer.subarray(0, read).toString('utf8').replace(/^\uFEFF/, '').split(/\r?\n/)[0] ?? '';
  } finally {
    closeSync(descriptor);
  }
}

export interface BrokerSourceOptions {
  /** The broker's market data (Alpaca's Market Data API in SANDBOX_PAPER and LIVE). */
  port: MarketQuotePort;
  symbols: readonly string[];
  /** Milliseconds between two polls of the latest quotes. */
  pollMs: number;
  /** Length of the bars built from the quotes, e.g. `1m`. */
  barInterval: string;
  /** Ends the polling (shutdown): a poll in flight or a wait between polls is abandoned at once. */
  signal: AbortSignal;
  /** A poll that failed; the next poll asks again, and a silence that lasts is the stale-feed detector's to raise. */
  onPollFailed(error: unknown, consecutiveFailures: number): void;
  now?: () => Date;
}

/**
 * The broker's market data, live: polls the latest quotes of the symbols every `pollMs`, yields each quote
 * once (a symbol's quote is new when its broker timestamp changed) with the broker's timestamp, and the
 * bars built from them (mid OHLC on epoch-aligned intervals). A bar closes when a later interval's quote
 * arrives, or once a poll interval has passed after its end — by then the broker has shown every quote it
 * timestamped inside it. A bar whose interval began before the source started is incomplete (the run
 * began part-way through it): it is not yielded, so a restart never records a partial bar as whole.
 */
export function brokerSource(options: BrokerSourceOptions): MarketSource {
  if (!Number.isInteger(options.pollMs) || options.pollMs <= 0) throw new RangeError(`pollMs must be a positive whole number of milliseconds, got ${options.pollMs}`);
  const aggregator = new QuoteBarAggregator(options.barInterval);
  const now = options.now ?? (() => new Date());
  return {
    feed: `broker:${options.port.name}`,
    barInterval: options.barInterval,
    live: true,
    events: () => brokerEvents(options, aggregator, now),
    close: () => options.port.close(),
  };
}

async function* brokerEvents(options: BrokerSourceOptions, aggregator: QuoteBarAggregator, now: () => Date): AsyncGenerator<MarketEvent> {
  const startedAt = now().getTime();
  const lastTimestamp = new Map<string, string>();
  const complete = (bars: ReturnType<QuoteBarAggregator['flush']>): MarketEvent[] =>
    bars.filter((bar) => bar.timestamp.getTime() - aggregator.intervalMs >= startedAt).map((bar) => ({ kind: 'bar', bar }));
  let failures = 0;
  while (!options.signal.aborted) {
    let quotes: BrokerQuote[] | null = null;
    try {
      quotes = await untilAborted(options.port.latestQuotes(options.symbols), options.signal);
      failures = 0;
    } catch (error) {
      if (options.signal.aborted) return;
      failures += 1;
      options.onPollFailed(error, failures);
    }
    const fresh = (quotes ?? [])
      .filter((quote) => lastTimestamp.get(quote.symbol) !== quote.timestamp)
      .map((quote) => ({ text: quote.timestamp, quote: toQuote(quote) }))
      .sort((a, b) => a.quote.timestamp.getTime() - b.quote.timestamp.getTime());
    for (const { text, quote } of fresh) {
      lastTimestamp.set(quote.symbol, text);
      // A one-sided (price 0) or crossed quote has no meaningful mid: it is yielded, for the validator to reject, but builds no bar.
      if (quote.bid.gt(0) && quote.ask.gte(quote.bid)) yield* complete(aggregator.add(quote));
      yield { kind: 'quote', quote };
    }
    yield* complete(aggregator.flush(new Date(now().getTime() - options.pollMs)));
    await pause(options.pollMs, options.signal);
  }
}

function toQuote(quote: BrokerQuote): Quote {
  return {
    timestamp: new Date(quote.timestamp),
    symbol: quote.symbol,
    bid: dec(quote.bid, 'bid'),
    ask: dec(quote.ask, 'ask'),
    bidSize: dec(quote.bidSize, 'bidSize'),
    askSize: dec(quote.askSize, 'askSize'),
  };
}

function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error('stopped'));
  return new Promise<T>((resolve, reject) => {
    const stop = () => reject(new Error('stopped'));
    signal.addEventListener('abort', stop, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', stop));
  });
}

function pause(milliseconds: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, milliseconds);
    signal.addEventListener('abort', done, { once: true });
  });
}
