import { jsonWithNumbers, quoteJson } from './alpaca-json';
import { failures, type SandboxVenue } from './venue';

/** What a market-data route answers: the JSON text is built here, since its numbers must be exact. */
export interface MarketDataReply {
  status: number;
  json: string;
}

/** Feeds Alpaca's `feed` parameter accepts for stocks; the sandbox has one book, so all give the same quotes. */
const FEEDS = new Set(['iex', 'sip', 'delayed_sip', 'boats', 'overnight', 'otc']);

/**
 * The Market Data API v2 routes the SDK's `StockApi` calls for the latest quotes, answered from the
 * venue's current quote of each symbol (the one its orders execute against):
 * `GET /v2/stocks/quotes/latest?symbols=A,B` and `GET /v2/stocks/{symbol}/quotes/latest`.
 * Returns null for any other path.
 */
export function marketDataRoute(venue: SandboxVenue, method: string, url: URL): MarketDataReply | null {
  const path = url.pathname;
  if (!path.startsWith('/v2/stocks/')) return null;
  const single = /^\/v2\/stocks\/([^/]+)\/quotes\/latest$/.exec(path);
  if (path !== '/v2/stocks/quotes/latest' && !single) return null;
  if (method !== 'GET') throw failures.notFound(`endpoint not found: ${method} ${path}`);
  const currency = checkCommonParameters(url.searchParams);
  if (single) {
    const symbol = decodeURIComponent(single[1]!);
    return ok({ symbol, quote: quoteJson(venue.latestQuote(symbol)), ...currency });
  }
  const symbols = symbolsParameter(url.searchParams.get('symbols'));
  // Every symbol is checked before any walk starts: a bad list changes nothing.
  for (const symbol of symbols) if (!/^[A-Z][A-Z0-9.]{0,9}$/.test(symbol)) throw failures.invalidParameter(`invalid symbol: ${symbol}`);
  const quotes = Object.fromEntries(symbols.map((symbol) => [symbol, quoteJson(venue.latestQuote(symbol))]));
  return ok({ quotes, ...currency });
}

function symbolsParameter(value: string | null): string[] {
  if (value === null || value.trim() === '') throw failures.invalidParameter('symbols is required');
  const symbols = value.split(',').map((item) => item.trim());
  const empty = symbols.findIndex((symbol) => symbol === '');
  if (empty !== -1) throw failures.invalidParameter(`invalid symbols: entry ${empty + 1} of "${value}" is empty`);
  return [...new Set(symbols)];
}

/** `feed` and `currency` as Alpaca takes them; answers carry `currency` only when it was asked for. */
function checkCommonParameters(query: URLSearchParams): { currency?: string } {
  const feed = query.get('feed');
  if (feed !== null && !FEEDS.has(feed)) throw failures.invalidParameter(`invalid feed: ${feed} (one of ${[...FEEDS].join(', ')})`);
  const currency = query.get('currency');
  if (currency === null) return {};
  if (currency !== 'USD') throw failures.invalidParameter(`invalid currency: ${currency} (the sandbox quotes in USD only)`);
  return { currency };
}

function ok(body: unknown): MarketDataReply {
  return { status: 200, json: jsonWithNumbers(body) };
}
