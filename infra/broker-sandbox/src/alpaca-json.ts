import { dec, decString, Decimal, deterministicId, ZERO } from '@tollgate/kernel';
import type { FillActivity, OrderState, PositionState, SandboxBook } from './book';

/**
 * Renders the sandbox's state in the JSON shapes of Alpaca's Trading API v2: snake_case keys, every
 * number a string, absent values `null`.
 */
export function assetIdFor(symbol: string): string {
  return deterministicId('sandbox-asset', symbol);
}

export function orderJson(order: OrderState): Record<string, unknown> {
  return {
    id: order.id,
    client_order_id: order.clientOrderId,
    created_at: order.createdAt,
    updated_at: order.updatedAt,
    submitted_at: order.createdAt,
    filled_at: order.status === 'filled' ? order.filledAt : null,
    expired_at: order.expiredAt,
    canceled_at: order.canceledAt,
    failed_at: null,
    replaced_at: order.replacedAt,
    replaced_by: order.replacedBy,
    replaces: order.replaces,
    asset_id: order.assetId,
    symbol: order.symbol,
    asset_class: 'us_equity',
    notional: null,
    qty: order.qty,
    filled_qty: order.filledQty,
    filled_avg_price: order.filledAvgPrice,
    order_class: '',
    order_type: order.type,
    type: order.type,
    side: order.side,
    position_intent: order.positionIntent,
    time_in_force: order.timeInForce,
    limit_price: order.limitPrice,
    stop_price: order.stopPrice,
    status: order.status,
    extended_hours: order.extendedHours,
    legs: null,
    trail_percent: null,
    trail_price: null,
    hwm: null,
    expires_at: null,
  };
}

export function fillActivityJson(fill: FillActivity): Record<string, unknown> {
  return {
    id: fill.id,
    activity_type: 'FILL',
    transaction_time: fill.transactionTime,
    type: fill.type,
    price: fill.price,
    qty: fill.qty,
    side: fill.side,
    symbol: fill.symbol,
    leaves_qty: fill.leavesQty,
    order_id: fill.orderId,
    cum_qty: fill.cumQty,
    order_status: fill.orderStatus,
  };
}

export function positionJson(position: PositionState, book: SandboxBook): Record<string, unknown> {
  const current = book.markPrice(position.symbol) ?? position.avgEntryPrice;
  const costBasis = position.qty.mul(position.avgEntryPrice);
  const marketValue = position.qty.mul(current);
  const unrealized = marketValue.minus(costBasis);
  const percent = costBasis.isZero() ? ZERO : unrealized.div(costBasis.abs());
  return {
    asset_id: position.assetId,
    symbol: position.symbol,
    exchange: 'NASDAQ',
    asset_class: 'us_equity',
    asset_marginable: true,
    qty: decString(position.qty),
    qty_available: decString(position.qty),
    avg_entry_price: decString(position.avgEntryPrice.toDecimalPlaces(6)),
    side: position.qty.isNeg() ? 'short' : 'long',
    market_value: money(marketValue),
    cost_basis: money(costBasis),
    unrealized_pl: money(unrealized),
    unrealized_plpc: decString(percent.toDecimalPlaces(6)),
    unrealized_intraday_pl: money(unrealized),
    unrealized_intraday_plpc: decString(percent.toDecimalPlaces(6)),
    current_price: decString(current.toDecimalPlaces(4)),
    lastday_price: decString(current.toDecimalPlaces(4)),
    change_today: '0',
  };
}

export interface AccountFigures {
  cash: Decimal;
  longMarketValue: Decimal;
  shortMarketValue: Decimal;
  equity: Decimal;
  buyingPower: Decimal;
}

/** Cash account semantics (multiplier 1): buying power is cash less what open buy orders have reserved. */
export function accountFigures(book: SandboxBook): AccountFigures {
  let longMarketValue = ZERO;
  let shortMarketValue = ZERO;
  for (const position of book.positions.values()) {
    const value = position.qty.mul(book.markPrice(position.symbol) ?? position.avgEntryPrice);
    if (value.isNeg()) shortMarketValue = shortMarketValue.plus(value);
    else longMarketValue = longMarketValue.plus(value);
  }
  let reserved = ZERO;
  for (const order of book.workingOrders()) {
    if (order.side !== 'buy') continue;
    const price = order.limitPrice ? dec(order.limitPrice) : (book.markPrice(order.symbol) ?? ZERO);
    reserved = reserved.plus(book.remaining(order).mul(price));
  }
  const equity = book.cash.plus(longMarketValue).plus(shortMarketValue);
  return { cash: book.cash, longMarketValue, shortMarketValue, equity, buyingPower: Decimal.max(ZERO, book.cash.minus(reserved)) };
}

export function accountJson(book: SandboxBook, accountId: string, accountNumber: string, createdAt: string): Record<string, unknown> {
  const figures = accountFigures(book);
  return {
    id: accountId,
    account_number: accountNumber,
    status: 'ACTIVE',
    crypto_status: 'INACTIVE',
    currency: 'USD',
    cash: money(figures.cash),
    portfolio_value: money(figures.equity),
    equity: money(figures.equity),
    last_equity: money(figures.equity),
    long_market_value: money(figures.longMarketValue),
    short_market_value: money(figures.shortMarketValue),
    buying_power: money(figures.buyingPower),
    regt_buying_power: money(figures.buyingPower),
    daytrading_buying_power: '0',
    non_marginable_buying_power: money(figures.buyingPower),
    initial_margin: '0',
    maintenance_margin: '0',
    last_maintenance_margin: '0',
    sma: '0',
    multiplier: '1',
    daytrade_count: 0,
    pattern_day_trader: false,
    trading_blocked: false,
    transfers_blocked: false,
    account_blocked: false,
    trade_suspended_by_user: false,
    shorting_enabled: true,
    accrued_fees: '0',
    pending_transfer_in: '0',
    pending_transfer_out: '0',
    created_at: createdAt,
  };
}

function money(value: Decimal): string {
  return decString(value.toDecimalPlaces(2, Decimal.ROUND_HALF_EVEN), 2);
}

/**
 * A decimal that Alpaca's Market Data API sends as a JSON number (prices and sizes are numbers there,
 * strings in the Trading API). It is written into the JSON text as it stands, never through a JS number.
 */
export class JsonNumber {
  constructor(readonly text: string) {
    if (!/^-?\d+(\.\d+)?$/.test(text)) throw new Error(`not a decimal for a JSON number: ${JSON.stringify(text)}`);
  }
}

const NUMBER_MARK = '#json-number#';
const MARKED_NUMBER = new RegExp(`"${NUMBER_MARK}(-?\\d+(?:\\.\\d+)?)${NUMBER_MARK}"`, 'g');

/** JSON text of a value in which every `JsonNumber` is a bare number token. */
export function jsonWithNumbers(value: unknown): string {
  const marked = JSON.stringify(value, (_key, item: unknown) => (item instanceof JsonNumber ? `${NUMBER_MARK}${item.text}${NUMBER_MARK}` : item));
  return marked.replace(MARKED_NUMBER, '$1');
}

/**
 * A quote in the Market Data API v2 shape (`StockQuote`): `t` RFC 3339, `bp`/`ap` prices and `bs`/`as`
 * sizes in shares as numbers, `bx`/`ax` exchange codes (`V` is IEX, the feed a paper account gets),
 * `c` condition flags (`R`: regular two-sided quote), `z` the tape (`C`: Nasdaq-listed, as the
 * sandbox's positions say).
 */
export function quoteJson(quote: { bid: string; ask: string; bidSize: string; askSize: string; at: string }): Record<string, unknown> {
  return {
    t: quote.at,
    ax: 'V',
    ap: new JsonNumber(quote.ask),
    as: new JsonNumber(quote.askSize),
    bx: 'V',
    bp: new JsonNumber(quote.bid),
    bs: new JsonNumber(quote.bidSize),
    c: ['R'],
    z: 'C',
  };
}
