import type { RiskEventOf, RiskLimits, RiskLimitsChanged } from '@tollgate/contracts';

export type RiskLimitsEvent = RiskEventOf<typeof RiskLimitsChanged>;

export type RiskLimitsState =
  | { status: 'unconfigured' }
  | { status: 'configured'; limits: RiskLimits; effectiveAt: string; changedBy: string; reason: string; changes: number };

export const initialRiskLimitsState = (): RiskLimitsState => ({ status: 'unconfigured' });

export function evolveRiskLimits(state: RiskLimitsState, event: RiskLimitsEvent): RiskLimitsState {
  return {
    status: 'configured',
    limits: event.data.limits,
    effectiveAt: event.data.effectiveAt,
    changedBy: event.data.actor,
    reason: event.data.reason,
    changes: state.status === 'configured' ? state.changes + 1 : 1,
  };
}
