import { dec, decString, type Decimal } from '@tollgate/kernel';
import type { BarMessage, QuoteMessage } from '@tollgate/contracts';

/** The best bid and offer at an instant. Prices and sizes are decimals; sizes are in shares. */
export interface Quote {
  timestamp: Date;
  symbol: string;
  bid: Decimal;
  ask: Decimal;
  bidSize: Decimal;
  askSize: Decimal;
}

/**
 * One interval's open, high, low, close and volume. `timestamp` is the END of the interval — the
 * instant the bar became known — so a replay can never hand a strategy a bar before it closed.
 * A daily bar's timestamp is its session's close.
 */
export interface Bar {
  timestamp: Date;
  symbol: string;
  open: Decimal;
  high: Decimal;
  low: Decimal;
  close: Decimal;
  volume: Decimal;
}

/** What a market-data source yields, in timestamp order. */
export type MarketEvent = { kind: 'quote'; quote: Quote } | { kind: 'bar'; bar: Bar };

export function marketEventTime(event: MarketEvent): Date {
  return event.kind === 'quote' ? event.quote.timestamp : event.bar.timestamp;
}

export function marketEventSymbol(event: MarketEvent): string {
  return event.kind === 'quote' ? event.quote.symbol : event.bar.symbol;
}

export function quoteMid(quote: Quote): Decimal {
  return quote.bid.plus(quote.ask).div(2);
}

export function quoteToMessage(quote: Quote): QuoteMessage {
  return {
    timestamp: quote.timestamp.toISOString(),
    symbol: quote.symbol,
    bid: decString(quote.bid),
    ask: decString(quote.ask),
    bidSize: decString(quote.bidSize),
    askSize: decString(quote.askSize),
  };
}

export function barToMessage(bar: Bar): BarMessage {
  return {
    timestamp: bar.timestamp.toISOString(),
    symbol: bar.symbol,
    open: decString(bar.open),
    high: decString(bar.high),
    low: decString(bar.low),
    close: decString(bar.close),
    volume: decString(bar.volume),
  };
}

/** From a message already checked against `quoteMessage`. */
export function quoteFromMessage(message: QuoteMessage): Quote {
  return {
    timestamp: new Date(message.timestamp),
    symbol: message.symbol,
    bid: dec(message.bid, 'bid'),
    ask: dec(message.ask, 'ask'),
    bidSize: dec(message.bidSize, 'bidSize'),
    askSize: dec(message.askSize, 'askSize'),
  };
}

/** From a message already checked against `barMessage`. */
export function barFromMessage(message: BarMessage): Bar {
  return {
    timestamp: new Date(message.timestamp),
    symbol: message.symbol,
    open: dec(message.open, 'open'),
    high: dec(message.high, 'high'),
    low: dec(message.low, 'low'),
    close: dec(message.close, 'close'),
    volume: dec(message.volume, 'volume'),
  };
}
