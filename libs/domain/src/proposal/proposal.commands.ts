import type { Decimal, DecimalString } from '@tollgate/kernel';
import type { RegimeState } from '../structural-break/regime.state';
import type { OpenProposalView } from './proposal.duplicates';

export type ProposalSide = 'buy' | 'sell_short';
export type ProposalEntryType = 'market' | 'limit';

/**
 * A strategy's sized proposal, with what the decider needs to refuse it: the open proposals (a read
 * model across streams) and the symbol's regime.
 */
export interface CreateProposal {
  type: 'CreateProposal';
  proposalId: string;
  strategy: string;
  strategyVersion: string;
  symbol: string;
  side: ProposalSide;
  quantity: Decimal;
  entryType: ProposalEntryType;
  entryPrice: Decimal;
  stopPrice: Decimal;
  targetPrice: Decimal | null;
  rationale: Record<string, DecimalString>;
  expiresAt: string;
  actor: string;
  at: string;
  openProposals: readonly OpenProposalView[];
  /** The symbol's regime; null when it has no regime stream yet (nothing suspected). */
  symbolRegime: RegimeState | null;
}

/** `actor` is `user:<name>` for a person, `auto` for auto-mode. */
export interface ApproveProposal {
  type: 'ApproveProposal';
  proposalId: string;
  actor: string;
  reason: string | null;
  at: string;
  symbolRegime: RegimeState | null;
}

export interface RejectProposal {
  type: 'RejectProposal';
  proposalId: string;
  actor: string;
  reason: string | null;
  at: string;
}

export interface ExpireProposal {
  type: 'ExpireProposal';
  proposalId: string;
  at: string;
}

/** The execution path takes the approved proposal: it becomes an order intent. */
export interface ConvertProposal {
  type: 'ConvertProposal';
  proposalId: string;
  actor: string;
  at: string;
}

export type ProposalCommand = CreateProposal | ApproveProposal | RejectProposal | ExpireProposal | ConvertProposal;
