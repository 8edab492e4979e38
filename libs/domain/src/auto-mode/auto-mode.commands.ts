import type { AutoModeDisabledData, AutoModeLimits, OperatorRole } from '@tollgate/contracts';
import type { TradingMode } from '../risk/pre-trade/request';

/**
 * The readiness gate for a mode, computed by operations. Until that exists nothing passes one, so
 * auto-mode turns on only in SIMULATED.
 */
export interface ReadinessGateResult {
  mode: TradingMode;
  passed: boolean;
}

export interface EnableAutoMode {
  type: 'EnableAutoMode';
  accountId: string;
  mode: TradingMode;
  actor: string;
  role: OperatorRole | null;
  reason: string;
  /** The account's auto-mode limits in force; none configured → refused. */
  limits: AutoModeLimits | null;
  readinessGate: ReadinessGateResult | null;
  at: string;
}

export interface DisableAutoMode {
  type: 'DisableAutoMode';
  cause: AutoModeDisabledData['cause'];
  detail: string;
  actor: string;
  at: string;
}

/** The proposals service counts each order it auto-approved against the day's maximum. */
export interface CountAutoApproval {
  type: 'CountAutoApproval';
  proposalId: string;
  tradingDay: string;
  notional: string;
  at: string;
}

export type AutoModeCommand = EnableAutoMode | DisableAutoMode | CountAutoApproval;
