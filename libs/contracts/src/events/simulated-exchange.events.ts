import { z } from 'zod';
import { defineEvent, type EventData } from '../event-registry';
import { decimalString, isoTimestamp, orderSide, orderType, positiveDecimalString, symbol, timeInForce } from '../schema';

/**
 * The simulated exchange keeps its own state as events, one stream per simulated account:
 * `simexchange-<accountId>`. Folding them rebuilds every resting order, every fill and the
 * account, so a restart of the simulator loses nothing (libs/domain/src/simulated-exchange).
 */
export const SIMULATED_EXCHANGE_STREAM_CATEGORY = 'simexchange';

const clientOrderId = z.string().min(1, 'must not be empty').max(128, 'must be at most 128 characters');
const nonNegativeDecimalString = decimalString.refine((value) => !value.startsWith('-'), { message: 'must not be negative' });

export const simulatedFillModel = z
  .object({
    /** An order can match this long after the exchange received it. */
    latencyMs: z.number().int().nonnegative(),
    /** Plus a seeded uniform extra in [0, latencyJitterMs]. */
    latencyJitterMs: z.number().int().nonnegative(),
    /** Marketable orders fill at the touch moved this many basis points against them. */
    slippageBps: nonNegativeDecimalString,
    /** Plus a seeded uniform extra in [0, slippageJitterBps]. */
    slippageJitterBps: nonNegativeDecimalString,
    /** The share of a bar's volume the orders on a symbol may fill in that bar (quotes: the displayed size). */
    participationRate: positiveDecimalString,
    /** `trade_through`: a resting limit fills only when the market goes beyond it; `touch`: when it reaches it. */
    limitFillRule: z.enum(['trade_through', 'touch']),
    commissionPerShare: nonNegativeDecimalString,
    commissionMinimumPerOrder: nonNegativeDecimalString,
  })
  .strict();

const instrument = z
  .object({
    symbol,
    assetClass: z.enum(['equity', 'etf']),
    currency: z.string().min(1),
    tickSize: positiveDecimalString,
    lotSize: positiveDecimalString,
    shortable: z.boolean(),
    sector: z.string().optional(),
  })
  .strict();

export const SimulatedAccountOpened = defineEvent(
  'SimulatedAccountOpened',
  1,
  z
    .object({
      accountId: z.string().min(1),
      currency: z.string().min(1),
      initialCash: decimalString,
      seed: z.number().int(),
      fillModel: simulatedFillModel,
      instruments: z.array(instrument),
      openedAt: isoTimestamp,
    })
    .strict(),
);

const orderTerms = {
  clientOrderId,
  symbol: z.string().min(1),
  side: orderSide,
  type: orderType,
  timeInForce,
  quantity: decimalString,
  limitPrice: decimalString.optional(),
  stopPrice: decimalString.optional(),
};

export const SimulatedOrderAccepted = defineEvent(
  'SimulatedOrderAccepted',
  1,
  z
    .object({
      ...orderTerms,
      quantity: positiveDecimalString,
      brokerOrderId: z.string().min(1),
      receivedAt: isoTimestamp,
      /** Receive time plus latency: the order cannot match before it. */
      activeAt: isoTimestamp,
      /** Set when this order replaces another: the old order's client order id. */
      replaces: clientOrderId.optional(),
      /** What the replaced order had already filled and paid, carried over (FIX CumQty semantics). */
      carriedFilledQuantity: nonNegativeDecimalString,
      carriedFilledNotional: nonNegativeDecimalString,
      carriedCommission: nonNegativeDecimalString,
      /** A replaced stop that had already triggered stays triggered. */
      triggered: z.boolean(),
    })
    .strict(),
);

/** Kept so a lookup by client order id can answer "rejected" (a refused duplicate id is not recorded). */
export const SimulatedOrderRejected = defineEvent(
  'SimulatedOrderRejected',
  1,
  z.object({ ...orderTerms, brokerOrderId: z.string().min(1), reason: z.string().min(1), rejectedAt: isoTimestamp }).strict(),
);

/** The order's first look at the market after its latency: it matches as an arriving (taking) order. */
export const SimulatedOrderActivated = defineEvent(
  'SimulatedOrderActivated',
  1,
  z.object({ clientOrderId, activatedAt: isoTimestamp }).strict(),
);

export const SimulatedStopTriggered = defineEvent(
  'SimulatedStopTriggered',
  1,
  z.object({ clientOrderId, triggerPrice: positiveDecimalString, triggeredAt: isoTimestamp }).strict(),
);

export const SimulatedOrderFilled = defineEvent(
  'SimulatedOrderFilled',
  1,
  z
    .object({
      clientOrderId,
      brokerOrderId: z.string().min(1),
      fillId: z.string().min(1),
      /** 1-based across the account: the `fillsSince` cursor. */
      sequence: z.number().int().positive(),
      symbol,
      side: z.enum(['buy', 'sell']),
      quantity: positiveDecimalString,
      price: positiveDecimalString,
      fee: nonNegativeDecimalString,
      liquidity: z.enum(['maker', 'taker']),
      filledAt: isoTimestamp,
    })
    .strict(),
);

export const SimulatedOrderCanceled = defineEvent(
  'SimulatedOrderCanceled',
  1,
  z.object({ clientOrderId, reason: z.enum(['requested', 'ioc_remainder']), canceledAt: isoTimestamp }).strict(),
);

export const SimulatedOrderExpired = defineEvent('SimulatedOrderExpired', 1, z.object({ clientOrderId, expiredAt: isoTimestamp }).strict());

export const SimulatedOrderReplaced = defineEvent(
  'SimulatedOrderReplaced',
  1,
  z.object({ clientOrderId, replacedBy: clientOrderId, replacedAt: isoTimestamp }).strict(),
);

export const simulatedExchangeEvents = [
  SimulatedAccountOpened,
  SimulatedOrderAccepted,
  SimulatedOrderRejected,
  SimulatedOrderActivated,
  SimulatedStopTriggered,
  SimulatedOrderFilled,
  SimulatedOrderCanceled,
  SimulatedOrderExpired,
  SimulatedOrderReplaced,
];

type Definitions = (typeof simulatedExchangeEvents)[number];
export type SimulatedExchangeEvent = Definitions extends infer Definition
  ? Definition extends { type: infer Type }
    ? { type: Type; data: EventData<Definition> }
    : never
  : never;
export type SimulatedExchangeEventType = SimulatedExchangeEvent['type'];
export type SimulatedExchangeEventOf<Type extends SimulatedExchangeEventType> = Extract<SimulatedExchangeEvent, { type: Type }>;
export type SimulatedFillModelData = z.infer<typeof simulatedFillModel>;
