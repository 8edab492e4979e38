import type { DecimalString } from '@tollgate/kernel';
import type { BrokerOrder, OrderSide, OrderType, TimeInForce } from '@tollgate/contracts';
import type { Instrument } from '../instrument';

/** Time enters the decider here, never through `new Date()` inside it: replay stays exact. */
export interface OrderCommandMetadata {
  now: Date;
}

interface OrderCommandShape<Type extends string, Data> {
  type: Type;
  data: Data;
  metadata: OrderCommandMetadata;
}

/** How the venue told us: on its own (acknowledgement, stream) or answering our lookup. */
export type Via = 'venue' | 'lookup';

/** Records the intent before anything is sent; the client order id is derived from the intent. */
export type InitializeOrder = OrderCommandShape<
  'InitializeOrder',
  {
    orderId: string;
    intentId: string;
    /** `proposal`, `manual`, `exit`, `emergency`, … */
    intentKind: string;
    /** Defaults to 1; count up only for a new order after the previous attempt ended. */
    attempt?: number;
    symbol: string;
    side: OrderSide;
    type: OrderType;
    timeInForce: TimeInForce;
    quantity: DecimalString;
    limitPrice?: DecimalString;
    stopPrice?: DecimalString;
    /** When given, tick size, lot size and shortability are checked. */
    instrument?: Instrument;
    accountId?: string;
    /** The strategy behind the order; null for manual orders. */
    strategy?: string | null;
  }
>;
export type DenyOrder = OrderCommandShape<'DenyOrder', { reasons: string[] }>;
/** Dry-run: everything up to the broker call happened; this replaces the call. */
export type RecordWouldBeSent = OrderCommandShape<'RecordWouldBeSent', Record<string, never>>;
export type SubmitOrder = OrderCommandShape<'SubmitOrder', Record<string, never>>;
export type MarkUnknown = OrderCommandShape<'MarkUnknown', { reason: string }>;
/** The broker's answer to `getOrder(clientOrderId)`: the only thing that resolves Unknown. */
export type ResolveUnknown = OrderCommandShape<'ResolveUnknown', { brokerOrder: BrokerOrder | null }>;
export type AcceptOrder = OrderCommandShape<'AcceptOrder', { brokerOrderId: string; via?: Via }>;
export type RejectOrder = OrderCommandShape<'RejectOrder', { reason: string; via?: Via }>;
export type FillOrder = OrderCommandShape<
  'FillOrder',
  {
    fillId: string;
    quantity: DecimalString;
    price: DecimalString;
    fee: DecimalString;
    liquidity?: 'maker' | 'taker' | 'unknown';
    arrivalMid?: DecimalString;
    /** Venue time of the fill; defaults to `metadata.now`. */
    filledAt?: string;
    /** The client order id the venue reported the fill under; defaults to the order's current one. */
    clientOrderId?: string;
    brokerOrderId?: string;
  }
>;
export type RequestCancel = OrderCommandShape<'RequestCancel', { reason: string }>;
export type CancelOrder = OrderCommandShape<'CancelOrder', { reason?: string; via?: Via }>;
export type RejectCancel = OrderCommandShape<'RejectCancel', { reason: string }>;
export type ExpireOrder = OrderCommandShape<'ExpireOrder', { via?: Via }>;
export type RequestReplace = OrderCommandShape<
  'RequestReplace',
  {
    /** The new total quantity, including what has filled. */
    quantity?: DecimalString;
    limitPrice?: DecimalString;
    stopPrice?: DecimalString;
    instrument?: Instrument;
  }
>;
export type ReplaceOrder = OrderCommandShape<'ReplaceOrder', { brokerOrderId?: string }>;
export type RejectReplace = OrderCommandShape<'RejectReplace', { reason: string }>;

export type OrderCommand =
  | InitializeOrder
  | DenyOrder
  | RecordWouldBeSent
  | SubmitOrder
  | MarkUnknown
  | ResolveUnknown
  | AcceptOrder
  | RejectOrder
  | FillOrder
  | RequestCancel
  | CancelOrder
  | RejectCancel
  | ExpireOrder
  | RequestReplace
  | ReplaceOrder
  | RejectReplace;
