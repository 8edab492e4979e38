import { z } from 'zod';
import { commandSubjects, proposalActor, uuid } from '@tollgate/contracts';

/** The proposals service's requests and answers on the bus (`commandSubjects.proposals`). */
export const proposalsSubjects = commandSubjects.proposals;

const reason = z.string().trim().min(1, 'must not be empty when given').max(500, 'must be at most 500 characters');

export const listProposalsRequest = z
  .object({
    /** `pending`: waiting for a decision (default); `open`: pending, approved or with a position still open; `all`. */
    status: z.enum(['pending', 'open', 'all']).default('pending'),
    limit: z.number().int().positive().max(10_000).default(100),
  })
  .strict();
export type ListProposalsRequest = z.output<typeof listProposalsRequest>;

/** A person's decision. `actor` is `user:<name>` (the gateway and the CLI stamp it); auto-mode approves inside the service. */
export const decideProposalRequest = z
  .object({
    proposalId: uuid,
    reason: reason.optional(),
    actor: proposalActor,
  })
  .strict();
export type DecideProposalRequest = z.output<typeof decideProposalRequest>;

export const positionsRequest = z.object({ symbol: z.string().min(1).optional() }).strict();

/** A proposal as the service answers about it; every number a decimal string. */
export interface ProposalView {
  proposalId: string;
  strategy: string;
  strategyVersion: string;
  symbol: string;
  side: string;
  quantity: string;
  entryType: string;
  entryPrice: string;
  stopPrice: string;
  targetPrice: string | null;
  rationale: Record<string, string>;
  createdAt: string;
  expiresAt: string;
  status: 'pending' | 'approved' | 'rejected' | 'expired' | 'converted';
  /** Who approved, rejected or expired it, why, and when. */
  decidedBy: string | null;
  reason: string | null;
  decidedAt: string | null;
  /** The entry order, once converted. */
  order: { orderId: string; progress: string; filled: string; endedBecause: string | null } | null;
  /** The position it opened: open quantity and its exit state. */
  position: { quantity: string; averageEntryPrice: string; openedAt: string | null; exit: string; closed: boolean } | null;
}

export interface ListProposalsResponse {
  proposals: ProposalView[];
}

/** What approving did: the proposal, and the order it became on the execution path. */
export interface ApproveProposalResponse {
  proposal: ProposalView;
  order: { orderId: string; status: string; reasons?: string[] } | null;
  /** Set when the order could not be placed now; the service places it again by itself. */
  problem?: string;
}

export interface RejectProposalResponse {
  proposal: ProposalView;
}

export interface ManagedPositionView {
  positionId: string;
  strategy: string;
  symbol: string;
  side: 'long' | 'short';
  quantity: string;
  averageEntryPrice: string;
  stopPrice: string;
  targetPrice: string | null;
  openedAt: string | null;
  exit: { status: string; working: { exitIntentId: string; rule: string | null; cause: string | null } | null; emergencyExits: number };
}

export interface PositionsResponse {
  positions: ManagedPositionView[];
}
