import type { DecimalInput } from '../risk/pre-trade/request';
import type { RestingOrderRef } from './kill-switch.commands';
import type { KillSwitchState } from './kill-switch.state';

export interface ExitPosition {
  accountId: string;
  strategy: string | null;
  symbol: string;
  /** Signed: negative is short. */
  quantity: DecimalInput;
}

/** What a collared exit needs per symbol: the last mid, the tick, and the collar percent in force. */
export interface ExitPricing {
  mid: DecimalInput;
  tickSize: DecimalInput;
  collarPercent: DecimalInput;
}

/** Kill switch, then flatten every position in the scope with collared marketable limit orders. */
export interface StartEmergencyStop {
  type: 'StartEmergencyStop';
  stopId: string;
  scope: string;
  actor: string;
  reason: string;
  positions: readonly ExitPosition[];
  pricing: Readonly<Record<string, ExitPricing>>;
  /** The kill switch as it stands, so the stop engages it only where it is not already on. */
  killSwitch: KillSwitchState;
  restingOrders: readonly RestingOrderRef[];
  /** How many exit orders per position before the stop gives up on it and says so. */
  maxAttempts: number;
  at: string;
}

/** Positions now, and which exit orders are still working; re-plans exits that ended unfilled. */
export interface RecordEmergencyStopProgress {
  type: 'RecordEmergencyStopProgress';
  positions: readonly ExitPosition[];
  workingExitOrders: readonly string[];
  pricing: Readonly<Record<string, ExitPricing>>;
  at: string;
}

/** The stop's deadline passed: finish, flat or with an alert saying what is left. */
export interface ConcludeEmergencyStop {
  type: 'ConcludeEmergencyStop';
  positions: readonly ExitPosition[];
  at: string;
}

export type EmergencyStopCommand = StartEmergencyStop | RecordEmergencyStopProgress | ConcludeEmergencyStop;
