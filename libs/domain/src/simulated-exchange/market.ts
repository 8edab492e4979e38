import { dec, Decimal, DomainError, ZERO, type DecimalString } from '@tollgate/kernel';

/** A decimal string (as on the wire) or a Decimal (as in the market-data domain). */
type DecimalInput = DecimalString | Decimal;

/**
 * A top-of-book quote as the simulator is fed it: the wire message or the market-data domain's
 * ExchangeQuote both fit. Sizes are in shares; without them liquidity at the touch is unlimited.
 */
export interface SimulatedQuote {
  symbol: string;
  /** ISO-8601 with zone, or a Date. */
  timestamp: string | Date;
  bid: DecimalInput;
  ask: DecimalInput;
  bidSize?: DecimalInput;
  askSize?: DecimalInput;
}

/** A bar stamped at the END of its interval, as the market-data domain stamps bars. */
export interface SimulatedBar {
  symbol: string;
  timestamp: string | Date;
  open: DecimalInput;
  high: DecimalInput;
  low: DecimalInput;
  close: DecimalInput;
  volume: DecimalInput;
}

export interface ExchangeQuote {
  symbol: string;
  at: string;
  bid: Decimal;
  ask: Decimal;
  bidSize?: Decimal;
  askSize?: Decimal;
}

export interface ExchangeBar {
  symbol: string;
  at: string;
  open: Decimal;
  high: Decimal;
  low: Decimal;
  close: Decimal;
  volume: Decimal;
}

/** What the exchange last saw of a symbol and how much of the standing quote orders already took. */
export interface StandingQuote extends ExchangeQuote {
  takenByBuys: Decimal;
  takenBySells: Decimal;
}

/** Market data is not kept as events: after a restart the feed replays it (docs/order-lifecycle.md). */
export interface MarketView {
  quotes: Readonly<Record<string, StandingQuote>>;
  /** The last price seen per symbol (quote mid or bar close), for marking the account. */
  lastPrices: Readonly<Record<string, Decimal>>;
  /** When the last bar of each symbol closed: the next bar opened then. */
  barClosedAt: Readonly<Record<string, string>>;
}

export const emptyMarketView: MarketView = { quotes: {}, lastPrices: {}, barClosedAt: {} };

function timestampOf(value: string | Date, what: string): string {
  const time = value instanceof Date ? value.getTime() : Date.parse(value);
  if (Number.isNaN(time)) throw new DomainError('INVALID_MARKET_DATA', `${what} timestamp=${JSON.stringify(value)} is not a timestamp`);
  return new Date(time).toISOString();
}

function decimalOf(value: DecimalInput, field: string): Decimal {
  return value instanceof Decimal ? value : dec(value, field);
}

export function parseQuote(quote: SimulatedQuote): ExchangeQuote {
  const what = `quote for ${quote.symbol}`;
  const bid = decimalOf(quote.bid, `${what} bid`);
  const ask = decimalOf(quote.ask, `${what} ask`);
  if (!bid.gt(0) || !ask.gt(0)) throw new DomainError('INVALID_MARKET_DATA', `${what} has a non-positive price: bid=${quote.bid}, ask=${quote.ask}`);
  if (ask.lt(bid)) throw new DomainError('INVALID_MARKET_DATA', `${what} is crossed: bid=${quote.bid} above ask=${quote.ask}`);
  return {
    symbol: quote.symbol,
    at: timestampOf(quote.timestamp, what),
    bid,
    ask,
    ...(quote.bidSize === undefined ? {} : { bidSize: decimalOf(quote.bidSize, `${what} bidSize`) }),
    ...(quote.askSize === undefined ? {} : { askSize: decimalOf(quote.askSize, `${what} askSize`) }),
  };
}

export function parseBar(bar: SimulatedBar): ExchangeBar {
  const what = `bar for ${bar.symbol}`;
  const parsed: ExchangeBar = {
    symbol: bar.symbol,
    at: timestampOf(bar.timestamp, what),
    open: decimalOf(bar.open, `${what} open`),
    high: decimalOf(bar.high, `${what} high`),
    low: decimalOf(bar.low, `${what} low`),
    close: decimalOf(bar.close, `${what} close`),
    volume: decimalOf(bar.volume, `${what} volume`),
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

export function midOf(quote: ExchangeQuote): Decimal {
  return quote.bid.plus(quote.ask).div(2);
}

export function observeQuote(market: MarketView, quote: ExchangeQuote): MarketView {
  return {
    ...market,
    quotes: { ...market.quotes, [quote.symbol]: { ...quote, takenByBuys: ZERO, takenBySells: ZERO } },
    lastPrices: { ...market.lastPrices, [quote.symbol]: midOf(quote) },
  };
}

export function observeBar(market: MarketView, bar: ExchangeBar): MarketView {
  return {
    ...market,
    lastPrices: { ...market.lastPrices, [bar.symbol]: bar.close },
    barClosedAt: { ...market.barClosedAt, [bar.symbol]: bar.at },
  };
}

/** Records what fills against the standing quote took, so the next order sees only what is left. */
export function takeFromStandingQuote(market: MarketView, symbol: string, side: 'buy' | 'sell', quantity: Decimal): MarketView {
  const quote = market.quotes[symbol];
  if (!quote) return market;
  const taken = side === 'buy' ? { takenByBuys: quote.takenByBuys.plus(quantity) } : { takenBySells: quote.takenBySells.plus(quantity) };
  return { ...market, quotes: { ...market.quotes, [symbol]: { ...quote, ...taken } } };
}
