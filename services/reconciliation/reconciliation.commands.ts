import { z } from 'zod';
import { commandSubjects, reconciliationBreakClass, type ReconciliationBreakClass, type SyncTrigger } from '@tollgate/contracts';
import type { ReconciliationReport } from '@tollgate/domain/reconciliation';

/**
 * The sync + reconciliation service on the bus (`commandSubjects.reconciliation`): run a sync and a
 * reconciliation now (`tollgate reconcile`), read where it stands, acknowledge or resolve a break.
 */
export const reconciliationSubjects = commandSubjects.reconciliation;

const actor = z.string().regex(/^(user:[^\s]+|auto|system:[a-z0-9-]+)$/, 'must be "user:<name>", "auto" or "system:<service>"');
const breakId = z.string().uuid('must be a break id (a UUID)');

export const reconcileRequest = z
  .object({
    actor,
    /**
     * Take the broker's truth for these classes in this run, as explicit adjustment events whose reason
     * names the actor and the reason given (`quantity_mismatch`, `price_mismatch` on positions, `cash_mismatch`,
     * `missing_fill`; an order's state cannot be adopted and stays a break).
     */
    adopt: z.array(reconciliationBreakClass).default([]),
    reason: z.string().trim().min(1).optional(),
  })
  .strict()
  .refine((request) => request.adopt.length === 0 || request.reason !== undefined, { message: 'adopting the broker truth needs a reason', path: ['reason'] });
export type ReconcileRequest = z.output<typeof reconcileRequest>;
export type ReconcileInput = z.input<typeof reconcileRequest>;

export const acknowledgeBreakRequest = z.object({ breakId, actor, note: z.string().default('') }).strict();
export type AcknowledgeBreakRequest = z.output<typeof acknowledgeBreakRequest>;

export const resolveBreakRequest = z.object({ breakId, actor, reason: z.string().trim().min(1, 'must say why the break is resolved') }).strict();
export type ResolveBreakRequest = z.output<typeof resolveBreakRequest>;

/** One sync run as the service reports it. */
export interface SyncSummary {
  syncId: string;
  trigger: SyncTrigger;
  outcome: 'completed' | 'failed';
  fillsFetched: number;
  fillsAdopted: number;
  foreignFills: number;
  unknownSubmits: number;
  /** When it failed: which query, after how many attempts, the last error. */
  failure?: { query: string; attempts: number; lastError: string };
  /** Orders of ours the broker had cancelled or expired while we held them as working: applied to the order. */
  ordersClosedFromLookup: number;
  durationMs: number;
}

/** What `tollgate reconcile --json` prints, plus what happened around it. */
export interface ReconcileResponse extends ReconciliationReport {
  status: 'passed' | 'breaks' | 'unknown';
  halt: boolean;
  /** Break ids still open after this run (the report's lines, by id). */
  openBreakIds: string[];
  sync: SyncSummary;
  readiness: ReadinessView;
  /** Runs made for this answer: a run that adopted something is followed by one that checks the result. */
  runs: number;
}

export interface ReadinessView {
  ready: boolean;
  reasons: string[];
}

export interface OpenBreakView {
  breakId: string;
  class: ReconciliationBreakClass;
  symbol: string | null;
  field: string;
  ours: string | null;
  broker: string | null;
  policy: string;
  status: 'open' | 'acknowledged';
}

export interface ReconciliationStatusView {
  accountId: string;
  broker: string;
  readiness: ReadinessView;
  /** From the sync stream: the fill cursor, failures in a row and in total (a readiness figure). */
  sync: { fillCursor: string | null; connection: 'connected' | 'disconnected'; consecutiveFailures: number; totalFailures: number; lastCompletedAt: string | null };
  lastRun: ReconcileResponse | null;
  openBreaks: OpenBreakView[];
}

export interface BreakChangeResponse {
  breakId: string;
  status: 'open' | 'acknowledged' | 'resolved';
}
