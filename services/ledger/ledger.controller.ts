import { Controller, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { parseInput, subscribeMarketData } from '@tollgate/application';
import type { Bus, BusSubscription } from '@tollgate/messaging';
import { InjectBus, InjectLogger } from '@tollgate/nest';
import type { Logger } from '@tollgate/telemetry';
import { equityCurveRequest, ledgerSubjects, positionsRequest, type EquityPointView, type PositionsResponse } from './ledger.commands';
import { LedgerHandlers } from './ledger.handlers';

/** The ledger on the bus: position and P&L queries. */
@Controller()
export class LedgerController {
  constructor(private readonly ledger: LedgerHandlers) {}

  @MessagePattern(ledgerSubjects.positions)
  positions(@Payload() body: unknown): PositionsResponse {
    return this.ledger.positions(parseInput(positionsRequest, body ?? {}, 'positions request').symbol);
  }

  @MessagePattern(ledgerSubjects.equityCurve)
  equityCurve(@Payload() body: unknown): EquityPointView[] {
    return this.ledger.equityCurve(parseInput(equityCurveRequest, body ?? {}, 'equity-curve request').limit);
  }
}

/** The quotes and bars the ledger marks positions with, by a direct subscription (see subscribeMarketData). */
@Injectable()
export class LedgerMarketData implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private subscriptions: BusSubscription[] = [];

  constructor(
    private readonly ledger: LedgerHandlers,
    @InjectBus() private readonly bus: Bus,
    @InjectLogger() private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.subscriptions = await subscribeMarketData(this.bus, { onQuote: (quote) => this.ledger.onQuote(quote), onBar: (bar) => this.ledger.onBar(bar) }, this.logger);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.subscriptions.splice(0).map((subscription) => subscription.close()));
  }
}
