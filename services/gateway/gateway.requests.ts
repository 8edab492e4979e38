import { z } from 'zod';
import { operatorRole, orderSide, orderType, positiveDecimalString, riskScope, symbol, timeInForce } from '@tollgate/contracts';

/** What the gateway's own routes accept. Services check their payloads again; these name the field early. */

const wholeNumber = (what: string) => z.string().regex(/^\d{1,15}$/, `must be a whole number ${what}`).transform(Number);
const reason = z.string({ error: 'must give a reason' }).trim().min(1, 'must give a reason').max(500, 'must be at most 500 characters');
const optionalReason = z.string().trim().max(500, 'must be at most 500 characters').optional().transform((value) => (value ? value : undefined));

export const eventsQuery = z
  .object({
    after: wholeNumber('(a global position, 0 for the beginning)').optional(),
    limit: wholeNumber('from 1 to 1000')
      .refine((value) => value >= 1 && value <= 1000, 'must be a whole number from 1 to 1000')
      .optional(),
  })
  .strict();

export const eventStreamQuery = z.object({ after: wholeNumber('(a global position, 0 for the beginning)').optional() }).strict();

/** The path of the generic channel: `/api/commands/:service/:name`. */
export const commandPath = z.object({
  service: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be a service name like "risk"'),
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be a command name like "kill"'),
});

export const listOrdersQuery = z
  .object({
    filter: z.enum(['all', 'open']).optional(),
    limit: wholeNumber('from 1 to 10000')
      .refine((value) => value >= 1 && value <= 10_000, 'must be a whole number from 1 to 10000')
      .optional(),
  })
  .strict();

export const listProposalsQuery = z
  .object({
    status: z.enum(['pending', 'open', 'all']).optional(),
    limit: wholeNumber('from 1 to 10000')
      .refine((value) => value >= 1 && value <= 10_000, 'must be a whole number from 1 to 10000')
      .optional(),
  })
  .strict();

/** A manual order. `intentId` makes a retry safe: the same intent is the same order. */
export const placeOrderBody = z
  .object({
    intentId: z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters').optional(),
    symbol,
    side: orderSide,
    type: orderType.optional(),
    quantity: positiveDecimalString,
    limitPrice: positiveDecimalString.optional(),
    stopPrice: positiveDecimalString.optional(),
    timeInForce: timeInForce.optional(),
  })
  .strict();

export const cancelOrderBody = z.object({ reason: optionalReason }).strict();
export const decisionBody = z.object({ reason: optionalReason }).strict();

/** Makes a command idempotent at the service: the same request id writes nothing new when retried. */
const requestId = z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters').optional();

export const engageKillSwitchBody = z.object({ scope: riskScope.default('all'), reason, requestId }).strict();
/** Releasing loosens a control: the risk service checks the role (the operator's own claim until real identities exist). */
export const releaseKillSwitchBody = z.object({ scope: riskScope.default('all'), reason, role: operatorRole.optional(), requestId }).strict();

export const resetBreakerBody = z.object({ scope: z.string().min(1, 'must not be empty').optional(), reason, role: operatorRole.optional() }).strict();

export const idParameter = z.string().regex(/^[A-Za-z0-9_.:-]{1,200}$/, 'must be an id of letters, digits, and _ . : -');

/** Drops keys whose value is undefined, so a strict contract on the other side sees only what was given. */
export function defined<T extends Record<string, unknown>>(value: T): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined));
}
