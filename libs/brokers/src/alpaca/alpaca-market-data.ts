import { marketData } from '@alpacahq/alpaca-trade-api';
import { z } from 'zod';
import { BrokerUnavailableError, describeIssues, type BrokerQuote, type MarketQuotePort } from '@tollgate/contracts';
import { Decimal, decString, ValidationError } from '@tollgate/kernel';
import { admitBrokerConfiguration, type TradingMode } from '../configuration-check';
import { ALPACA_ENVIRONMENT, loadAlpacaCredentials, type AlpacaCredentials, type Environment } from '../credentials';
import { toBrokerError } from './errors';

/**
 * Where the Market Data API is. SDK 4.x reads no variable for it (its `Configuration` takes `basePath`);
 * this is the name Alpaca's Python SDK documents for the same setting.
 */
export const ALPACA_DATA_URL_VARIABLE = 'APCA_API_DATA_URL';

/** Alpaca's market-data hosts: one for paper and live accounts alike, and the data sandbox. */
const DATA_HOST = new URL(marketData.MARKET_DATA_HOST).hostname;
const DATA_SANDBOX_HOST = new URL(marketData.MARKET_DATA_SANDBOX_HOST).hostname;
const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\]|::1)$/;

/** Alpaca does not document a cap on symbols per latest-quotes call; a URL of a few hundred stays short. */
const SYMBOLS_PER_REQUEST = 200;

export interface AlpacaMarketDataOptions {
  credentials: AlpacaCredentials;
  /** The Market Data API base URL (see `marketDataUrlFor`). */
  dataBaseUrl: string;
  /** The port's name in feed names, events and errors. */
  name?: string;
  /** Alpaca's stock feed: `iex` (what a free account gets) unless told otherwise. */
  feed?: marketData.StockLatestFeed;
  /** Per-request deadline; a poll past it is UNKNOWN, and the next poll asks again. */
  timeoutMs?: number;
  /** The SDK's client-side throttle; Alpaca's basic data plan allows about 200 requests a minute. */
  rateLimit?: { maxRequests: number; intervalMs: number } | false;
}

/**
 * Latest quotes from Alpaca's Market Data API v2 (`GET /v2/stocks/quotes/latest`) through the official
 * SDK's `StockApi`. The SDK parses the body into JS numbers, and Alpaca sends prices as JSON numbers, so
 * the raw response is read here with every number kept as its text, then checked against the documented
 * shape: a price reaches Tollgate as the decimal Alpaca wrote, or the poll fails saying what was wrong.
 * No SDK retry: the poller asks again on its next tick, with fresher data than a retry would get.
 */
export class AlpacaMarketData implements MarketQuotePort {
  readonly name: string;
  private readonly stocks: marketData.StockApi;
  private readonly feed: marketData.StockLatestFeed;

  constructor(options: AlpacaMarketDataOptions) {
    this.name = options.name ?? 'alpaca';
    this.feed = options.feed ?? 'iex';
    const rateLimit = options.rateLimit === undefined ? { maxRequests: 190, intervalMs: 60_000 } : options.rateLimit;
    this.stocks = new marketData.StockApi(
      new marketData.Configuration({
        basePath: options.dataBaseUrl,
        keyId: options.credentials.keyId,
        secret: options.credentials.secret.reveal(),
        timeoutMs: options.timeoutMs ?? 5_000,
        rateLimit: rateLimit === false ? undefined : rateLimit,
      }),
    );
  }

  async latestQuotes(symbols: readonly string[]): Promise<BrokerQuote[]> {
    const unique = [...new Set(symbols)];
    const quotes: BrokerQuote[] = [];
    for (let start = 0; start < unique.length; start += SYMBOLS_PER_REQUEST) {
      const batch = unique.slice(start, start + SYMBOLS_PER_REQUEST);
      let text: string;
      try {
        const response = await this.stocks.stockLatestQuotesRaw({ symbols: batch.join(','), feed: this.feed });
        text = await response.raw.text();
      } catch (error) {
        throw toBrokerError(this.name, 'latestQuotes', error);
      }
      quotes.push(...readLatestQuotes(text, batch, this.name));
    }
    return quotes;
  }

  async close(): Promise<void> {
    // Each poll is a plain request that has finished by the time it resolves: nothing stays open.
  }
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** A JSON number kept as text (see `parseJsonKeepingNumbers`), to an exact plain decimal string. */
const nonNegativeDecimal = z
  .string({ error: 'must be a number' })
  .regex(/^\d+(\.\d+)?([eE][+-]?\d+)?$/, 'must be a non-negative number')
  .transform((text) => decString(new Decimal(text)));

/** Alpaca's `StockQuote`: only what Tollgate reads is required; exchange codes, conditions and tape may vary. */
const alpacaQuote = z.object({
  t: z.string({ error: 'must be an RFC 3339 timestamp' }).regex(RFC3339, 'must be an RFC 3339 timestamp'),
  bp: nonNegativeDecimal,
  bs: nonNegativeDecimal,
  ap: nonNegativeDecimal,
  as: nonNegativeDecimal,
});

const latestQuotesAnswer = z.object({
  quotes: z.record(z.string(), alpacaQuote, { error: 'must be an object of quotes by symbol' }),
});

/**
 * Reads a latest-quotes answer. An answer that is not JSON, not Alpaca's shape, or carries a symbol that
 * was not asked for is unreadable: BrokerUnavailableError naming each field that was wrong.
 */
export function readLatestQuotes(text: string, asked: readonly string[], broker = 'alpaca'): BrokerQuote[] {
  let body: unknown;
  try {
    body = parseJsonKeepingNumbers(text);
  } catch (error) {
    throw new BrokerUnavailableError(broker, 'latestQuotes', `the answer was not JSON (${(error as Error).message}): ${text.slice(0, 200)}`);
  }
  const parsed = latestQuotesAnswer.safeParse(body);
  if (!parsed.success) {
    throw new BrokerUnavailableError(broker, 'latestQuotes', `the answer was not Alpaca's latest-quotes shape: ${describeIssues(parsed.error).join('; ')}`);
  }
  const unasked = Object.keys(parsed.data.quotes).filter((symbol) => !asked.includes(symbol));
  if (unasked.length > 0) throw new BrokerUnavailableError(broker, 'latestQuotes', `the answer carried symbols that were not asked for: ${unasked.join(', ')}`);
  return Object.entries(parsed.data.quotes).map(([symbol, quote]) => ({
    symbol,
    bid: quote.bp,
    ask: quote.ap,
    bidSize: quote.bs,
    askSize: quote.as,
    timestamp: quote.t,
  }));
}

const NUMBER_TOKEN = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * `JSON.parse`, except that every number comes back as the text it was written as: a price must not pass
 * through a binary float (Node 20's `JSON.parse` cannot hand a reviver the source text).
 */
export function parseJsonKeepingNumbers(text: string): unknown {
  let quoted = '';
  let copiedUpTo = 0;
  let index = 0;
  while (index < text.length) {
    const char = text[index]!;
    if (char === '"') {
      index += 1;
      while (index < text.length && text[index] !== '"') index += text[index] === '\\' ? 2 : 1;
      index += 1;
      continue;
    }
    if (char === '-' || (char >= '0' && char <= '9')) {
      NUMBER_TOKEN.lastIndex = index;
      const token = NUMBER_TOKEN.exec(text)?.[0];
      if (token) {
        quoted += `${text.slice(copiedUpTo, index)}"${token}"`;
        index += token.length;
        copiedUpTo = index;
        continue;
      }
    }
    index += 1;
  }
  return JSON.parse(quoted + text.slice(copiedUpTo)) as unknown;
}

/**
 * The Market Data API base URL for a configuration: `APCA_API_DATA_URL` when set; else the trading base
 * URL when that is a local broker sandbox (it serves both APIs, with its own prices); else Alpaca's data
 * host. The keys go wherever this points, so only Alpaca's data hosts (https) or a loopback sandbox are
 * accepted, and LIVE accepts only Alpaca's production data host: live orders on any other prices are refused.
 */
export function marketDataUrlFor(mode: TradingMode, credentials: AlpacaCredentials, env: Environment): string {
  const explicit = env[ALPACA_DATA_URL_VARIABLE]?.trim();
  const url = (explicit || (LOOPBACK.test(hostOf(credentials.baseUrl) ?? '') ? credentials.baseUrl : marketData.MARKET_DATA_HOST)).replace(/\/+$/, '');
  const host = hostOf(url);
  const named = explicit ? `${ALPACA_DATA_URL_VARIABLE} (${explicit})` : `the market-data URL derived from ${ALPACA_ENVIRONMENT.baseUrl} (${url})`;
  if (host === null) throw new ValidationError('Alpaca market data', [`${named}: not a URL`]);
  const alpacaHost = host === DATA_HOST || host === DATA_SANDBOX_HOST;
  if (!alpacaHost && !LOOPBACK.test(host)) throw new ValidationError('Alpaca market data', [`${named}: host ${host} is neither Alpaca's (${DATA_HOST}, ${DATA_SANDBOX_HOST}) nor a local sandbox`]);
  if (alpacaHost && !url.startsWith('https://')) throw new ValidationError('Alpaca market data', [`${named}: ${host} must use https`]);
  if (mode === 'LIVE' && host !== DATA_HOST) throw new ValidationError('Alpaca market data', [`${named}: LIVE takes its prices from ${DATA_HOST} only, not ${host}`]);
  return url;
}

export interface MarketQuotesFactoryInput {
  mode: TradingMode;
  dryRun: boolean;
  /** Where APCA_* are read (default process.env). */
  env?: Environment;
  /** Adapter settings other than the credentials and the URL. */
  alpaca?: Omit<AlpacaMarketDataOptions, 'credentials' | 'dataBaseUrl'>;
}

/**
 * The broker's market data for a mode, through the same gate as the broker port (`createBrokerFor`):
 * `checkBrokerConfiguration` (C19) must accept the environment first, and the credentials come from
 * `loadAlpacaCredentials`. SIMULATED has no broker market data (its venue trades on the replayed market).
 */
export function createMarketQuotesFor(input: MarketQuotesFactoryInput): MarketQuotePort {
  if (input.mode === 'SIMULATED') throw new Error('SIMULATED mode has no broker market data: it trades on the synthetic market or a CSV');
  const env = admitBrokerConfiguration(input.mode, input.dryRun, input.env ?? process.env);
  const credentials = loadAlpacaCredentials(env);
  return new AlpacaMarketData({ ...input.alpaca, credentials, dataBaseUrl: marketDataUrlFor(input.mode, credentials, env) });
}

function hostOf(url: string): string | null {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return null;
  }
}
