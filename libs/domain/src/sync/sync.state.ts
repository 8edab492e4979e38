import type {
  BrokerDisconnectedData,
  BrokerReconnectedData,
  SyncCompletedData,
  SyncFailedData,
  SyncStartedData,
  SyncTrigger,
} from '@tollgate/contracts';
import { assertNever } from '@tollgate/kernel';
import type { BrokerFillAdoptedEvent } from './adopt-fills';
import type { ProducedEvent } from './sync.types';

export type SyncEvent =
  | ProducedEvent<'SyncStarted', SyncStartedData>
  | ProducedEvent<'SyncCompleted', SyncCompletedData>
  | ProducedEvent<'SyncFailed', SyncFailedData>
  | BrokerFillAdoptedEvent
  | ProducedEvent<'BrokerDisconnected', BrokerDisconnectedData>
  | ProducedEvent<'BrokerReconnected', BrokerReconnectedData>;

interface SyncFacts {
  /** Where the next fills query starts (exclusive); moves only with a completed sync. */
  fillCursor: string | null;
  connection: 'connected' | 'disconnected';
  /** True from start-up and from every reconnect until a sync completes: trading waits for it. */
  syncRequired: boolean;
  consecutiveFailures: number;
  /** Readiness figure: every SyncFailed ever recorded for this account. */
  totalFailures: number;
  lastCompletedAt: string | null;
}

export type SyncState =
  | ({ status: 'idle' } & SyncFacts)
  | ({ status: 'running'; syncId: string; trigger: SyncTrigger; fillCursorBefore: string | null } & SyncFacts);

export const initialSyncState: SyncState = {
  status: 'idle',
  fillCursor: null,
  connection: 'connected',
  syncRequired: true,
  consecutiveFailures: 0,
  totalFailures: 0,
  lastCompletedAt: null,
};

function facts(state: SyncState): SyncFacts {
  const { fillCursor, connection, syncRequired, consecutiveFailures, totalFailures, lastCompletedAt } = state;
  return { fillCursor, connection, syncRequired, consecutiveFailures, totalFailures, lastCompletedAt };
}

export function evolveSync(state: SyncState, event: SyncEvent): SyncState {
  switch (event.type) {
    case 'SyncStarted':
      return {
        ...facts(state),
        status: 'running',
        syncId: event.data.syncId,
        trigger: event.data.trigger,
        fillCursorBefore: event.data.fillCursor,
      };
    case 'SyncCompleted':
      return {
        ...facts(state),
        status: 'idle',
        fillCursor: event.data.fillCursorAfter,
        // A sync that began before a disconnect does not satisfy the one the reconnect requires.
        syncRequired: state.connection === 'disconnected' ? true : false,
        consecutiveFailures: 0,
        lastCompletedAt: event.data.completedAt,
      };
    case 'SyncFailed':
      return {
        ...facts(state),
        status: 'idle',
        consecutiveFailures: state.consecutiveFailures + 1,
        totalFailures: state.totalFailures + 1,
      };
    case 'BrokerFillAdopted':
      return state;
    case 'BrokerDisconnected':
      return { ...state, connection: 'disconnected', syncRequired: true };
    case 'BrokerReconnected':
      return { ...state, connection: 'connected', syncRequired: true };
    default:
      return assertNever(event, 'sync event');
  }
}
