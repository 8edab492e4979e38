import { createReadStream, existsSync, openSync, readSync, closeSync } from 'node:fs';
import { basename } from 'node:path';
import { ValidationError } from '@tollgate/kernel';
import type { ExchangeCalendar } from '@tollgate/domain/calendar';
import {
  parseBarsCsv,
  parseQuotesCsv,
  parseSyntheticMarketConfig,
  syntheticMarketData,
  type MarketEvent,
  type SyntheticMarketConfig,
} from '@tollgate/domain/market-data';

/** Where a run's market data comes from: `synthetic`, or a CSV file of bars or of quotes. */
export interface MarketSource {
  /** Names the feed in events and logs: `synthetic` or `csv:<file name>`. */
  feed: string;
  /** The bar length when the source knows it (`BarRecorded.interval`). */
  barInterval: string | null;
  events(): AsyncIterable<MarketEvent>;
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
  return { feed: 'synthetic', barInterval: '1m', events: () => syntheticMarketData(config, calendar) };
}

/** A CSV of bars (`timestamp,symbol,open,high,low,close,volume`) or quotes (`timestamp,symbol,bid,ask,bid_size,ask_size`), told apart by its header. */
export function csvSource(path: string): MarketSource {
  if (!existsSync(path)) throw new ValidationError('market data', [`${path}: the file does not exist`]);
  const header = firstLine(path).toLowerCase();
  const name = basename(path);
  const quotes = header.split(',').map((column) => column.trim()).includes('bid');
  return {
    feed: `csv:${name}`,
    barInterval: null,
    events: () => (quotes ? quoteEvents(path, name) : barEvents(path, name)),
  };
}

async function* quoteEvents(path: string, name: string): AsyncGenerator<MarketEvent> {
  for await (const quote of parseQuotesCsv(createReadStream(path), { source: name })) yield { kind: 'quote', quote };
}

async function* barEvents(path: string, name: string): AsyncGenerator<MarketEvent> {
  for await (const bar of parseBarsCsv(createReadStream(path), { source: name })) yield { kind: 'bar', bar };
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
