import type { ProposalEvent } from '@tollgate/contracts';
import type { ProposalSide } from './proposal.commands';

/**
 * A proposal that still counts as open for the duplicate rule: waiting for a decision, approved,
 * or converted into an order whose position is not closed yet. The projection that keeps this list
 * drops converted entries when their position closes (`closeProposal`).
 */
export interface OpenProposalView {
  proposalId: string;
  strategy: string;
  symbol: string;
  side: ProposalSide;
  status: 'pending' | 'approved' | 'converted';
}

export interface ProposalKey {
  strategy: string;
  symbol: string;
  side: ProposalSide;
}

/** The open proposal with the same strategy, symbol and side, if any: a new one would duplicate it. */
export function findDuplicateProposal(openProposals: readonly OpenProposalView[], candidate: ProposalKey): OpenProposalView | null {
  return (
    openProposals.find((open) => open.strategy === candidate.strategy && open.symbol === candidate.symbol && open.side === candidate.side) ?? null
  );
}

/** Folds a proposal event into the open-proposals read model. */
export function evolveOpenProposals(openProposals: readonly OpenProposalView[], event: ProposalEvent): OpenProposalView[] {
  switch (event.type) {
    case 'ProposalCreated': {
      const { proposalId, strategy, symbol, side } = event.data;
      return [...openProposals.filter((open) => open.proposalId !== proposalId), { proposalId, strategy, symbol, side, status: 'pending' }];
    }
    case 'ProposalApproved':
      return openProposals.map((open) => (open.proposalId === event.data.proposalId ? { ...open, status: 'approved' } : open));
    case 'ProposalConverted':
      return openProposals.map((open) => (open.proposalId === event.data.proposalId ? { ...open, status: 'converted' } : open));
    case 'ProposalRejected':
    case 'ProposalExpired':
      return closeProposal(openProposals, event.data.proposalId);
    default:
      return [...openProposals];
  }
}

/** The converted proposal's position closed (or its order ended unfilled): it no longer blocks. */
export function closeProposal(openProposals: readonly OpenProposalView[], proposalId: string): OpenProposalView[] {
  return openProposals.filter((open) => open.proposalId !== proposalId);
}
