import { Controller } from '@nestjs/common';
import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { parseInput } from '@tollgate/application';
import { barMessage, quoteMessage, subjects } from '@tollgate/contracts';
import {
  decideProposalRequest,
  listProposalsRequest,
  positionsRequest,
  proposalsSubjects,
  type ApproveProposalResponse,
  type ListProposalsResponse,
  type PositionsResponse,
  type RejectProposalResponse,
} from './proposals.commands';
import { ProposalsHandlers } from './proposals.handlers';

/** The proposals service on the bus: a person's list, approve and reject; the market data strategies and exit rules run on. */
@Controller()
export class ProposalsController {
  constructor(private readonly proposals: ProposalsHandlers) {}

  @MessagePattern(proposalsSubjects.list)
  list(@Payload() body: unknown): ListProposalsResponse {
    return this.proposals.list(parseInput(listProposalsRequest, body ?? {}, 'list-proposals request'));
  }

  @MessagePattern(proposalsSubjects.approve)
  approve(@Payload() body: unknown): Promise<ApproveProposalResponse> {
    return this.proposals.approve(parseInput(decideProposalRequest, body, 'approve-proposal request'));
  }

  @MessagePattern(proposalsSubjects.reject)
  reject(@Payload() body: unknown): Promise<RejectProposalResponse> {
    return this.proposals.reject(parseInput(decideProposalRequest, body, 'reject-proposal request'));
  }

  @MessagePattern(proposalsSubjects.positions)
  positions(@Payload() body: unknown): PositionsResponse {
    return this.proposals.positions(parseInput(positionsRequest, body ?? {}, 'positions request').symbol);
  }

  @EventPattern(subjects.allQuotes)
  onQuote(@Payload() body: unknown): Promise<void> {
    return this.proposals.onQuote(parseInput(quoteMessage, body, 'quote'));
  }

  @EventPattern(subjects.allBars)
  onBar(@Payload() body: unknown): Promise<void> {
    return this.proposals.onBar(parseInput(barMessage, body, 'bar'));
  }
}
