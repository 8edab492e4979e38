import type { SyncState } from './sync.state';

export interface ReconciliationStanding {
  /** The latest run since the last required sync: passed, had breaks, or could not read the broker. */
  latest: { status: 'passed' | 'breaks' | 'unknown'; halt: boolean; checkedAt: string } | null;
  /**
   * Whether a run has passed since start-up (trading never starts before one has). A run whose only open
   * breaks have policy alert or quarantine counts: those policies say "tell someone", not "stop"; a run that
   * adopted something does not (the next run checks the adjustment).
   */
  passedSinceStartup: boolean;
}

export interface TradingReadiness {
  ready: boolean;
  /** Why not, one line each; empty when ready. */
  reasons: string[];
}

/**
 * No order before the start-up sync and reconciliation have passed (failure mode 4); after a
 * disconnect, none until a new sync has completed; a failed sync or a halting break stops trading.
 */
export function tradingReadiness(sync: SyncState, reconciliation: ReconciliationStanding): TradingReadiness {
  const reasons: string[] = [];
  if (sync.connection === 'disconnected') reasons.push('the broker connection is down');
  if (sync.syncRequired) reasons.push(sync.lastCompletedAt === null ? 'the start-up sync has not completed' : 'a sync after reconnecting has not completed');
  if (sync.consecutiveFailures > 0) reasons.push(`the last sync failed (${sync.consecutiveFailures} in a row)`);
  if (!reconciliation.passedSinceStartup) reasons.push('no reconciliation has passed since start-up');
  const latest = reconciliation.latest;
  if (latest === null) reasons.push('no reconciliation has run since the last sync');
  else if (latest.status === 'unknown') reasons.push('the latest reconciliation could not read the broker');
  else if (latest.halt) reasons.push('a reconciliation break with policy halt is open');
  else if (sync.lastCompletedAt !== null && latest.checkedAt < sync.lastCompletedAt) reasons.push('no reconciliation has run since the last sync');
  return { ready: reasons.length === 0, reasons };
}

/** The latest TradingReadinessChanged of an account, as a reader folds it. */
export interface RecordedReadiness {
  ready: boolean;
  reasons: readonly string[];
}

/**
 * How the risk side should read readiness: an account that is not ready is HALTED (nothing but cancels),
 * with `reconciliation:not_ready` as the cause and the first reason. `neverAssessed` says what an account
 * with no readiness event at all gets: HALTED where a reconciliation service must run (fail closed: no
 * order before the start-up sync and reconciliation), nothing where none runs (a scratch system).
 */
export function readinessTradingState(
  latest: RecordedReadiness | null,
  neverAssessed: 'halted' | 'ignore',
): { status: 'HALTED'; cause: string; reason: string } | null {
  if (latest === null) {
    return neverAssessed === 'halted' ? { status: 'HALTED', cause: 'reconciliation:not_ready', reason: 'no start-up sync and reconciliation has been recorded' } : null;
  }
  if (latest.ready) return null;
  return { status: 'HALTED', cause: 'reconciliation:not_ready', reason: latest.reasons[0] ?? 'trading is not ready' };
}
