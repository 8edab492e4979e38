import { renderDenial, type DenialReason, type ProposalCreatedData, type ProposalEvent } from '@tollgate/contracts';
import { assertNever, decString, DomainError, type Decider } from '@tollgate/kernel';
import { regimeBlocksNewProposals } from '../structural-break/regime.state';
import type { ApproveProposal, ConvertProposal, CreateProposal, ExpireProposal, ProposalCommand, RejectProposal } from './proposal.commands';
import { findDuplicateProposal } from './proposal.duplicates';
import { proposalOrderIntentIdFor } from './proposal.ids';
import { evolveProposal, initialProposalState, type ProposalState } from './proposal.state';

/** Auto-mode's verdict on one proposal (the risk area's rails decide; see auto-mode). */
export type AutoApprovalVerdict = boolean | { allowed: true } | { allowed: false; reasons: readonly unknown[] };

/** What the proposal decider is given from outside: the auto-mode rails, as a pure predicate. */
export interface ProposalPolicy {
  autoModeAllows(proposal: ProposalCreatedData): AutoApprovalVerdict;
}

/** Without rails, auto-mode approves nothing. */
export const NO_AUTO_APPROVAL: ProposalPolicy = { autoModeAllows: () => false };

const PERSON = /^user:\S+$/;
const ACTOR = /^(user:\S+|auto|system:[a-z0-9-]+)$/;

export function decideProposal(command: ProposalCommand, state: ProposalState, policy: ProposalPolicy = NO_AUTO_APPROVAL): ProposalEvent[] {
  switch (command.type) {
    case 'CreateProposal':
      return create(command, state);
    case 'ApproveProposal':
      return approve(command, state, policy);
    case 'RejectProposal':
      return reject(command, state);
    case 'ExpireProposal':
      return expire(command, state);
    case 'ConvertProposal':
      return convert(command, state);
    default:
      return assertNever(command, 'proposal command');
  }
}

function create(command: CreateProposal, state: ProposalState): ProposalEvent[] {
  if (state.status !== 'none') {
    throw new DomainError('PROPOSAL_ALREADY_EXISTS', `proposal ${command.proposalId} already exists (${state.status})`, { proposalId: command.proposalId });
  }
  const duplicate = findDuplicateProposal(command.openProposals, command);
  if (duplicate) {
    throw new DomainError(
      'PROPOSAL_DUPLICATE',
      `${command.strategy} already has ${duplicate.status} proposal ${duplicate.proposalId} to ${command.side} ${command.symbol}`,
      { openProposalId: duplicate.proposalId, strategy: command.strategy, symbol: command.symbol, side: command.side },
    );
  }
  if (command.symbolRegime && regimeBlocksNewProposals(command.symbolRegime)) {
    throw blockedByBreak(command.symbol);
  }
  validateCreate(command);
  return [
    {
      type: 'ProposalCreated',
      data: {
        proposalId: command.proposalId,
        strategy: command.strategy,
        strategyVersion: command.strategyVersion,
        symbol: command.symbol,
        side: command.side,
        quantity: decString(command.quantity),
        entryType: command.entryType,
        entryPrice: decString(command.entryPrice),
        stopPrice: decString(command.stopPrice),
        targetPrice: command.targetPrice === null ? null : decString(command.targetPrice),
        rationale: { ...command.rationale },
        createdAt: command.at,
        expiresAt: command.expiresAt,
        actor: command.actor,
      },
    },
  ];
}

function validateCreate(command: CreateProposal): void {
  const problems: string[] = [];
  if (!command.quantity.isPositive() || command.quantity.isZero()) problems.push(`quantity must be positive, was ${decString(command.quantity)}`);
  for (const [name, price] of [
    ['entryPrice', command.entryPrice],
    ['stopPrice', command.stopPrice],
    ['targetPrice', command.targetPrice],
  ] as const) {
    if (price !== null && (!price.isPositive() || price.isZero())) problems.push(`${name} must be positive, was ${decString(price)}`);
  }
  // A stop on the wrong side of the entry would close the position at a profit or not at all.
  const long = command.side === 'buy';
  if (long ? !command.stopPrice.lessThan(command.entryPrice) : !command.stopPrice.greaterThan(command.entryPrice)) {
    problems.push(`stopPrice ${decString(command.stopPrice)} must be ${long ? 'below' : 'above'} entryPrice ${decString(command.entryPrice)} for ${command.side}`);
  }
  if (command.targetPrice !== null && (long ? !command.targetPrice.greaterThan(command.entryPrice) : !command.targetPrice.lessThan(command.entryPrice))) {
    problems.push(`targetPrice ${decString(command.targetPrice)} must be ${long ? 'above' : 'below'} entryPrice ${decString(command.entryPrice)} for ${command.side}`);
  }
  if (!(Date.parse(command.expiresAt) > Date.parse(command.at))) problems.push(`expiresAt ${command.expiresAt} must be after ${command.at}`);
  if (!ACTOR.test(command.actor)) problems.push(`actor must be user:<name>, auto or system:<service>, was ${JSON.stringify(command.actor)}`);
  if (problems.length > 0) throw new DomainError('PROPOSAL_INVALID', problems.join('; '), { proposalId: command.proposalId });
}

function approve(command: ApproveProposal, state: ProposalState, policy: ProposalPolicy): ProposalEvent[] {
  const pending = requirePending(command.proposalId, state, 'approved');
  if (Date.parse(command.at) >= Date.parse(pending.expiresAt)) {
    throw new DomainError('PROPOSAL_EXPIRED', `proposal ${command.proposalId} expired at ${pending.expiresAt}`, { expiresAt: pending.expiresAt });
  }
  if (command.actor === 'auto') {
    const verdict = policy.autoModeAllows(pending);
    const allowed = typeof verdict === 'boolean' ? verdict : verdict.allowed;
    if (!allowed) {
      const reasons = typeof verdict === 'boolean' || verdict.allowed ? [] : verdict.reasons;
      throw new DomainError('AUTO_APPROVAL_NOT_ALLOWED', `auto-mode may not approve proposal ${command.proposalId}${describeReasons(reasons)}`, {
        reasons,
      });
    }
  } else if (!PERSON.test(command.actor)) {
    throw new DomainError('PROPOSAL_APPROVER_INVALID', `a proposal is approved by user:<name> or auto, not ${JSON.stringify(command.actor)}`);
  }
  // Approval is the moment an order becomes inevitable: it waits out a suspected break like creation does.
  if (command.symbolRegime && regimeBlocksNewProposals(command.symbolRegime)) throw blockedByBreak(pending.symbol);
  return [{ type: 'ProposalApproved', data: { proposalId: command.proposalId, actor: command.actor, reason: command.reason, approvedAt: command.at } }];
}

function reject(command: RejectProposal, state: ProposalState): ProposalEvent[] {
  requirePending(command.proposalId, state, 'rejected');
  if (!ACTOR.test(command.actor)) {
    throw new DomainError('PROPOSAL_ACTOR_INVALID', `actor must be user:<name>, auto or system:<service>, was ${JSON.stringify(command.actor)}`);
  }
  return [{ type: 'ProposalRejected', data: { proposalId: command.proposalId, actor: command.actor, reason: command.reason, rejectedAt: command.at } }];
}

function expire(command: ExpireProposal, state: ProposalState): ProposalEvent[] {
  const pending = requirePending(command.proposalId, state, 'expired');
  if (Date.parse(command.at) < Date.parse(pending.expiresAt)) {
    throw new DomainError('PROPOSAL_NOT_YET_EXPIRED', `proposal ${command.proposalId} expires at ${pending.expiresAt}, not before`, { expiresAt: pending.expiresAt });
  }
  return [{ type: 'ProposalExpired', data: { proposalId: command.proposalId, actor: 'system:proposals', expiresAt: pending.expiresAt, expiredAt: command.at } }];
}

function convert(command: ConvertProposal, state: ProposalState): ProposalEvent[] {
  if (state.status === 'converted') return []; // The execution path retried: the intent already exists.
  if (state.status !== 'approved') {
    throw new DomainError('PROPOSAL_NOT_APPROVED', `proposal ${command.proposalId} is ${state.status}, not approved`, { status: state.status });
  }
  const proposal = state.proposal;
  return [
    {
      type: 'ProposalConverted',
      data: {
        proposalId: proposal.proposalId,
        intentId: proposalOrderIntentIdFor(proposal.proposalId),
        intentKind: 'proposal',
        symbol: proposal.symbol,
        side: proposal.side,
        quantity: proposal.quantity,
        orderType: proposal.entryType,
        limitPrice: proposal.entryType === 'limit' ? proposal.entryPrice : null,
        stopPrice: proposal.stopPrice,
        targetPrice: proposal.targetPrice,
        actor: command.actor,
        convertedAt: command.at,
      },
    },
  ];
}

function requirePending(proposalId: string, state: ProposalState, wanted: string): ProposalCreatedData {
  if (state.status !== 'pending') {
    throw new DomainError('PROPOSAL_NOT_PENDING', `proposal ${proposalId} cannot be ${wanted}: it is ${state.status}`, { status: state.status });
  }
  return state.proposal;
}

function blockedByBreak(symbol: string): DomainError {
  return new DomainError('PROPOSAL_BLOCKED_BY_STRUCTURAL_BREAK', `a structural break is suspected for ${symbol}; proposals wait for its confirmation or dismissal`, {
    symbol,
  });
}

function describeReasons(reasons: readonly unknown[]): string {
  if (reasons.length === 0) return '';
  const render = (reason: unknown): string => {
    if (typeof reason === 'string') return reason;
    if (reason && typeof reason === 'object' && 'code' in reason && 'context' in reason) return renderDenial(reason as DenialReason);
    return JSON.stringify(reason);
  };
  return `: ${reasons.map(render).join(', ')}`;
}

/** The proposal aggregate (stream `proposal-<proposalId>`) with auto-mode's rails injected. */
export function createProposalDecider(policy: ProposalPolicy = NO_AUTO_APPROVAL): Decider<ProposalCommand, ProposalEvent, ProposalState> {
  return {
    decide: (command, state) => decideProposal(command, state, policy),
    evolve: evolveProposal,
    initialState: initialProposalState,
  };
}
