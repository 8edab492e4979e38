import type { OperatorRole, TradingStatus } from '@tollgate/contracts';

/** `tollgate state set`, or a system component tightening a scope. */
export interface ChangeTradingState {
  type: 'ChangeTradingState';
  scope: string;
  to: TradingStatus;
  actor: string;
  role: OperatorRole | null;
  reason: string;
  at: string;
}

export type TradingStateCommand = ChangeTradingState;
