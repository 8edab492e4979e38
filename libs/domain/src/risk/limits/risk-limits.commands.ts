import type { OperatorRole } from '@tollgate/contracts';

/** `tollgate limits set --file FILE --reason TEXT`: the whole limits document replaces the one in force. */
export interface ChangeRiskLimits {
  type: 'ChangeRiskLimits';
  /** The document as read from the file; validated here, refused whole when bad. */
  limits: unknown;
  actor: string;
  role: OperatorRole | null;
  reason: string;
  at: string;
}

export type RiskLimitsCommand = ChangeRiskLimits;
