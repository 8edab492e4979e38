export type { ApproveProposal, ConvertProposal, CreateProposal, ExpireProposal, ProposalCommand, ProposalEntryType, ProposalSide, RejectProposal } from './proposal.commands';
export { closeProposal, evolveOpenProposals, findDuplicateProposal, type OpenProposalView, type ProposalKey } from './proposal.duplicates';
export { createProposalDecider, decideProposal, NO_AUTO_APPROVAL, type AutoApprovalVerdict, type ProposalPolicy } from './proposal.decide';
export { proposalIdFor, proposalOrderIntentIdFor } from './proposal.ids';
export { evolveProposal, initialProposalState, type ProposalState } from './proposal.state';
