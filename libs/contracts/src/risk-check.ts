import { z } from 'zod';
import { decimalString, isoTimestamp, orderSide, orderType, positiveDecimalString, symbol, timeInForce, tradingMode, uuid } from './schema';

/**
 * The pre-trade risk check as it crosses the bus: execution asks `commandSubjects.risk.checkOrder`
 * before any order leaves the process; the risk service answers allowed, or denied with reasons.
 *
 * `order` carries the fields of the risk domain's `OrderCheckRequest`
 * (libs/domain/src/risk/pre-trade/request.ts) as decimal strings and an ISO time; `context` says
 * who asked and in which mode. A reason is rendered `CODE: key=value, …` (reason-codes.ts
 * `renderDenial`), so it can be recorded in `OrderDenied.reasons` as it is.
 */

/** Where an order comes from, as risk sees it. */
export const orderOrigin = z.enum(['strategy', 'manual', 'exit', 'emergency_exit']);
export type OrderOrigin = z.infer<typeof orderOrigin>;

/** The intent kinds execution knows, and the origin each one has for risk. */
export const intentKind = z.enum(['proposal', 'manual', 'exit', 'emergency']);
export type IntentKind = z.infer<typeof intentKind>;

export const originOfIntent: Readonly<Record<IntentKind, OrderOrigin>> = {
  proposal: 'strategy',
  manual: 'manual',
  exit: 'exit',
  emergency: 'emergency_exit',
};

export const riskCheckOrder = z
  .object({
    action: z.enum(['submit', 'replace']),
    accountId: z.string().min(1, 'must name the account'),
    /** null for a manual order. */
    strategy: z.string().min(1).nullable(),
    intentId: z.string().min(1, 'must not be empty'),
    intentQuantity: positiveDecimalString.nullable().optional(),
    clientOrderId: z.string().min(1, 'must not be empty'),
    replacesClientOrderId: z.string().min(1).optional(),
    symbol,
    side: orderSide,
    type: orderType,
    timeInForce,
    quantity: positiveDecimalString,
    limitPrice: positiveDecimalString.nullable().optional(),
    stopPrice: positiveDecimalString.nullable().optional(),
    origin: orderOrigin,
    autoApproved: z.boolean(),
    overrideId: z.string().min(1).nullable().optional(),
    /** Decision time: in SIMULATED mode the market's time, else the wall clock. */
    at: isoTimestamp,
  })
  .strict();
export type RiskCheckOrder = z.infer<typeof riskCheckOrder>;

export const riskCheckRequest = z
  .object({
    order: riskCheckOrder,
    context: z
      .object({
        orderId: uuid,
        mode: tradingMode,
        dryRun: z.boolean(),
        /** `user:<name>`, `auto` or `system:<service>`. */
        actor: z.string().min(1),
        /** The mid of the last quote execution saw for the symbol, when it has one. */
        referenceMid: decimalString.optional(),
      })
      .strict(),
  })
  .strict();
export type RiskCheckRequest = z.infer<typeof riskCheckRequest>;

export const riskCheckResponse = z.discriminatedUnion('allowed', [
  z.object({ allowed: z.literal(true) }).strict(),
  z
    .object({
      allowed: z.literal(false),
      /** Rendered denials, `CODE: key=value, …`; at least one. */
      reasons: z.array(z.string().min(1)).min(1, 'must name at least one reason'),
    })
    .strict(),
]);
export type RiskCheckResponse = z.infer<typeof riskCheckResponse>;
