import type { DecimalString } from '@tollgate/kernel';

/**
 * The broker port: one interface, several adapters (simulated exchange, Alpaca paper/live).
 * Every quantity and price is a decimal string. A query that fails throws BrokerUnavailableError:
 * the answer is UNKNOWN, never an empty list or a zero.
 */
export type OrderSide = 'buy' | 'sell' | 'sell_short' | 'buy_to_cover';
export type OrderType = 'market' | 'limit' | 'stop' | 'stop_limit';
export type TimeInForce = 'day' | 'gtc' | 'ioc';

export interface OrderRequest {
  clientOrderId: string;
  symbol: string;
  side: OrderSide;
  type: OrderType;
  quantity: DecimalString;
  limitPrice?: DecimalString;
  stopPrice?: DecimalString;
  timeInForce: TimeInForce;
}

export type BrokerOrderStatus =
  | 'new'
  | 'accepted'
  | 'partially_filled'
  | 'filled'
  | 'canceled'
  | 'expired'
  | 'rejected'
  | 'pending_cancel'
  | 'pending_replace'
  | 'replaced';

export interface BrokerOrder {
  brokerOrderId: string;
  clientOrderId: string;
  symbol: string;
  side: OrderSide;
  type: OrderType;
  timeInForce: TimeInForce;
  quantity: DecimalString;
  filledQuantity: DecimalString;
  averageFillPrice: DecimalString | null;
  limitPrice: DecimalString | null;
  stopPrice: DecimalString | null;
  status: BrokerOrderStatus;
  submittedAt: string;
  updatedAt: string;
  rejectReason?: string;
}

export interface BrokerFill {
  /** The broker's own id for the execution; used to dedupe adopted fills. */
  fillId: string;
  brokerOrderId: string;
  clientOrderId: string;
  symbol: string;
  side: 'buy' | 'sell';
  quantity: DecimalString;
  price: DecimalString;
  fee: DecimalString;
  filledAt: string;
}

export interface BrokerPosition {
  symbol: string;
  /** Signed: negative is short. */
  quantity: DecimalString;
  averagePrice: DecimalString;
}

export interface BrokerAccount {
  accountId: string;
  currency: string;
  cash: DecimalString;
  equity: DecimalString;
  buyingPower: DecimalString;
}

export type BrokerUpdate =
  | { kind: 'accepted'; order: BrokerOrder }
  | { kind: 'fill'; order: BrokerOrder; fill: BrokerFill }
  | { kind: 'canceled'; order: BrokerOrder }
  | { kind: 'expired'; order: BrokerOrder }
  | { kind: 'rejected'; order: BrokerOrder; reason: string }
  | { kind: 'replaced'; order: BrokerOrder; replacedBy: BrokerOrder }
  | { kind: 'disconnected'; reason: string }
  | { kind: 'reconnected' };

export interface ReplaceRequest {
  newClientOrderId: string;
  quantity?: DecimalString;
  limitPrice?: DecimalString;
  stopPrice?: DecimalString;
}

export interface BrokerPort {
  readonly name: string;
  /** Throws BrokerRejectedError when the venue refuses; BrokerUnavailableError when the outcome is unknown. */
  submit(order: OrderRequest): Promise<BrokerOrder>;
  cancel(clientOrderId: string): Promise<void>;
  replace(clientOrderId: string, changes: ReplaceRequest): Promise<BrokerOrder>;
  /** null means the broker answered and has no such order; a failed lookup throws. */
  getOrder(clientOrderId: string): Promise<BrokerOrder | null>;
  openOrders(): Promise<BrokerOrder[]>;
  positions(): Promise<BrokerPosition[]>;
  /** Fills after the cursor (exclusive), oldest first, with the cursor to pass next time. */
  fillsSince(cursor: string | null): Promise<{ fills: BrokerFill[]; cursor: string | null }>;
  account(): Promise<BrokerAccount>;
  /** Live order updates; returns an unsubscribe function. */
  onUpdate(listener: (update: BrokerUpdate) => void): () => void;
  close(): Promise<void>;
}

/**
 * The best bid and offer a broker reports for a symbol. Prices and sizes are decimal strings (a price of
 * 0 means that side has no active quote, as Alpaca documents); `timestamp` is the broker's own time of
 * the quote (RFC 3339, as received), never the time it was fetched.
 */
export interface BrokerQuote {
  symbol: string;
  bid: DecimalString;
  ask: DecimalString;
  bidSize: DecimalString;
  askSize: DecimalString;
  timestamp: string;
}

/**
 * Market data from the broker (SANDBOX_PAPER and LIVE): the prices the account's orders execute
 * against, on the broker's clock. Failures throw as BrokerPort's do: BrokerUnavailableError when the
 * answer is unknown or unreadable, BrokerRejectedError when the broker refused the request.
 */
export interface MarketQuotePort {
  readonly name: string;
  /** The latest quote of each symbol the broker has one for; a symbol it has none for is absent. */
  latestQuotes(symbols: readonly string[]): Promise<BrokerQuote[]>;
  close(): Promise<void>;
}

/** The outcome is unknown (time-out, network, 5xx, 429): ask again, never assume. */
export class BrokerUnavailableError extends Error {
  override name = 'BrokerUnavailableError';
  constructor(readonly broker: string, readonly operation: string, message: string, options?: { cause?: unknown }) {
    super(`${broker} ${operation} did not answer: ${message}`, options);
  }
}

/** The venue answered no. Definitive. */
export class BrokerRejectedError extends Error {
  override name = 'BrokerRejectedError';
  constructor(readonly broker: string, readonly operation: string, readonly reason: string) {
    super(`${broker} ${operation} was rejected: ${reason}`);
  }
}
