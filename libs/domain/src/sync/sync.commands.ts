import type { BrokerFill, SyncQuery, SyncTrigger } from '@tollgate/contracts';

/** Commands on one account's sync stream (`sync-<accountId>`). Time and ids come in here. */
export type SyncCommand = StartSync | CompleteSync | FailSync | RecordDisconnect | RecordReconnect;

interface SyncCommandBase {
  accountId: string;
  broker: string;
  now: string;
}

export interface StartSync extends SyncCommandBase {
  type: 'StartSync';
  syncId: string;
  trigger: SyncTrigger;
}

export interface CompleteSync extends SyncCommandBase {
  type: 'CompleteSync';
  syncId: string;
  fillCursorAfter: string | null;
  /** Every fill fetched in the run (ours and foreign, recorded or not). */
  fillsFetched: number;
  /** Fills of our orders the ledger lacked: adopted in the same append as the cursor move. */
  fillsToAdopt: readonly BrokerFill[];
  foreignFills: number;
  openOrders: number;
  positions: number;
  unknownSubmitsResolved: number;
}

export interface FailSync extends SyncCommandBase {
  type: 'FailSync';
  syncId: string;
  query: SyncQuery;
  attempts: number;
  lastError: string;
}

export interface RecordDisconnect extends SyncCommandBase {
  type: 'RecordDisconnect';
  reason: string;
}

export interface RecordReconnect extends SyncCommandBase {
  type: 'RecordReconnect';
}
