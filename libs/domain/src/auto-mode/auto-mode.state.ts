import type {
  AutoApprovalCounted,
  AutoModeDisabled,
  AutoModeDisabledData,
  AutoModeEnabled,
  AutoModeLimits,
  RiskEventOf,
} from '@tollgate/contracts';
import type { TradingMode } from '../risk/pre-trade/request';

export type AutoModeEvent = RiskEventOf<typeof AutoModeEnabled> | RiskEventOf<typeof AutoModeDisabled> | RiskEventOf<typeof AutoApprovalCounted>;

/** Auto-approvals of the current trading day; kept across off/on so turning it off and on again resets nothing. */
export interface AutoApprovalTally {
  tradingDay: string | null;
  count: number;
}

/** One per account (`automode-<accountId>`). */
export type AutoModeState =
  | { status: 'off'; approvals: AutoApprovalTally; lastDisabled: Pick<AutoModeDisabledData, 'cause' | 'detail' | 'at'> | null }
  | { status: 'on'; accountId: string; mode: TradingMode; limits: AutoModeLimits; enabledBy: string; enabledAt: string; approvals: AutoApprovalTally };

export const initialAutoModeState = (): AutoModeState => ({ status: 'off', approvals: { tradingDay: null, count: 0 }, lastDisabled: null });

export function evolveAutoMode(state: AutoModeState, event: AutoModeEvent): AutoModeState {
  switch (event.type) {
    case 'AutoModeEnabled':
      return {
        status: 'on',
        accountId: event.data.accountId,
        mode: event.data.mode,
        limits: event.data.limits,
        enabledBy: event.data.actor,
        enabledAt: event.data.at,
        approvals: state.approvals,
      };
    case 'AutoModeDisabled':
      return { status: 'off', approvals: state.approvals, lastDisabled: { cause: event.data.cause, detail: event.data.detail, at: event.data.at } };
    case 'AutoApprovalCounted': {
      const approvals =
        state.approvals.tradingDay === event.data.tradingDay
          ? { tradingDay: event.data.tradingDay, count: state.approvals.count + 1 }
          : { tradingDay: event.data.tradingDay, count: 1 };
      return { ...state, approvals };
    }
    default: {
      const unknown: never = event;
      throw new Error(`unknown auto-mode event ${JSON.stringify(unknown)}`);
    }
  }
}
