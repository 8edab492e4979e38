import type { ProposalCreatedData, ProposalEvent } from '@tollgate/contracts';
import { assertNever } from '@tollgate/kernel';

/** A proposal's life: pending → approved → converted, or pending → rejected | expired. */
export type ProposalState =
  | { status: 'none' }
  | { status: 'pending'; proposal: ProposalCreatedData }
  | { status: 'approved'; proposal: ProposalCreatedData; approvedBy: string }
  | { status: 'rejected'; proposal: ProposalCreatedData; rejectedBy: string }
  | { status: 'expired'; proposal: ProposalCreatedData }
  | { status: 'converted'; proposal: ProposalCreatedData; approvedBy: string; intentId: string };

export function initialProposalState(): ProposalState {
  return { status: 'none' };
}

export function evolveProposal(state: ProposalState, event: ProposalEvent): ProposalState {
  switch (event.type) {
    case 'ProposalCreated':
      return { status: 'pending', proposal: event.data };
    case 'ProposalApproved':
      return state.status === 'pending' ? { status: 'approved', proposal: state.proposal, approvedBy: event.data.actor } : state;
    case 'ProposalRejected':
      return state.status === 'pending' ? { status: 'rejected', proposal: state.proposal, rejectedBy: event.data.actor } : state;
    case 'ProposalExpired':
      return state.status === 'pending' ? { status: 'expired', proposal: state.proposal } : state;
    case 'ProposalConverted':
      return state.status === 'approved' ? { status: 'converted', proposal: state.proposal, approvedBy: state.approvedBy, intentId: event.data.intentId } : state;
    default:
      return assertNever(event, 'proposal event');
  }
}
