import type { PositionExitEvent } from '@tollgate/contracts';
import { assertNever, deterministicId, decString, DomainError, type Decider } from '@tollgate/kernel';
import type { AbandonExit, CompleteExit, ForceEmergencyExit, PositionExitCommand, RequestExit } from './position-exit.commands';
import { evolvePositionExit, initialPositionExitState, type PositionExitState } from './position-exit.state';

/** The exit intent for a trigger: a retried or replayed trigger is the same intent. */
export function exitIntentIdFor(positionId: string, trigger: string, at: string): string {
  return deterministicId('tollgate.exit-intent', positionId, trigger, at);
}

export function decidePositionExit(command: PositionExitCommand, state: PositionExitState): PositionExitEvent[] {
  switch (command.type) {
    case 'RequestExit':
      return requestExit(command, state);
    case 'ForceEmergencyExit':
      return forceEmergencyExit(command, state);
    case 'CompleteExit':
      return completeExit(command, state);
    case 'AbandonExit':
      return abandonExit(command, state);
    default:
      return assertNever(command, 'position exit command');
  }
}

function requestExit(command: RequestExit, state: PositionExitState): PositionExitEvent[] {
  if (state.status === 'closed') throw closed(command.positionId, state.closedBy);
  if (state.status === 'exiting') {
    if (state.working.exitIntentId === command.exitIntentId) return [];
    throw new DomainError(
      'EXIT_ALREADY_WORKING',
      `position ${command.positionId} already has exit ${state.working.exitIntentId} (${state.working.rule ?? state.working.cause}) working; ${command.rule} sends no second order`,
      { workingExitIntentId: state.working.exitIntentId, rule: command.rule },
    );
  }
  const order = orderFields(command);
  // A marketable exit that has to cross a wide spread is a forced exit in all but name: it is
  // recorded as one, with the rule that fired.
  if (command.orderType === 'market' && command.spreadBps.greaterThan(command.wideSpreadBps)) {
    return [
      {
        type: 'EmergencyExit',
        data: {
          ...order,
          detail: `${command.detail}; spread ${decString(command.spreadBps)} bps exceeded ${decString(command.wideSpreadBps)} bps`,
          cause: 'wide_spread',
          rule: command.rule,
          spreadBps: decString(command.spreadBps),
          duringMarketHours: command.duringMarketHours,
          replacesExitIntentId: null,
        },
      },
    ];
  }
  return [{ type: 'ExitRequested', data: { ...order, rule: command.rule, triggerPrice: decString(command.triggerPrice) } }];
}

function forceEmergencyExit(command: ForceEmergencyExit, state: PositionExitState): PositionExitEvent[] {
  if (state.status === 'closed') throw closed(command.positionId, state.closedBy);
  // One emergency intent flattens the position; a second mechanism adds nothing, and counting it
  // would make the readiness gate's emergency-exit figure wrong.
  if (state.status === 'exiting' && state.working.kind === 'emergency') return [];
  const replacesExitIntentId = state.status === 'exiting' ? state.working.exitIntentId : null;
  return [
    {
      type: 'EmergencyExit',
      data: {
        ...orderFields(command),
        cause: command.cause,
        rule: null,
        spreadBps: command.spreadBps === null ? null : decString(command.spreadBps),
        duringMarketHours: command.duringMarketHours,
        replacesExitIntentId,
      },
    },
  ];
}

function completeExit(command: CompleteExit, state: PositionExitState): PositionExitEvent[] {
  if (state.status === 'closed' && state.closedBy === command.exitIntentId) return [];
  requireWorking(command.positionId, command.exitIntentId, state);
  return [{ type: 'ExitCompleted', data: { positionId: command.positionId, exitIntentId: command.exitIntentId, completedAt: command.at } }];
}

function abandonExit(command: AbandonExit, state: PositionExitState): PositionExitEvent[] {
  requireWorking(command.positionId, command.exitIntentId, state);
  return [{ type: 'ExitAbandoned', data: { positionId: command.positionId, exitIntentId: command.exitIntentId, reason: command.reason, abandonedAt: command.at } }];
}

function requireWorking(positionId: string, exitIntentId: string, state: PositionExitState): void {
  if (state.status !== 'exiting' || state.working.exitIntentId !== exitIntentId) {
    throw new DomainError('EXIT_INTENT_NOT_WORKING', `exit ${exitIntentId} is not the working exit of position ${positionId}`, { exitIntentId, status: state.status });
  }
}

function closed(positionId: string, closedBy: string): DomainError {
  return new DomainError('POSITION_ALREADY_CLOSED', `position ${positionId} was closed by exit ${closedBy}`, { closedBy });
}

function orderFields(command: RequestExit | ForceEmergencyExit) {
  if (!command.quantity.isPositive() || command.quantity.isZero()) {
    throw new DomainError('EXIT_INVALID', `exit quantity must be positive, was ${decString(command.quantity)}`, { positionId: command.positionId });
  }
  if ((command.orderType === 'limit') !== (command.limitPrice !== null)) {
    throw new DomainError('EXIT_INVALID', 'a limit exit needs a limit price and a market exit must not have one', { positionId: command.positionId });
  }
  return {
    positionId: command.positionId,
    exitIntentId: command.exitIntentId,
    symbol: command.symbol,
    side: command.side,
    quantity: decString(command.quantity),
    orderType: command.orderType,
    limitPrice: command.limitPrice === null ? null : decString(command.limitPrice),
    detail: command.detail,
    requestedAt: command.at,
    actor: command.actor,
  };
}

/** The position-exit aggregate (stream `positionexit-<positionId>`) as one value. */
export const positionExitDecider: Decider<PositionExitCommand, PositionExitEvent, PositionExitState> = {
  decide: decidePositionExit,
  evolve: evolvePositionExit,
  initialState: initialPositionExitState,
};
