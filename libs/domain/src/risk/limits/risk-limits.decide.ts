import type { Decider } from '@tollgate/kernel';
import { requirePersonWithRole, RISK_ROLES } from '../authority';
import { parseRiskLimits } from './limits';
import type { RiskLimitsCommand } from './risk-limits.commands';
import { evolveRiskLimits, initialRiskLimitsState, type RiskLimitsEvent, type RiskLimitsState } from './risk-limits.state';

/**
 * Limits are configuration held as events: every change carries who, why and the full document, so
 * any past decision can be re-checked against the limits in force at that moment.
 */
export function decideRiskLimits(command: RiskLimitsCommand, _state: RiskLimitsState): RiskLimitsEvent[] {
  switch (command.type) {
    case 'ChangeRiskLimits': {
      requirePersonWithRole(command, RISK_ROLES, 'changing risk limits');
      const limits = parseRiskLimits(command.limits);
      return [{ type: 'RiskLimitsChanged', data: { actor: command.actor, reason: command.reason.trim(), effectiveAt: command.at, limits } }];
    }
    default: {
      const unknown: never = command.type;
      throw new Error(`unknown risk limits command ${String(unknown)}`);
    }
  }
}

export const riskLimitsDecider: Decider<RiskLimitsCommand, RiskLimitsEvent, RiskLimitsState> = {
  decide: decideRiskLimits,
  evolve: evolveRiskLimits,
  initialState: initialRiskLimitsState,
};
