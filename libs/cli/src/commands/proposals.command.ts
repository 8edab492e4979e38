import type { Command } from 'commander';
import { commandSubjects } from '@tollgate/contracts';
import type { ApproveProposalResponse, ListProposalsResponse, ProposalView, RejectProposalResponse } from '@tollgate/services/proposals/proposals.commands';
import { currentOperator, sendCommand } from '../control-client';
import { CommandFailure, outputFor } from '../output';

/**
 * `tollgate proposals list|approve ID|reject ID`: a person decides on what the strategies propose, on the
 * running system (NATS when NATS_URL is set, else the local gateway), as `user:<login>`. Approving sends
 * the proposal's order down the execution path (recorded, risk-checked, sent); rejecting records why.
 */
const STATUSES = ['pending', 'open', 'all'];

interface ConnectionOptions {
  url?: string;
}

export function register(program: Command): void {
  const proposals = program
    .command('proposals')
    .description('list, approve and reject strategy proposals on the running system (over NATS when NATS_URL is set, else the local gateway)')
    .option('--url <url>', 'the gateway to talk to (default http://127.0.0.1:$TOLLGATE_HTTP_PORT, port 8080)');

  proposals
    .command('list')
    .description('proposals, newest first: pending by default (waiting for a decision until they expire)')
    .option('--status <status>', `${STATUSES.join(', ')} (open: pending, approved, or with a position still open)`, 'pending')
    .option('--limit <n>', 'at most this many', '50')
    .option('--json', 'print the proposals as JSON')
    .action(async (options: { status: string; limit: string }, command: Command) => {
      const output = outputFor(command);
      if (!STATUSES.includes(options.status)) throw new CommandFailure(`--status ${options.status} is not one of ${STATUSES.join(', ')}`);
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new CommandFailure(`--limit ${options.limit} must be a whole number from 1 to 10000`);
      const answer = await sendCommand<ListProposalsResponse>(commandSubjects.proposals.list, { status: options.status, limit }, connection(command));
      output.result(answer, (value) => renderProposals(value.proposals, options.status));
    });

  proposals
    .command('approve')
    .description('approve a pending proposal: its order goes down the execution path with you as the actor')
    .argument('<proposalId>', 'the id `proposals list` printed')
    .option('--reason <text>', 'why, for the record')
    .option('--json', 'print the answer as JSON')
    .action(async (proposalId: string, options: { reason?: string }, command: Command) => {
      const output = outputFor(command);
      const answer = await sendCommand<ApproveProposalResponse>(
        commandSubjects.proposals.approve,
        { proposalId, ...(options.reason ? { reason: options.reason } : {}) },
        { ...connection(command), actor: currentOperator() },
      );
      output.result(answer, renderApproval);
      if (answer.order === null || answer.order.status === 'Denied' || answer.order.status === 'Rejected') process.exitCode = 2;
    });

  proposals
    .command('reject')
    .description('reject a pending proposal; nothing is sent')
    .argument('<proposalId>', 'the id `proposals list` printed')
    .option('--reason <text>', 'why, for the record')
    .option('--json', 'print the answer as JSON')
    .action(async (proposalId: string, options: { reason?: string }, command: Command) => {
      const output = outputFor(command);
      const answer = await sendCommand<RejectProposalResponse>(
        commandSubjects.proposals.reject,
        { proposalId, ...(options.reason ? { reason: options.reason } : {}) },
        { ...connection(command), actor: currentOperator() },
      );
      output.result(answer, (value) => `proposal ${value.proposal.proposalId} (${describe(value.proposal)}) was rejected by ${value.proposal.decidedBy}${value.proposal.reason ? `: ${value.proposal.reason}` : ''}`);
    });
}

function connection(command: Command): { gatewayUrl?: string } {
  const { url } = command.optsWithGlobals<ConnectionOptions>();
  return url ? { gatewayUrl: url } : {};
}

function describe(proposal: ProposalView): string {
  const entry = proposal.entryType === 'limit' ? `limit ${proposal.entryPrice}` : `market ~${proposal.entryPrice}`;
  return `${proposal.strategy} ${proposal.side} ${proposal.quantity} ${proposal.symbol} ${entry}, stop ${proposal.stopPrice}${proposal.targetPrice ? `, target ${proposal.targetPrice}` : ''}`;
}

export function renderProposals(proposals: readonly ProposalView[], status: string): string {
  if (proposals.length === 0) return status === 'pending' ? 'no proposals are waiting for a decision' : `no ${status === 'all' ? '' : `${status} `}proposals`;
  const header = ['ID', 'STATUS', 'STRATEGY', 'SYMBOL', 'SIDE', 'QTY', 'ENTRY', 'STOP', 'TARGET', 'CREATED', 'EXPIRES', 'DECIDED BY', 'OUTCOME'];
  const rows = proposals.map((proposal) => [
    proposal.proposalId,
    proposal.status,
    proposal.strategy,
    proposal.symbol,
    proposal.side,
    proposal.quantity,
    `${proposal.entryType === 'limit' ? 'lmt ' : ''}${proposal.entryPrice}`,
    proposal.stopPrice,
    proposal.targetPrice ?? '-',
    proposal.createdAt,
    proposal.expiresAt,
    proposal.decidedBy ?? '-',
    outcomeOf(proposal),
  ]);
  const widths = header.map((_, column) => Math.max(header[column]!.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd();
  const rationale = proposals.length === 1 ? `\nrationale: ${Object.entries(proposals[0]!.rationale).map(([name, value]) => `${name}=${value}`).join(' ')}` : '';
  return [line(header), ...rows.map(line)].join('\n') + rationale;
}

/** What became of a decided proposal: its order and position, or why it was turned down. */
function outcomeOf(proposal: ProposalView): string {
  if (proposal.position) return proposal.position.closed ? `closed (entry ${proposal.position.averageEntryPrice})` : `open ${proposal.position.quantity} @ ${proposal.position.averageEntryPrice}, exit ${proposal.position.exit}`;
  if (proposal.order) return proposal.order.endedBecause ? `order ${proposal.order.endedBecause}` : `order ${proposal.order.progress}`;
  return proposal.reason ?? '-';
}

function renderApproval(answer: ApproveProposalResponse): string {
  const approved = `proposal ${answer.proposal.proposalId} (${describe(answer.proposal)}) was approved by ${answer.proposal.decidedBy}`;
  if (answer.order === null) return `${approved}, but its order was not placed yet: ${answer.problem ?? 'unknown reason'} (the proposals service places it again by itself)`;
  const reasons = answer.order.reasons?.length ? `: ${answer.order.reasons.join('; ')}` : '';
  return `${approved}; order ${answer.order.orderId} is ${answer.order.status}${reasons}`;
}
