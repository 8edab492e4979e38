import { dec, decString, DomainError, ZERO, type Decimal } from '@tollgate/kernel';
import type { OrderEvent, OrderEventOf } from '@tollgate/contracts';
import { IllegalOrderTransitionError } from './order.errors';
import { resolveTarget, transitionFor, type OrderStatus } from './order.transitions';
import type { OrderTermsInput } from './order.validation';

export interface OrderTerms extends OrderTermsInput {
  orderId: string;
  intentId: string;
  intentKind: string;
  attempt: number;
}

/** What has filled so far. `fillIds` makes a repeated fill report harmless. */
export interface FillProgress {
  filledQuantity: Decimal;
  /** Σ quantity × price, for the average fill price. */
  filledNotional: Decimal;
  fees: Decimal;
  fillIds: readonly string[];
}

export interface PendingReplacement {
  newClientOrderId: string;
  quantity: Decimal;
  limitPrice?: Decimal;
  stopPrice?: Decimal;
}

/** Known before the venue has the order. */
interface Unsent {
  terms: OrderTerms;
  clientOrderId: string;
}

/** Known once the venue has the order: it may have fills and may have been replaced. */
interface AtVenue extends Unsent {
  brokerOrderId?: string;
  fills: FillProgress;
  replaceCount: number;
}

export type NotInitializedOrder = { status: 'NotInitialized' };
export type InitializedOrder = Unsent & { status: 'Initialized' };
export type DeniedOrder = Unsent & { status: 'Denied'; reasons: readonly string[] };
export type WouldBeSentOrder = Unsent & { status: 'WouldBeSent' };
export type SubmittedOrder = Unsent & { status: 'Submitted' };
export type UnknownOrder = Unsent & { status: 'Unknown'; reason: string };
export type RejectedOrder = Unsent & { status: 'Rejected'; reason: string };
/** Accepted means accepted with nothing filled: the first fill makes it PartiallyFilled or Filled. */
export type AcceptedOrder = AtVenue & { status: 'Accepted' };
export type PartiallyFilledOrder = AtVenue & { status: 'PartiallyFilled' };
export type PendingCancelOrder = AtVenue & { status: 'PendingCancel'; pendingReplacement?: PendingReplacement };
export type PendingReplaceOrder = AtVenue & { status: 'PendingReplace'; pendingReplacement: PendingReplacement };
export type FilledOrder = AtVenue & { status: 'Filled' };
export type CanceledOrder = AtVenue & { status: 'Canceled' };
export type ExpiredOrder = AtVenue & { status: 'Expired' };

export type OrderState =
  | NotInitializedOrder
  | InitializedOrder
  | DeniedOrder
  | WouldBeSentOrder
  | SubmittedOrder
  | UnknownOrder
  | RejectedOrder
  | AcceptedOrder
  | PartiallyFilledOrder
  | PendingCancelOrder
  | PendingReplaceOrder
  | FilledOrder
  | CanceledOrder
  | ExpiredOrder;

export type InitializedOrderState = Exclude<OrderState, NotInitializedOrder>;
export type OrderAtVenue = Extract<OrderState, { fills: FillProgress }>;

export const initialOrderState: OrderState = { status: 'NotInitialized' };

export const noFillProgress: FillProgress = Object.freeze({ filledQuantity: ZERO, filledNotional: ZERO, fees: ZERO, fillIds: [] });

export function isAtVenue(state: OrderState): state is OrderAtVenue {
  return 'fills' in state;
}

export function fillProgressOf(state: OrderState): FillProgress {
  return isAtVenue(state) ? state.fills : noFillProgress;
}

export function remainingQuantity(state: InitializedOrderState): Decimal {
  return state.terms.quantity.minus(fillProgressOf(state).filledQuantity);
}

/** The quantity-weighted average fill price, or undefined before the first fill. */
export function averageFillPrice(state: OrderState): Decimal | undefined {
  const fills = fillProgressOf(state);
  return fills.filledQuantity.isZero() ? undefined : fills.filledNotional.div(fills.filledQuantity);
}

/** Every field any status may carry; `toState` keeps the ones the target status has. */
interface OrderRecord extends AtVenue {
  pendingReplacement?: PendingReplacement;
  reasons?: readonly string[];
  reason?: string;
}

function optionalDecimal(value: string | undefined, field: string): Decimal | undefined {
  return value === undefined ? undefined : dec(value, field);
}

function recordOf(state: InitializedOrderState): OrderRecord {
  return {
    ...state,
    fills: fillProgressOf(state),
    replaceCount: isAtVenue(state) ? state.replaceCount : 0,
  };
}

function progressOf(record: OrderRecord): 'none' | 'partial' | 'complete' {
  const filled = record.fills.filledQuantity;
  if (filled.isZero()) return 'none';
  return filled.gte(record.terms.quantity) ? 'complete' : 'partial';
}

function toState(status: OrderStatus, record: OrderRecord): OrderState {
  const unsent: Unsent = { terms: record.terms, clientOrderId: record.clientOrderId };
  const atVenue: AtVenue = {
    ...unsent,
    ...(record.brokerOrderId === undefined ? {} : { brokerOrderId: record.brokerOrderId }),
    fills: record.fills,
    replaceCount: record.replaceCount,
  };
  switch (status) {
    case 'NotInitialized':
      throw new Error('an order cannot go back to NotInitialized');
    case 'Initialized':
    case 'WouldBeSent':
    case 'Submitted':
      return { status, ...unsent };
    case 'Denied':
      return { status, ...unsent, reasons: record.reasons ?? [] };
    case 'Unknown':
    case 'Rejected':
      return { status, ...unsent, reason: record.reason ?? '' };
    case 'Accepted':
    case 'PartiallyFilled':
    case 'Filled':
    case 'Canceled':
    case 'Expired':
      return { status, ...atVenue };
    case 'PendingCancel':
      return { status, ...atVenue, ...(record.pendingReplacement ? { pendingReplacement: record.pendingReplacement } : {}) };
    case 'PendingReplace':
      if (!record.pendingReplacement) throw new Error(`order ${record.terms.orderId} is PendingReplace without a replacement`);
      return { status, ...atVenue, pendingReplacement: record.pendingReplacement };
  }
}

function termsFrom(data: OrderEventOf<'OrderInitialized'>['data']): OrderTerms {
  return {
    orderId: data.orderId,
    intentId: data.intentId,
    intentKind: data.intentKind,
    attempt: data.attempt,
    symbol: data.symbol,
    side: data.side,
    type: data.type,
    timeInForce: data.timeInForce,
    quantity: dec(data.quantity, 'quantity'),
    ...(data.limitPrice === undefined ? {} : { limitPrice: dec(data.limitPrice, 'limitPrice') }),
    ...(data.stopPrice === undefined ? {} : { stopPrice: dec(data.stopPrice, 'stopPrice') }),
  };
}

function apply(record: OrderRecord, event: OrderEvent): OrderRecord {
  switch (event.type) {
    case 'OrderInitialized':
      throw new Error('OrderInitialized starts an order; it is never applied to one');
    case 'OrderDenied':
      return { ...record, reasons: event.data.reasons };
    case 'OrderSubmitOutcomeUnknown':
      return { ...record, reason: event.data.reason };
    case 'OrderRejected':
      return { ...record, reason: event.data.reason };
    case 'OrderAccepted':
      return { ...record, brokerOrderId: event.data.brokerOrderId };
    case 'OrderFilled': {
      if (record.fills.fillIds.includes(event.data.fillId)) {
        // decide never emits a fill id twice, so a recorded duplicate means the stream is corrupt.
        throw new DomainError('DUPLICATE_FILL_RECORDED', `order ${record.terms.orderId} already has fill ${event.data.fillId}`);
      }
      const quantity = dec(event.data.quantity, 'quantity');
      const fills: FillProgress = {
        filledQuantity: record.fills.filledQuantity.plus(quantity),
        filledNotional: record.fills.filledNotional.plus(quantity.mul(dec(event.data.price, 'price'))),
        fees: record.fills.fees.plus(dec(event.data.fee, 'fee')),
        fillIds: [...record.fills.fillIds, event.data.fillId],
      };
      return { ...record, fills, brokerOrderId: record.brokerOrderId ?? event.data.brokerOrderId };
    }
    case 'OrderReplaceRequested':
      return {
        ...record,
        replaceCount: record.replaceCount + 1,
        pendingReplacement: {
          newClientOrderId: event.data.newClientOrderId,
          quantity: dec(event.data.quantity, 'quantity'),
          ...(event.data.limitPrice === undefined ? {} : { limitPrice: dec(event.data.limitPrice, 'limitPrice') }),
          ...(event.data.stopPrice === undefined ? {} : { stopPrice: dec(event.data.stopPrice, 'stopPrice') }),
        },
      };
    case 'OrderReplaceRejected':
      return { ...record, pendingReplacement: undefined };
    case 'OrderReplaced': {
      const terms: OrderTerms = {
        ...record.terms,
        quantity: dec(event.data.quantity, 'quantity'),
        limitPrice: optionalDecimal(event.data.limitPrice, 'limitPrice'),
        stopPrice: optionalDecimal(event.data.stopPrice, 'stopPrice'),
      };
      if (terms.limitPrice === undefined) delete terms.limitPrice;
      if (terms.stopPrice === undefined) delete terms.stopPrice;
      return {
        ...record,
        terms,
        clientOrderId: event.data.clientOrderId,
        brokerOrderId: event.data.brokerOrderId ?? record.brokerOrderId,
        pendingReplacement: undefined,
      };
    }
    case 'OrderWouldBeSent':
    case 'OrderSubmitted':
    case 'OrderSubmitNotReceived':
    case 'OrderCancelRequested':
    case 'OrderCancelRejected':
    case 'OrderCanceled':
    case 'OrderExpired':
      return record;
  }
}

/**
 * Applies one recorded event. The transition table decides the next status; an event with no row
 * means the stream is corrupt, and evolveOrder throws rather than invent a state.
 */
export function evolveOrder(state: OrderState, event: OrderEvent): OrderState {
  const transition = transitionFor(state.status, event.type);
  if (!transition) {
    throw new IllegalOrderTransitionError(state.status === 'NotInitialized' ? event.data.orderId : state.terms.orderId, state.status, event.type);
  }
  if (event.type === 'OrderInitialized') {
    return { status: 'Initialized', terms: termsFrom(event.data), clientOrderId: event.data.clientOrderId };
  }
  if (state.status === 'NotInitialized') throw new IllegalOrderTransitionError(event.data.orderId, state.status, event.type);
  const record = apply(recordOf(state), event);
  if (record.fills.filledQuantity.gt(record.terms.quantity)) {
    throw new DomainError(
      'ORDER_INVARIANT_BROKEN',
      `order ${record.terms.orderId} would have filled=${decString(record.fills.filledQuantity)} above quantity=${decString(record.terms.quantity)} after ${event.type}`,
    );
  }
  return toState(resolveTarget(transition.target, progressOf(record)), record);
}

export function foldOrderEvents(events: readonly OrderEvent[], from: OrderState = initialOrderState): OrderState {
  return events.reduce(evolveOrder, from);
}
