import type { BreakResolution, ReconciliationBreakClass, ReconciliationPolicy, ReconciliationSubject } from '@tollgate/contracts';

/** Commands on one reconciliation break (stream `reconciliationbreak-<breakId>`). Time and ids come in here. */
export type BreakCommand = OpenBreak | AcknowledgeBreak | ResolveBreak;

export interface OpenBreak {
  type: 'OpenBreak';
  breakId: string;
  reconciliationId: string;
  accountId: string;
  broker: string;
  class: ReconciliationBreakClass;
  subject: ReconciliationSubject;
  symbol: string | null;
  field: string;
  ours: string | null;
  brokerValue: string | null;
  policy: ReconciliationPolicy;
  now: string;
}

export interface AcknowledgeBreak {
  type: 'AcknowledgeBreak';
  breakId: string;
  /** `user:<name>` or `system:<service>`. */
  by: string;
  note: string;
  now: string;
}

export interface ResolveBreak {
  type: 'ResolveBreak';
  breakId: string;
  resolution: BreakResolution;
  reason: string;
  adjustmentEventId: string | null;
  by: string;
  now: string;
}
