import { z } from 'zod';
import { defineEvent, type EventData } from '../event-registry';
import { decimalString, isoTimestamp, orderSide, orderType, positiveDecimalString, symbol, timeInForce, uuid } from '../schema';

/**
 * The order life cycle, one stream per order: `order-<orderId>`. The status machine that orders
 * these events lives in `libs/domain/src/order` (one transition table); see docs/order-lifecycle.md.
 *
 * Prices, quantities and money are decimal strings. Each event names the time it happened at the
 * venue or in the decision (`…At`); the envelope carries the event id, correlation and causation.
 */

const orderId = uuid;
const clientOrderId = z.string().min(1, 'must not be empty').max(128, 'must be at most 128 characters');
const reason = z.string().min(1, 'must not be empty');
/** Whether the venue told us directly (acknowledgement or stream) or we asked it (getOrder lookup). */
const via = z.enum(['venue', 'lookup']);

export const OrderInitialized = defineEvent(
  'OrderInitialized',
  1,
  z
    .object({
      orderId,
      /** The proposal, manual order or exit this order carries out. */
      intentId: z.string().min(1, 'must not be empty'),
      /** What kind of intent: `proposal`, `manual`, `exit`, `emergency`, … */
      intentKind: z.string().min(1, 'must not be empty'),
      /** 1 for the first order of an intent; a new attempt after a terminal rejection counts up. */
      attempt: z.number().int().positive(),
      clientOrderId,
      symbol,
      side: orderSide,
      type: orderType,
      quantity: positiveDecimalString,
      limitPrice: positiveDecimalString.optional(),
      stopPrice: positiveDecimalString.optional(),
      timeInForce,
      initializedAt: isoTimestamp,
      /** The account the order trades for, so scoped controls survive a restart of any service. */
      accountId: z.string().min(1).optional(),
      /** The strategy behind the order; null for manual orders and safety exits. */
      strategy: z.string().min(1).nullable().optional(),
    })
    .strict(),
);

export const OrderDenied = defineEvent(
  'OrderDenied',
  1,
  z.object({ orderId, clientOrderId, reasons: z.array(reason).min(1, 'must name at least one reason'), deniedAt: isoTimestamp }).strict(),
);

export const OrderWouldBeSent = defineEvent(
  'OrderWouldBeSent',
  1,
  z
    .object({
      orderId,
      clientOrderId,
      /** The exact request the broker would have received. */
      request: z
        .object({
          clientOrderId,
          symbol,
          side: orderSide,
          type: orderType,
          quantity: positiveDecimalString,
          limitPrice: positiveDecimalString.optional(),
          stopPrice: positiveDecimalString.optional(),
          timeInForce,
        })
        .strict(),
      decidedAt: isoTimestamp,
    })
    .strict(),
);

export const OrderSubmitted = defineEvent(
  'OrderSubmitted',
  1,
  z.object({ orderId, clientOrderId, submittedAt: isoTimestamp }).strict(),
);

export const OrderSubmitOutcomeUnknown = defineEvent(
  'OrderSubmitOutcomeUnknown',
  1,
  z.object({ orderId, clientOrderId, reason, detectedAt: isoTimestamp }).strict(),
);

/** The broker answered a lookup by client order id: it has no such order, so the submit never arrived. */
export const OrderSubmitNotReceived = defineEvent(
  'OrderSubmitNotReceived',
  1,
  z.object({ orderId, clientOrderId, resolvedAt: isoTimestamp }).strict(),
);

export const OrderAccepted = defineEvent(
  'OrderAccepted',
  1,
  z.object({ orderId, clientOrderId, brokerOrderId: z.string().min(1), acceptedAt: isoTimestamp, via }).strict(),
);

export const OrderRejected = defineEvent(
  'OrderRejected',
  1,
  z.object({ orderId, clientOrderId, reason, rejectedAt: isoTimestamp, via }).strict(),
);

export const OrderFilled = defineEvent(
  'OrderFilled',
  1,
  z
    .object({
      orderId,
      /** The client order id the fill was reported under (after a replace it is the new one). */
      clientOrderId,
      brokerOrderId: z.string().min(1).optional(),
      /** The venue's execution id; a fill id seen before is ignored. */
      fillId: z.string().min(1, 'must not be empty'),
      symbol,
      /** The direction of the trade, so the ledger folds fills without the order. */
      side: z.enum(['buy', 'sell']),
      quantity: positiveDecimalString,
      price: positiveDecimalString,
      /** Commissions and fees paid for this fill; a negative fee is a rebate. */
      fee: decimalString,
      liquidity: z.enum(['maker', 'taker', 'unknown']),
      /** The mid-quote when the order arrived, for fill quality. */
      arrivalMid: positiveDecimalString.optional(),
      filledAt: isoTimestamp,
    })
    .strict(),
);

export const OrderCancelRequested = defineEvent(
  'OrderCancelRequested',
  1,
  z.object({ orderId, clientOrderId, reason, requestedAt: isoTimestamp }).strict(),
);

export const OrderCancelRejected = defineEvent(
  'OrderCancelRejected',
  1,
  z.object({ orderId, clientOrderId, reason, rejectedAt: isoTimestamp }).strict(),
);

export const OrderCanceled = defineEvent(
  'OrderCanceled',
  1,
  z.object({ orderId, clientOrderId, reason: reason.optional(), canceledAt: isoTimestamp, via }).strict(),
);

export const OrderExpired = defineEvent(
  'OrderExpired',
  1,
  z.object({ orderId, clientOrderId, expiredAt: isoTimestamp, via }).strict(),
);

export const OrderReplaceRequested = defineEvent(
  'OrderReplaceRequested',
  1,
  z
    .object({
      orderId,
      clientOrderId,
      newClientOrderId: clientOrderId,
      /** The new total quantity, including what has already filled (FIX OrderQty semantics). */
      quantity: positiveDecimalString,
      limitPrice: positiveDecimalString.optional(),
      stopPrice: positiveDecimalString.optional(),
      requestedAt: isoTimestamp,
    })
    .strict(),
);

export const OrderReplaceRejected = defineEvent(
  'OrderReplaceRejected',
  1,
  z.object({ orderId, clientOrderId, newClientOrderId: clientOrderId, reason, rejectedAt: isoTimestamp }).strict(),
);

export const OrderReplaced = defineEvent(
  'OrderReplaced',
  1,
  z
    .object({
      orderId,
      previousClientOrderId: clientOrderId,
      clientOrderId,
      brokerOrderId: z.string().min(1).optional(),
      quantity: positiveDecimalString,
      limitPrice: positiveDecimalString.optional(),
      stopPrice: positiveDecimalString.optional(),
      replacedAt: isoTimestamp,
    })
    .strict(),
);

export const orderEvents = [
  OrderInitialized,
  OrderDenied,
  OrderWouldBeSent,
  OrderSubmitted,
  OrderSubmitOutcomeUnknown,
  OrderSubmitNotReceived,
  OrderAccepted,
  OrderRejected,
  OrderFilled,
  OrderCancelRequested,
  OrderCancelRejected,
  OrderCanceled,
  OrderExpired,
  OrderReplaceRequested,
  OrderReplaceRejected,
  OrderReplaced,
];

type Definitions = (typeof orderEvents)[number];
/** One order event as a decider produces it: its type and its data. */
export type OrderEvent = Definitions extends infer Definition
  ? Definition extends { type: infer Type }
    ? { type: Type; data: EventData<Definition> }
    : never
  : never;
export type OrderEventType = OrderEvent['type'];
export type OrderEventOf<Type extends OrderEventType> = Extract<OrderEvent, { type: Type }>;
export type OrderFilledData = EventData<typeof OrderFilled>;
export type OrderInitializedData = EventData<typeof OrderInitialized>;

/** The category of order streams: `order-<orderId>`. */
export const ORDER_STREAM_CATEGORY = 'order';
