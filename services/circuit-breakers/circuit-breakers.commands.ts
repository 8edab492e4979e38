import { z } from 'zod';
import { breakerName, commandSubjects, operatorRole, tradingStateScope } from '@tollgate/contracts';
import type { BreakerMeasurements } from '@tollgate/domain/circuit-breaker';

/**
 * The circuit-breakers service on the bus (`commandSubjects.breakers`): list every breaker of every
 * scope with its last reading, and reset a tripped one (a person with the risk or admin role, and a reason).
 */
export const breakerSubjects = commandSubjects.breakers;

const actor = z.string().regex(/^(user:[^\s]+|auto|system:[a-z0-9-]+)$/, 'must be "user:<name>", "auto" or "system:<service>"');

export const listBreakersRequest = z.strictObject({ scope: tradingStateScope.optional() });

export const resetBreakerRequest = z.strictObject({
  breaker: breakerName,
  /** Default: the account this system runs. */
  scope: tradingStateScope.optional(),
  reason: z.string().trim().min(1, 'must give a reason'),
  actor,
  role: operatorRole.nullable().default(null),
  requestId: z.string().min(1).max(200).optional(),
});
export type ResetBreakerRequest = z.output<typeof resetBreakerRequest>;

export interface BreakerView {
  breaker: string;
  /** Configured in the limits in force for the scope's account. */
  configured: boolean;
  tripped: boolean;
  action: string | null;
  /** At the trip, for a tripped breaker; the last reading otherwise. */
  value: string | null;
  bound: string | null;
  trippedAt: string | null;
  coolDownMs: number | null;
}

export interface BreakerScopeView {
  scope: string;
  tradingStatus: string;
  tradingCause: string;
  highWaterMark: string | null;
  breakers: BreakerView[];
  /** The last measurements taken (decimals as strings). */
  measurements: Omit<BreakerMeasurements, 'equity' | 'dailyPnl'> & { equity?: string; dailyPnl?: string };
  evaluatedAt: string | null;
}
