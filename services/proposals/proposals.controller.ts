import { Controller, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { parseInput, subscribeMarketData } from '@tollgate/application';
import type { Bus, BusSubscription } from '@tollgate/messaging';
import { InjectBus, InjectLogger } from '@tollgate/nest';
import type { Logger } from '@tollgate/telemetry';
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

/** The proposals service on the bus: a person's list, approve and reject, and the positions it manages. */
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
}

/**
 * The market data strategies and exit rules run on, by a direct subscription once the book has caught up
 * (see subscribeMarketData). Each event is queued in the handlers, which log what fails and go on.
 */
@Injectable()
export class ProposalsMarketData implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private subscriptions: BusSubscription[] = [];

  constructor(
    private readonly proposals: ProposalsHandlers,
    @InjectBus() private readonly bus: Bus,
    @InjectLogger() private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const failed = (what: string) => (error: unknown) => this.logger.error({ err: error }, `the proposals service failed on a ${what}`);
    this.subscriptions = await subscribeMarketData(
      this.bus,
      { onQuote: (quote) => void this.proposals.onQuote(quote).catch(failed('quote')), onBar: (bar) => void this.proposals.onBar(bar).catch(failed('bar')) },
      this.logger,
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.subscriptions.splice(0).map((subscription) => subscription.close()));
  }
}
