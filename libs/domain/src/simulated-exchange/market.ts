import { dec, DomainError, ZERO, type Decimal, type DecimalString } from '@tollgate/kernel';

/** A top-of-book quote as the simulator is fed it. Sizes are in shares; without them liquidity is unlimited. */
export interface SimulatedQuote {
  symbol: string;
  /** ISO-8601 with zone. */
  timestamp: string;
  bid: DecimalString;
  ask: DecimalString;
  bidSize?: DecimalString;
  askSize?: DecimalString;
}

/** A bar, stamped with its start time: an order active at that time sees the whole bar. */
export interface SimulatedBar {
  symbol: string;
  timestamp: string;
  open: DecimalString;
  high: DecimalString;
  low: DecimalString;
  close: DecimalString;
  volume: DecimalString;
}

export interface Quote {
  symbol: string;
  at: string;
  bid: Decimal;
  ask: Decimal;
  bidSize?: Decimal;
  askSize?: Decimal;
}

export interface Bar {
  symbol: string;
  at: string;
  open: Decimal;
  high: Decimal;
  low: Decimal;
  close: Decimal;
  volume: Decimal;
}

/** What the exchange last saw of a symbol and how much of the standing quote orders already took. */
export interface StandingQuote extends Quote {
  takenByBuys: Decimal;
  takenBySells: Decimal;
}

/** Market data is not kept as events: after a restart the feed replays it (docs/order-lifecycle.md). */
export interface MarketView {
  quotes: Readonly<Record<string, StandingQuote>>;
  /** The last price seen per symbol (quote mid or bar close), for marking the account. */
  lastPrices: Readonly<Record<string, Decimal>>;
}

export const emptyMarketView: MarketView = { quotes: {}, lastPrices: {} };

function timestampOf(value: string, what: string): string {
  if (Number.isNaN(Date.parse(value))) throw new DomainError('INVALID_MARKET_DATA', `${what} timestamp=${JSON.stringify(value)} is not a timestamp`);
  return value;
}

export function parseQuote(quote: SimulatedQuote): Quote {
  const what = `quote for ${quote.symbol}`;
  const bid = dec(quote.bid, `${what} bid`);
  const ask = dec(quote.ask, `${what} ask`);
  if (!bid.gt(0) || !ask.gt(0)) throw new DomainError('INVALID_MARKET_DATA', `${what} has a non-positive price: bid=${quote.bid}, ask=${quote.ask}`);
  if (ask.lt(bid)) throw new DomainError('INVALID_MARKET_DATA', `${what} is crossed: bid=${quote.bid} above ask=${quote.ask}`);
  return {
    symbol: quote.symbol,
    at: timestampOf(quote.timestamp, what),
    bid,
    ask,
    ...(quote.bidSize === undefined ? {} : { bidSize: dec(quote.bidSize, `${what} bidSize`) }),
    ...(quote.askSize === undefined ? {} : { askSize: dec(quote.askSize, `${what} askSize`) }),
  };
}

export function parseBar(bar: SimulatedBar): Bar {
  const what = `bar for ${bar.symbol}`;
  const parsed: Bar = {
    symbol: bar.symbol,
    at: timestampOf(bar.timestamp, what),
    open: dec(bar.open, `${what} open`),
    high: dec(bar.high, `${what} high`),
    low: dec(bar.low, `${what} low`),
    close: dec(bar.close, `${what} close`),
    volume: dec(bar.volume, `${what} volume`),
  };
  const consistent =
    parsed.low.gt(0) &&
    parsed.high.gte(parsed.open) &&
    parsed.high.gte(parsed.close) &&
    parsed.low.lte(parsed.open) &&
    parsed.low.lte(parsed.close) &&
    !parsed.volume.isNegative();
  if (!consistent) throw new DomainError('INVALID_MARKET_DATA', `${what} is inconsistent: open=${bar.open} high=${bar.high} low=${bar.low} close=${bar.close} volume=${bar.volume}`);
  return parsed;
}

export function midOf(quote: Quote): Decimal {
  return quote.bid.plus(quote.ask).div(2);
}

export function observeQuote(market: MarketView, quote: Quote): MarketView {
  return {
    quotes: { ...market.quotes, [quote.symbol]: { ...quote, takenByBuys: ZERO, takenBySells: ZERO } },
    lastPrices: { ...market.lastPrices, [quote.symbol]: midOf(quote) },
  };
}

export function observeBar(market: MarketView, bar: Bar): MarketView {
  return { ...market, lastPrices: { ...market.lastPrices, [bar.symbol]: bar.close } };
}

/** Records what fills against the standing quote took, so the next order sees only what is left. */
export function takeFromStandingQuote(market: MarketView, symbol: string, side: 'buy' | 'sell', quantity: Decimal): MarketView {
  const quote = market.quotes[symbol];
  if (!quote) return market;
  const taken = side === 'buy' ? { takenByBuys: quote.takenByBuys.plus(quantity) } : { takenBySells: quote.takenBySells.plus(quantity) };
  return { ...market, quotes: { ...market.quotes, [symbol]: { ...quote, ...taken } } };
}
