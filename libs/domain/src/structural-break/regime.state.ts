import type { RegimeEvent, StructuralBreakConfirmedData, StructuralBreakSuspectedData } from '@tollgate/contracts';
import { assertNever } from '@tollgate/kernel';

/** What the symbol's history of breaks says, whatever its current status. */
export interface RegimeHistory {
  confirmedCount: number;
  /** Dismissed suspicions are the online detector's false positives; the readiness gate counts them. */
  dismissedCount: number;
  lastConfirmedBreak: Pick<StructuralBreakConfirmedData, 'suspicionId' | 'series' | 'breakAt' | 'resolvedAt'> | null;
}

export type RegimeState =
  | ({ status: 'stable' } & RegimeHistory)
  /** While suspected, new proposals for the symbol are blocked. */
  | ({ status: 'suspected'; suspicion: StructuralBreakSuspectedData } & RegimeHistory);

export function initialRegimeState(): RegimeState {
  return { status: 'stable', confirmedCount: 0, dismissedCount: 0, lastConfirmedBreak: null };
}

export function evolveRegime(state: RegimeState, event: RegimeEvent): RegimeState {
  const history: RegimeHistory = { confirmedCount: state.confirmedCount, dismissedCount: state.dismissedCount, lastConfirmedBreak: state.lastConfirmedBreak };
  switch (event.type) {
    case 'StructuralBreakSuspected':
      return { status: 'suspected', suspicion: event.data, ...history };
    case 'StructuralBreakConfirmed': {
      const { suspicionId, series, breakAt, resolvedAt } = event.data;
      return { status: 'stable', ...history, confirmedCount: history.confirmedCount + 1, lastConfirmedBreak: { suspicionId, series, breakAt, resolvedAt } };
    }
    case 'StructuralBreakDismissed':
      return { status: 'stable', ...history, dismissedCount: history.dismissedCount + 1 };
    default:
      return assertNever(event, 'regime event');
  }
}

/** New proposals for a symbol wait while a break is suspected: the strategy's premise may be gone. */
export function regimeBlocksNewProposals(state: RegimeState): boolean {
  return state.status === 'suspected';
}

/**
 * The last confirmed break: when it happened (end of its last pre-break bar) and when it was
 * confirmed. The exit rule closes positions opened before the confirmation.
 */
export function lastConfirmedBreak(state: RegimeState): { breakAt: string; confirmedAt: string } | null {
  return state.lastConfirmedBreak === null ? null : { breakAt: state.lastConfirmedBreak.breakAt, confirmedAt: state.lastConfirmedBreak.resolvedAt };
}
