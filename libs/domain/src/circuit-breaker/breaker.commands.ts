import type { BreakerLimits, BreakerName, OperatorRole } from '@tollgate/contracts';
import type { DecimalInput } from '../risk/pre-trade/request';

/**
 * What the breakers measure, computed by the risk service from events (ledger marks, order
 * outcomes, broker calls, feed and sync health). Leave out what was not measured this time.
 */
export interface BreakerMeasurements {
  /** Mark-to-market equity now; also raises the high-water mark the drawdown is measured from. */
  equity?: DecimalInput;
  /** Today's P&L, mark-to-market: realized plus unrealized, so it moves with no trade. */
  dailyPnl?: DecimalInput;
  consecutiveLosses?: number;
  orders?: { rejected: number; total: number };
  brokerRequests?: { errors: number; total: number };
  marketDataAgeMs?: number;
  consecutiveSyncFailures?: number;
  reconciliationBreaks?: number;
  clockSkewMs?: number;
}

export interface ObserveBreakers {
  type: 'ObserveBreakers';
  scope: string;
  limits: BreakerLimits;
  measurements: BreakerMeasurements;
  /** Working orders in the scope, for the cancel intent a HALT raises. */
  workingOrdersInScope: string[];
  at: string;
}

/** Measuring failed (the P&L code threw, a projection was unavailable): fail safe, HALT. */
export interface ReportBreakerEvaluationFailure {
  type: 'ReportBreakerEvaluationFailure';
  scope: string;
  error: string;
  workingOrdersInScope: string[];
  at: string;
}

export interface ResetBreaker {
  type: 'ResetBreaker';
  scope: string;
  breaker: BreakerName;
  actor: string;
  role: OperatorRole | null;
  reason: string;
  at: string;
}

export type BreakerCommand = ObserveBreakers | ReportBreakerEvaluationFailure | ResetBreaker;
