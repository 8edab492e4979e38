import { z } from 'zod';
import {
  commandSubjects,
  denialReasonCodeSchema,
  DrillCompleted,
  operatorRole,
  orderSide,
  positiveDecimalString,
  riskScope,
  symbol,
  tradingStateScope,
  tradingStatus,
  type EmergencyStopCompletedData,
  type EmergencyExitOrder,
  type RiskLimits,
} from '@tollgate/contracts';

/**
 * The risk service's requests and answers on the bus (`commandSubjects.risk`). Every command names who
 * acts (`actor`: `user:<name>`, `auto` or `system:<service>`); loosening a control also needs the
 * person's `role` and a `reason`. The gateway stamps `actor` from its operator header; until the
 * security issue brings real identities the role is the operator's own claim (docs/risk-controls.md).
 *
 * The pre-trade check itself (`checkOrder`) uses the contract in libs/contracts/src/risk-check.ts.
 */
export const riskSubjects = commandSubjects.risk;

export const actor = z.string().regex(/^(user:[^\s]+|auto|system:[a-z0-9-]+)$/, 'must be "user:<name>", "auto" or "system:<service>"');
const reason = z.string().trim().min(1, 'must give a reason');
const role = operatorRole.nullable().default(null);
/** Makes a command idempotent: the same request id writes nothing new when retried. */
const requestId = z.string().min(1).max(200).optional();

export const killRequest = z.strictObject({ scope: riskScope.default('all'), reason, actor, requestId });
export type KillRequest = z.output<typeof killRequest>;

export const releaseRequest = z.strictObject({ scope: riskScope.default('all'), reason, actor, role, requestId });
export type ReleaseRequest = z.output<typeof releaseRequest>;

export const setTradingStateRequest = z.strictObject({ scope: tradingStateScope, to: tradingStatus, reason, actor, role, requestId });
export type SetTradingStateRequest = z.output<typeof setTradingStateRequest>;

export const enableStrategyRequest = z.strictObject({ strategy: z.string().min(1), reason, actor, role, requestId });
export type EnableStrategyRequest = z.output<typeof enableStrategyRequest>;

export const limitsSetRequest = z.strictObject({
  /** The whole limits document (the file's JSON); validated by the risk service too, refused whole when bad. */
  limits: z.unknown(),
  reason,
  actor,
  role,
  requestId,
});
export type LimitsSetRequest = z.output<typeof limitsSetRequest>;

export const emergencyStopRequest = z.strictObject({
  scope: riskScope.default('all'),
  reason,
  actor,
  /** Exit orders per position before the stop gives up on it and says what is left. */
  maxAttempts: z.number().int().min(1).max(10).default(3),
  requestId,
});
export type EmergencyStopRequest = z.output<typeof emergencyStopRequest>;

export const emergencyStopStatusRequest = z.strictObject({ stopId: z.string().min(1).optional() });

export const overrideRequestRequest = z.strictObject({
  overrideId: z.string().min(1).max(100).optional(),
  /** The intent of the one order it covers; its client order id derives from it (attempt 1 unless given). */
  intentId: z.string().min(1),
  attempt: z.number().int().positive().default(1),
  symbol,
  side: orderSide,
  /** The most the covered order may be for. */
  quantity: positiveDecimalString,
  controls: z.array(denialReasonCodeSchema).min(1, 'must name at least one control'),
  /** Lifetime from now; at most one hour. */
  expiresInMs: z.number().int().positive().max(3_600_000).default(900_000),
  reason,
  actor,
});
export type OverrideRequestRequest = z.output<typeof overrideRequestRequest>;

export const overrideApproveRequest = z.strictObject({ overrideId: z.string().min(1), actor, role, reason: reason.optional() });
export type OverrideApproveRequest = z.output<typeof overrideApproveRequest>;

export const autoModeOnRequest = z.strictObject({ reason, actor, role });
export type AutoModeOnRequest = z.output<typeof autoModeOnRequest>;

export const autoModeOffRequest = z.strictObject({ reason, actor });
export type AutoModeOffRequest = z.output<typeof autoModeOffRequest>;

export const recordDrillRequest = z.strictObject({ report: DrillCompleted.schema, actor });
export type RecordDrillRequest = z.output<typeof recordDrillRequest>;

// ---- answers ------------------------------------------------------------------------------------

export interface KillResponse {
  scope: string;
  engaged: boolean;
  /** Resting orders in the scope the kill switch asked execution to cancel. */
  ordersToCancel: number;
  /** False when it was already engaged and nothing was left to cancel. */
  changed: boolean;
}

export interface ReleaseResponse {
  scope: string;
  released: true;
}

export interface TradingStateView {
  scope: string;
  status: 'ACTIVE' | 'REDUCING' | 'HALTED';
  cause: string;
  since: string | null;
  /** Why, when the cause alone does not say (readiness: its first reason). */
  reason?: string;
  /** Who holds the scope here: the trading-state board (absent) or the account's reconciliation readiness. */
  source?: 'readiness';
}

export interface RiskStateView {
  accountId: string;
  mode: string;
  /**
   * Every scope that was ever moved on the board, plus a row for the account while reconciliation
   * readiness holds it HALTED (`source: 'readiness'`); the stricter row of a scope applies. A scope not
   * listed is ACTIVE.
   */
  tradingStates: TradingStateView[];
  /**
   * The account's latest TradingReadinessChanged (`ready` null: none recorded) and whether it holds the
   * account HALTED now (outside SIMULATED an account never assessed is HALTED).
   */
  readiness?: { enforced: boolean; ready: boolean | null; reasons: string[]; at: string | null };
  killSwitches: Array<{ scope: string; actor: string; reason: string; at: string }>;
  breakers: Array<{ scope: string; breaker: string; value: string; bound: string; action: string; at: string; coolDownMs: number | null }>;
  disabledStrategies: Array<{ strategy: string; cause: string; since: string }>;
  autoMode: { status: 'on' | 'off'; mode?: string; enabledBy?: string; lastDisabled?: { cause: string; detail: string; at: string } | null };
  limits: { configured: boolean; effectiveAt?: string; changedBy?: string; reason?: string; changes?: number };
  emergencyStops: EmergencyStopView[];
  workingOrders: number;
  positions: Array<{ strategy: string | null; symbol: string; quantity: string }>;
  equity: string | null;
  /** The reference price risk holds for each symbol it has seen (the mid of the last quote, or a recorded bar). */
  referencePrices: Array<{ symbol: string; mid: string; at: string }>;
  /** Position in the store the view has folded up to. */
  checkpoint: number;
}

export interface LimitsView {
  configured: boolean;
  limits: RiskLimits | null;
  effectiveAt?: string;
  changedBy?: string;
  reason?: string;
  changes?: number;
}

export interface EmergencyStopView {
  stopId: string;
  scope: string;
  status: 'running' | 'completed';
  outcome?: EmergencyStopCompletedData['outcome'];
  startedAt: string;
  actor: string;
  reason: string;
  flattenOrders: EmergencyExitOrder[];
  remaining: EmergencyStopCompletedData['remaining'];
  /** Where it is: waiting for cancels, exits working, completed. */
  phase: string;
}

export interface OverrideView {
  overrideId: string;
  status: string;
  clientOrderId: string;
  controls: string[];
  expiresAt: string;
  requestedBy: string;
  approvedBy?: string;
}
