import { deterministicId } from '@tollgate/kernel';

/** The same strategy decision (strategy, symbol, side, bar) always proposes under the same id. */
export function proposalIdFor(strategy: string, symbol: string, side: string, decidedAt: string): string {
  return deterministicId('tollgate.proposal', strategy, symbol, side, decidedAt);
}

/** The order intent an approved proposal becomes; the execution path derives the client order id from it. */
export function proposalOrderIntentIdFor(proposalId: string): string {
  return deterministicId('tollgate.proposal-intent', proposalId);
}
