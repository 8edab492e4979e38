import type { OperatorRole } from '@tollgate/contracts';
import type { ScopedOrder } from '../risk/scope';

export interface RestingOrderRef extends ScopedOrder {
  clientOrderId: string;
}

/** `tollgate kill --scope … --reason …`, an API call, a dashboard button, or the risk function. */
export interface EngageKillSwitch {
  type: 'EngageKillSwitch';
  scope: string;
  actor: string;
  reason: string;
  /** Every resting order the service knows of; those in scope are listed for cancelling. */
  restingOrders: readonly RestingOrderRef[];
  at: string;
}

export interface ReleaseKillSwitch {
  type: 'ReleaseKillSwitch';
  scope: string;
  actor: string;
  role: OperatorRole | null;
  reason: string;
  at: string;
}

export type KillSwitchCommand = EngageKillSwitch | ReleaseKillSwitch;
