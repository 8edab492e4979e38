import { DomainError, type Decider } from '@tollgate/kernel';
import { requirePersonWithRole, requireReason, RISK_ROLES } from '../authority';
import type { StrategyExecutionCommand } from './strategy-execution.commands';
import {
  evolveStrategyExecution,
  initialStrategyExecutionState,
  type StrategyExecutionEvent,
  type StrategyExecutionState,
} from './strategy-execution.state';

/** A strategy with more than `maxFills` fills within the window is disabled until a person re-enables it. */
export function decideStrategyExecution(command: StrategyExecutionCommand, state: StrategyExecutionState): StrategyExecutionEvent[] {
  switch (command.type) {
    case 'ObserveStrategyFills': {
      if (state.status === 'disabled') return [];
      const atMs = Date.parse(command.at);
      const since = Math.max(atMs - command.windowMs, state.countFillsAfter === null ? Number.NEGATIVE_INFINITY : Date.parse(state.countFillsAfter));
      const fills = command.fillTimes.filter((time) => {
        const fillMs = Date.parse(time);
        return fillMs > since && fillMs <= atMs;
      }).length;
      if (fills <= command.maxFills) return [];
      return [
        {
          type: 'StrategyDisabled',
          data: {
            strategy: command.strategy,
            cause: 'repeated_execution',
            fills,
            maxFills: command.maxFills,
            windowMs: command.windowMs,
            actor: 'system:risk',
            at: command.at,
          },
        },
      ];
    }
    case 'DisableStrategy': {
      requireReason(command.cause, 'disabling a strategy');
      if (state.status === 'disabled') return [];
      return [{ type: 'StrategyDisabled', data: { strategy: command.strategy, cause: command.cause, fills: null, maxFills: null, windowMs: null, actor: command.actor, at: command.at } }];
    }
    case 'EnableStrategy': {
      requirePersonWithRole(command, RISK_ROLES, `re-enabling strategy ${command.strategy}`);
      if (state.status === 'enabled') throw new DomainError('STRATEGY_NOT_DISABLED', `re-enabling strategy ${command.strategy} was refused: it is not disabled`);
      return [{ type: 'StrategyEnabled', data: { strategy: command.strategy, actor: command.actor, role: command.role!, reason: command.reason.trim(), at: command.at } }];
    }
    default: {
      const unknown: never = command;
      throw new Error(`unknown strategy execution command ${JSON.stringify(unknown)}`);
    }
  }
}

export const strategyExecutionDecider: Decider<StrategyExecutionCommand, StrategyExecutionEvent, StrategyExecutionState> = {
  decide: decideStrategyExecution,
  evolve: evolveStrategyExecution,
  initialState: initialStrategyExecutionState,
};
