import type { BrokerAccount, BrokerFill, BrokerOrder, BrokerOrderStatus, BrokerPosition, OrderSide, OrderType, TimeInForce } from '@tollgate/contracts';
import { dec, decString, isDecimalString, ValidationError } from '@tollgate/kernel';

/**
 * Alpaca's wire shapes (snake_case, numbers as strings) to the broker port's types. The SDK's models
 * keep the raw snake_case keys beside the camelCase ones, so these read the raw keys: timestamps keep
 * their full precision and nothing passes through a JS Date or number.
 */
export type AlpacaJson = Record<string, unknown>;

const PORT_STATUSES: ReadonlySet<string> = new Set([
  'new',
  'accepted',
  'partially_filled',
  'filled',
  'canceled',
  'expired',
  'rejected',
  'pending_cancel',
  'pending_replace',
  'replaced',
]);

/**
 * Alpaca has more statuses than the port. Only statuses the venue confirmed as final map to final
 * port statuses (failure mode 8); everything else stays working.
 */
export function mapOrderStatus(status: string, filledQuantity: string): BrokerOrderStatus {
  if (PORT_STATUSES.has(status)) return status as BrokerOrderStatus;
  const partly = isDecimalString(filledQuantity) && dec(filledQuantity).gt(0);
  switch (status) {
    case 'pending_new':
    case 'accepted_for_bidding':
    case 'held':
    case 'suspended':
    case 'stopped':
      return partly ? 'partially_filled' : 'accepted';
    case 'done_for_day':
    case 'calculated':
      // Not final at Alpaca: a GTC order resumes the next day; settlement figures may still move.
      return partly ? 'partially_filled' : 'accepted';
    default:
      return partly ? 'partially_filled' : 'accepted';
  }
}

export function mapOrderSide(side: string, positionIntent: unknown): OrderSide {
  if (side === 'sell') return positionIntent === 'sell_to_open' ? 'sell_short' : 'sell';
  if (side === 'buy') return positionIntent === 'buy_to_close' ? 'buy_to_cover' : 'buy';
  throw new ValidationError('alpaca order', [`side: unexpected ${JSON.stringify(side)}`]);
}

/** The port's side as Alpaca wants it: buy/sell, with the intent for shorts so Alpaca does not guess. */
export function toAlpacaSide(side: OrderSide): { side: 'buy' | 'sell'; positionIntent?: 'sell_to_open' | 'buy_to_close' } {
  switch (side) {
    case 'buy':
      return { side: 'buy' };
    case 'sell':
      return { side: 'sell' };
    case 'sell_short':
      return { side: 'sell', positionIntent: 'sell_to_open' };
    case 'buy_to_cover':
      return { side: 'buy', positionIntent: 'buy_to_close' };
  }
}

function mapOrderType(type: string): OrderType {
  if (type === 'market' || type === 'limit' || type === 'stop' || type === 'stop_limit') return type;
  // A trailing stop (only placed outside Tollgate) is a stop whose price moves.
  if (type === 'trailing_stop') return 'stop';
  throw new ValidationError('alpaca order', [`type: unexpected ${JSON.stringify(type)}`]);
}

function mapTimeInForce(value: string): TimeInForce {
  if (value === 'day' || value === 'gtc' || value === 'ioc') return value;
  if (value === 'fok') return 'ioc';
  return 'day'; // opg / cls: single-session orders
}

export function mapOrder(raw: AlpacaJson): BrokerOrder {
  const id = text(raw, 'id');
  const quantity = decimalOr(raw, 'qty', '0');
  const filledQuantity = decimalOr(raw, 'filled_qty', '0');
  const submittedAt = timestamp(raw, 'submitted_at') ?? timestamp(raw, 'created_at') ?? new Date(0).toISOString();
  return {
    brokerOrderId: id,
    clientOrderId: text(raw, 'client_order_id'),
    symbol: text(raw, 'symbol'),
    side: mapOrderSide(text(raw, 'side'), raw.position_intent),
    type: mapOrderType(text(raw, 'type', 'order_type')),
    timeInForce: mapTimeInForce(text(raw, 'time_in_force')),
    quantity,
    filledQuantity,
    averageFillPrice: decimalOrNull(raw, 'filled_avg_price'),
    limitPrice: decimalOrNull(raw, 'limit_price'),
    stopPrice: decimalOrNull(raw, 'stop_price'),
    status: mapOrderStatus(text(raw, 'status'), filledQuantity),
    submittedAt,
    updatedAt: timestamp(raw, 'updated_at') ?? submittedAt,
  };
}

export function mapPosition(raw: AlpacaJson): BrokerPosition {
  const quantity = dec(decimalOr(raw, 'qty', '0'));
  // Alpaca reports shorts with side "short"; keep the port's sign convention whichever way qty is signed.
  const signed = raw.side === 'short' && quantity.gt(0) ? quantity.neg() : quantity;
  return { symbol: text(raw, 'symbol'), quantity: decString(signed), averagePrice: decimalOr(raw, 'avg_entry_price', '0') };
}

export function mapAccount(raw: AlpacaJson): BrokerAccount {
  return {
    accountId: text(raw, 'id'),
    currency: typeof raw.currency === 'string' ? raw.currency : 'USD',
    cash: decimalOr(raw, 'cash', '0'),
    equity: decimalOr(raw, 'equity', '0'),
    buyingPower: decimalOr(raw, 'buying_power', '0'),
  };
}

/**
 * One fill's id, the same whether it came over the stream or from account activities: the order id and
 * the order's cumulative filled quantity after it. Both paths carry both (the activity's `order_id` and
 * `cum_qty`; the stream's order `id` and `filled_qty`), and a replayed update repeats them.
 */
export function fillIdFor(brokerOrderId: string, cumulativeQuantity: string): string {
  return `${brokerOrderId}/${decString(dec(cumulativeQuantity, 'cumulative quantity'))}`;
}

/** A FILL activity as a port fill; the client order id comes from the order (activities do not carry it). */
export function mapFillActivity(raw: AlpacaJson, clientOrderId: string): BrokerFill {
  const brokerOrderId = text(raw, 'order_id');
  return {
    fillId: fillIdFor(brokerOrderId, decimalOr(raw, 'cum_qty', '0')),
    brokerOrderId,
    clientOrderId,
    symbol: text(raw, 'symbol'),
    side: text(raw, 'side') === 'buy' ? 'buy' : 'sell',
    quantity: decimalOr(raw, 'qty', '0'),
    price: decimalOr(raw, 'price', '0'),
    fee: '0',
    filledAt: timestamp(raw, 'transaction_time') ?? new Date(0).toISOString(),
  };
}

/** A `fill` / `partial_fill` trade update as a port fill. */
export function mapStreamFill(update: AlpacaJson, order: BrokerOrder): BrokerFill {
  return {
    fillId: fillIdFor(order.brokerOrderId, order.filledQuantity),
    brokerOrderId: order.brokerOrderId,
    clientOrderId: order.clientOrderId,
    symbol: order.symbol,
    side: order.side === 'buy' || order.side === 'buy_to_cover' ? 'buy' : 'sell',
    quantity: decimalOr(update, 'qty', '0'),
    price: decimalOr(update, 'price', '0'),
    fee: '0',
    filledAt: timestamp(update, 'timestamp') ?? order.updatedAt,
  };
}

function text(raw: AlpacaJson, field: string, fallbackField?: string): string {
  const value = raw[field] ?? (fallbackField ? raw[fallbackField] : undefined);
  if (typeof value !== 'string' || value === '') throw new ValidationError('alpaca response', [`${field}: expected a string, got ${JSON.stringify(value)}`]);
  return value;
}

function decimalOrNull(raw: AlpacaJson, field: string): string | null {
  const value = raw[field];
  if (value === null || value === undefined || value === '') return null;
  const textValue = typeof value === 'number' ? String(value) : value;
  if (!isDecimalString(textValue)) throw new ValidationError('alpaca response', [`${field}: expected a decimal string, got ${JSON.stringify(value)}`]);
  return decString(dec(textValue));
}

function decimalOr(raw: AlpacaJson, field: string, fallback: string): string {
  return decimalOrNull(raw, field) ?? fallback;
}

function timestamp(raw: AlpacaJson, field: string): string | null {
  const value = raw[field];
  if (value instanceof Date) return value.toISOString();
  if (typeof value !== 'string' || value === '') return null;
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) throw new ValidationError('alpaca response', [`${field}: expected a timestamp, got ${JSON.stringify(value)}`]);
  // Keep sub-millisecond digits Alpaca sends (RFC 3339 with nanoseconds) by normalizing only the zone.
  return /Z$/.test(value) ? value : new Date(parsed).toISOString();
}
