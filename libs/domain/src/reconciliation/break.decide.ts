import { deterministicId, DomainError, assertNever } from '@tollgate/kernel';
import type { AcknowledgeBreak, BreakCommand, OpenBreak, ResolveBreak } from './break.commands';
import type { BreakEvent, BreakState } from './break.state';

/**
 * The break life cycle. Event ids derive from the break id (each step happens once per break), so a
 * retried command writes the same event and the store dedupes it; repeating a step that already
 * happened decides nothing.
 */
export function decideBreak(command: BreakCommand, state: BreakState): BreakEvent[] {
  switch (command.type) {
    case 'OpenBreak':
      return open(command, state);
    case 'AcknowledgeBreak':
      return acknowledge(command, state);
    case 'ResolveBreak':
      return resolve(command, state);
    default:
      return assertNever(command, 'break command');
  }
}

function open(command: OpenBreak, state: BreakState): BreakEvent[] {
  if (state.status !== 'none') return [];
  return [
    {
      id: deterministicId('ReconciliationBreakOpened', command.breakId),
      type: 'ReconciliationBreakOpened',
      occurredAt: command.now,
      data: {
        breakId: command.breakId,
        reconciliationId: command.reconciliationId,
        accountId: command.accountId,
        broker: command.broker,
        class: command.class,
        subject: command.subject,
        symbol: command.symbol,
        field: command.field,
        ours: command.ours,
        brokerValue: command.brokerValue,
        policy: command.policy,
        detectedAt: command.now,
      },
    },
  ];
}

function acknowledge(command: AcknowledgeBreak, state: BreakState): BreakEvent[] {
  switch (state.status) {
    case 'none':
      throw new DomainError('BREAK_NOT_FOUND', `break ${command.breakId} was never opened`, { breakId: command.breakId });
    case 'resolved':
      throw new DomainError('BREAK_ALREADY_RESOLVED', `break ${command.breakId} was already resolved (${state.resolved.resolution})`, {
        breakId: command.breakId,
      });
    case 'acknowledged':
      return [];
    case 'open':
      if (!command.by.trim()) throw new DomainError('ACKNOWLEDGER_REQUIRED', 'acknowledgement did not say who acknowledged');
      return [
        {
          id: deterministicId('ReconciliationBreakAcknowledged', command.breakId),
          type: 'ReconciliationBreakAcknowledged',
          occurredAt: command.now,
          data: { breakId: command.breakId, acknowledgedBy: command.by, note: command.note, acknowledgedAt: command.now },
        },
      ];
    default:
      return assertNever(state, 'break state');
  }
}

function resolve(command: ResolveBreak, state: BreakState): BreakEvent[] {
  switch (state.status) {
    case 'none':
      throw new DomainError('BREAK_NOT_FOUND', `break ${command.breakId} was never opened`, { breakId: command.breakId });
    case 'resolved':
      return [];
    case 'open':
    case 'acknowledged':
      if (!command.reason.trim()) {
        throw new DomainError('RESOLUTION_REASON_REQUIRED', `resolving break ${command.breakId} needs a reason`, { breakId: command.breakId });
      }
      if (command.resolution === 'adopted_broker_truth' && command.adjustmentEventId === null) {
        throw new DomainError(
          'ADJUSTMENT_REQUIRED',
          `break ${command.breakId} cannot be resolved by adopting the broker's truth without the adjustment event that carries it`,
          { breakId: command.breakId },
        );
      }
      return [
        {
          id: deterministicId('ReconciliationBreakResolved', command.breakId),
          type: 'ReconciliationBreakResolved',
          occurredAt: command.now,
          data: {
            breakId: command.breakId,
            resolution: command.resolution,
            reason: command.reason,
            adjustmentEventId: command.adjustmentEventId,
            resolvedBy: command.by,
            resolvedAt: command.now,
          },
        },
      ];
    default:
      return assertNever(state, 'break state');
  }
}
