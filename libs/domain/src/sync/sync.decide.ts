import { assertNever, deterministicId, DomainError } from '@tollgate/kernel';
import { adoptFills } from './adopt-fills';
import type { CompleteSync, FailSync, RecordDisconnect, RecordReconnect, StartSync, SyncCommand } from './sync.commands';
import type { SyncEvent, SyncState } from './sync.state';

/**
 * One account's sync stream. A completed sync writes its adopted fills and its new cursor in one
 * append, so a crash can never move the cursor past a fill that was not adopted (failure mode 19).
 */
export function decideSync(command: SyncCommand, state: SyncState): SyncEvent[] {
  switch (command.type) {
    case 'StartSync':
      return start(command, state);
    case 'CompleteSync':
      return complete(command, state);
    case 'FailSync':
      return fail(command, state);
    case 'RecordDisconnect':
      return disconnect(command, state);
    case 'RecordReconnect':
      return reconnect(command, state);
    default:
      return assertNever(command, 'sync command');
  }
}

function start(command: StartSync, state: SyncState): SyncEvent[] {
  // A run left `running` by a crash is superseded by the next start; the same run started twice is one start.
  if (state.status === 'running' && state.syncId === command.syncId) return [];
  return [
    {
      id: deterministicId('SyncStarted', command.syncId),
      type: 'SyncStarted',
      occurredAt: command.now,
      data: {
        syncId: command.syncId,
        accountId: command.accountId,
        broker: command.broker,
        trigger: command.trigger,
        fillCursor: state.fillCursor,
        startedAt: command.now,
      },
    },
  ];
}

function requireRunning(state: SyncState, syncId: string): Extract<SyncState, { status: 'running' }> {
  if (state.status !== 'running' || state.syncId !== syncId) {
    throw new DomainError('SYNC_NOT_RUNNING', `sync ${syncId} is not the running sync`, { syncId });
  }
  return state;
}

function complete(command: CompleteSync, state: SyncState): SyncEvent[] {
  const running = requireRunning(state, command.syncId);
  const adoption = adoptFills({
    accountId: command.accountId,
    broker: command.broker,
    fills: command.fillsToAdopt,
    isOurClientOrderId: () => true,
    isRecorded: () => false,
  });
  return [
    ...adoption.adopted,
    {
      id: deterministicId('SyncCompleted', command.syncId),
      type: 'SyncCompleted',
      occurredAt: command.now,
      data: {
        syncId: command.syncId,
        accountId: command.accountId,
        broker: command.broker,
        trigger: running.trigger,
        fillCursorBefore: running.fillCursorBefore,
        fillCursorAfter: command.fillCursorAfter,
        fillsFetched: command.fillsFetched,
        fillsAdopted: adoption.adopted.length,
        foreignFills: command.foreignFills,
        openOrders: command.openOrders,
        positions: command.positions,
        unknownSubmitsResolved: command.unknownSubmitsResolved,
        completedAt: command.now,
      },
    },
  ];
}

function fail(command: FailSync, state: SyncState): SyncEvent[] {
  const running = requireRunning(state, command.syncId);
  if (command.attempts < 1) throw new DomainError('ATTEMPTS_REQUIRED', `sync ${command.syncId} failed without any attempt`);
  return [
    {
      id: deterministicId('SyncFailed', command.syncId),
      type: 'SyncFailed',
      occurredAt: command.now,
      data: {
        syncId: command.syncId,
        accountId: command.accountId,
        broker: command.broker,
        trigger: running.trigger,
        query: command.query,
        attempts: command.attempts,
        lastError: command.lastError,
        failedAt: command.now,
      },
    },
  ];
}

function disconnect(command: RecordDisconnect, state: SyncState): SyncEvent[] {
  if (state.connection === 'disconnected') return [];
  return [
    {
      id: deterministicId('BrokerDisconnected', command.accountId, command.now),
      type: 'BrokerDisconnected',
      occurredAt: command.now,
      data: { accountId: command.accountId, broker: command.broker, reason: command.reason, disconnectedAt: command.now },
    },
  ];
}

function reconnect(command: RecordReconnect, state: SyncState): SyncEvent[] {
  if (state.connection === 'connected') return [];
  return [
    {
      id: deterministicId('BrokerReconnected', command.accountId, command.now),
      type: 'BrokerReconnected',
      occurredAt: command.now,
      data: { accountId: command.accountId, broker: command.broker, reconnectedAt: command.now },
    },
  ];
}
