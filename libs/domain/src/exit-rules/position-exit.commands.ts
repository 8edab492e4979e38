import type { EmergencyExitCause, ExitRule } from '@tollgate/contracts';
import type { Decimal } from '@tollgate/kernel';

interface ExitOrderFields {
  positionId: string;
  /** Derived from the position and the trigger (`exitIntentIdFor`), so a retried command is the same intent. */
  exitIntentId: string;
  symbol: string;
  side: 'sell' | 'buy_to_cover';
  quantity: Decimal;
  orderType: 'market' | 'limit';
  limitPrice: Decimal | null;
  detail: string;
  actor: string;
  at: string;
}

/** An exit rule fired (see `evaluateExitRules`). */
export interface RequestExit extends ExitOrderFields {
  type: 'RequestExit';
  rule: ExitRule;
  triggerPrice: Decimal;
  /** Quoted spread when the rule fired, in basis points of the mid, and the configured limit. */
  spreadBps: Decimal;
  wideSpreadBps: Decimal;
  /** From the exchange calendar: emergency exits during market hours are what the readiness gate counts. */
  duringMarketHours: boolean;
}

/** A safety mechanism flattens the position. */
export interface ForceEmergencyExit extends ExitOrderFields {
  type: 'ForceEmergencyExit';
  cause: Exclude<EmergencyExitCause, 'wide_spread'>;
  spreadBps: Decimal | null;
  duringMarketHours: boolean;
}

/** The exit order filled and the position is flat. */
export interface CompleteExit {
  type: 'CompleteExit';
  positionId: string;
  exitIntentId: string;
  at: string;
}

/** The exit order ended without flattening the position (canceled, rejected, expired). */
export interface AbandonExit {
  type: 'AbandonExit';
  positionId: string;
  exitIntentId: string;
  reason: string;
  at: string;
}

export type PositionExitCommand = RequestExit | ForceEmergencyExit | CompleteExit | AbandonExit;
