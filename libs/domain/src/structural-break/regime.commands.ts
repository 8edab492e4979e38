import type { BreakConfirmationPolicy } from '@tollgate/contracts';
import type { DetectorAlarm } from './online-detector';

/** The online detector alarmed for the symbol. Ignored while a suspicion is already open. */
export interface SuspectStructuralBreak {
  type: 'SuspectStructuralBreak';
  symbol: string;
  /** Derived from symbol and bar time (`breakSuspicionIdFor`), so a replay raises the same one. */
  suspicionId: string;
  alarm: DetectorAlarm;
  /** End time of the bar whose return crossed the threshold. */
  detectedAt: string;
  confirmation: BreakConfirmationPolicy;
}

export interface WindowReturn {
  /** Bar end time, ISO-8601. */
  at: string;
  /** The bar's log return. Statistics are floating point; money never is. */
  value: number;
}

/**
 * Run the offline test on the suspicion's window. `recentReturns` are the symbol's latest returns,
 * oldest first; the decider takes the `lookbackBars` up to the detection bar and the `afterBars`
 * after it, so what is tested is fixed by the suspicion, not by how many bars the caller passed.
 */
export interface ResolveStructuralBreakSuspicion {
  type: 'ResolveStructuralBreakSuspicion';
  symbol: string;
  suspicionId: string;
  recentReturns: readonly WindowReturn[];
  at: string;
}

export type RegimeCommand = SuspectStructuralBreak | ResolveStructuralBreakSuspicion;
