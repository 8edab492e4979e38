import { z } from 'zod';
import { commandSubjects, intentKind, orderSide, orderType, positiveDecimalString, symbol, timeInForce } from '@tollgate/contracts';

/**
 * Execution's requests and answers on the bus (`commandSubjects.execution`). Every order — an
 * approved proposal, an operator's manual order, an exit or an emergency flatten — takes
 * `place-order`; `intentKind` says which and `actor` who.
 */
export const executionSubjects = commandSubjects.execution;

/** `user:<name>`, `auto` or `system:<service>`. */
const actor = z.string().regex(/^(user:[^\s]+|auto|system:[a-z0-9-]+)$/, 'must be "user:<name>", "auto" or "system:<service>"');

/**
 * Peg to mid with a bounded chase (libs/domain/src/fill-quality/chase.ts): a limit order starts at the
 * mid, rounded to the tick on the passive side, follows the mid at most `maxReprices` times (no more
 * often than `minRepriceIntervalMs` of market time), then crosses to the far touch — also once it has
 * worked `maxWorkingMs` without filling.
 */
export const pegPolicy = z
  .object({
    maxReprices: z.number().int().min(0).max(50),
    minRepriceIntervalMs: z.number().int().min(0).default(0),
    maxWorkingMs: z.number().int().positive().optional(),
  })
  .strict();
export type PegPolicy = z.output<typeof pegPolicy>;

export const placeOrderRequest = z
  .object({
    /** The proposal, manual order, exit or emergency this order carries out; the order and client order ids derive from it. */
    intentId: z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
    intentKind,
    /** 1 unless an earlier order of the intent ended and this is a new attempt. */
    attempt: z.number().int().positive().default(1),
    symbol,
    side: orderSide,
    type: orderType.default('market'),
    quantity: positiveDecimalString,
    limitPrice: positiveDecimalString.optional(),
    stopPrice: positiveDecimalString.optional(),
    timeInForce: timeInForce.default('day'),
    /** The strategy of a proposal; null for manual orders. */
    strategy: z.string().min(1).nullable().default(null),
    /** The intent's total quantity, when its orders are children of a larger intent. */
    intentQuantity: positiveDecimalString.optional(),
    /** Approved by auto-mode rather than by a person. */
    autoApproved: z.boolean().default(false),
    overrideId: z.string().min(1).optional(),
    /** Limit orders only, without a limit price: the peg sets it. */
    peg: pegPolicy.optional(),
    actor,
  })
  .strict()
  .superRefine((order, context) => {
    if (!order.peg) return;
    if (order.type !== 'limit') context.addIssue({ code: 'custom', path: ['peg'], message: `is for limit orders, not ${order.type}` });
    if (order.limitPrice !== undefined) context.addIssue({ code: 'custom', path: ['limitPrice'], message: 'must be left out of a pegged order: the peg sets it' });
  });
export type PlaceOrderRequest = z.output<typeof placeOrderRequest>;
export type PlaceOrderInput = z.input<typeof placeOrderRequest>;

export const cancelOrderRequest = z
  .object({
    orderId: z.string().min(1, 'must not be empty'),
    reason: z.string().min(1).default('requested'),
    actor,
  })
  .strict();
export type CancelOrderRequest = z.output<typeof cancelOrderRequest>;

export const getOrderRequest = z.object({ orderId: z.string().min(1, 'must not be empty') }).strict();

export const listOrdersRequest = z
  .object({
    /** `open`: orders not yet in a terminal status. */
    filter: z.enum(['all', 'open']).default('all'),
    limit: z.number().int().positive().max(10_000).default(100),
  })
  .strict();
export type ListOrdersRequest = z.output<typeof listOrdersRequest>;

export const fillQualityRequest = z.union([
  z.object({ orderId: z.string().min(1) }).strict(),
  z.object({ day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like "2024-07-03"') }).strict(),
]);
export type FillQualityRequest = z.output<typeof fillQualityRequest>;

/** An order as execution answers about it; decimals as strings. */
export interface OrderView {
  orderId: string;
  clientOrderId: string;
  intentId: string;
  intentKind: string;
  symbol: string;
  side: string;
  type: string;
  timeInForce: string;
  quantity: string;
  limitPrice?: string;
  stopPrice?: string;
  status: string;
  filledQuantity: string;
  averageFillPrice?: string;
  fees: string;
  brokerOrderId?: string;
  /** Why it was denied, rejected or is unknown. */
  reasons?: string[];
  actor?: string;
  initializedAt?: string;
}

export interface PlaceOrderResponse {
  orderId: string;
  clientOrderId: string;
  status: string;
  /** Denial or rejection reasons. */
  reasons?: string[];
  brokerOrderId?: string;
  dryRun: boolean;
}

export interface CancelOrderResponse {
  orderId: string;
  status: string;
}

export interface ExecutionStatus {
  mode: string;
  dryRun: boolean;
  riskService: 'required' | 'absent';
  broker: string;
  ready: boolean;
  orders: Record<string, number>;
  fills: number;
}
