import { DomainError, type Decider } from '@tollgate/kernel';
import { tradingStateScope } from '@tollgate/contracts';
import { isPerson, requirePersonWithRole, requireReason, RISK_ROLES } from '../risk/authority';
import type { TradingStateCommand } from './trading-state.commands';
import { evolveTradingState, initialTradingState, RESTRICTIVENESS, type TradingState, type TradingStateEvent } from './trading-state.state';

/**
 * Tightening is open to anyone (a person, a breaker, a watchdog). Loosening needs a person with a
 * risk role and a reason, and a state a breaker set is loosened only by resetting that breaker, so
 * flipping the state cannot bypass a tripped breaker.
 */
export function decideTradingState(command: TradingStateCommand, state: TradingState): TradingStateEvent[] {
  switch (command.type) {
    case 'ChangeTradingState': {
      if (!tradingStateScope.safeParse(command.scope).success) {
        throw new DomainError('SCOPE_INVALID', `trading state change was refused: scope ${command.scope} is not account:ID or strategy:NAME`);
      }
      requireReason(command.reason, 'trading state change');
      if (command.to === state.status) return [];
      const loosening = RESTRICTIVENESS[command.to] < RESTRICTIVENESS[state.status];
      if (loosening) {
        requirePersonWithRole(command, RISK_ROLES, `moving ${command.scope} to ${command.to}`);
        if (state.cause.startsWith('breaker:')) {
          throw new DomainError('BREAKER_HOLDS_STATE', `moving ${command.scope} to ${command.to} was refused: ${state.cause} holds it; reset the breaker instead`, {
            cause: state.cause,
          });
        }
      }
      return [
        {
          type: 'TradingStateChanged',
          data: {
            scope: command.scope,
            from: state.status,
            to: command.to,
            cause: isPerson(command.actor) ? 'operator' : command.actor,
            actor: command.actor,
            reason: command.reason.trim(),
            at: command.at,
          },
        },
      ];
    }
    default: {
      const unknown: never = command.type;
      throw new Error(`unknown trading state command ${String(unknown)}`);
    }
  }
}

export const tradingStateDecider: Decider<TradingStateCommand, TradingStateEvent, TradingState> = {
  decide: decideTradingState,
  evolve: evolveTradingState,
  initialState: initialTradingState,
};
