import { Controller, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { parseInput, subscribeMarketData } from '@tollgate/application';
import type { Bus, BusSubscription } from '@tollgate/messaging';
import { InjectBus, InjectLogger } from '@tollgate/nest';
import type { Logger } from '@tollgate/telemetry';
import { regimeStatusRequest, regimeSubjects, type RegimeStatusResponse } from './regime.commands';
import { RegimeHandlers } from './regime.handlers';

/** The regime service on the bus: each symbol's regime on request. */
@Controller()
export class RegimeController {
  constructor(private readonly regime: RegimeHandlers) {}

  @MessagePattern(regimeSubjects.status)
  status(@Payload() body: unknown): RegimeStatusResponse {
    return this.regime.status(parseInput(regimeStatusRequest, body ?? {}, 'regime status request').symbol);
  }
}

/** Every symbol's bars, by a direct subscription once the monitors are rebuilt (see subscribeMarketData). */
@Injectable()
export class RegimeMarketData implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private subscriptions: BusSubscription[] = [];

  constructor(
    private readonly regime: RegimeHandlers,
    @InjectBus() private readonly bus: Bus,
    @InjectLogger() private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // A bar's failure is logged by the handlers, which go on with the next one.
    this.subscriptions = await subscribeMarketData(this.bus, { onBar: (bar) => void this.regime.onBar(bar) }, this.logger);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.subscriptions.splice(0).map((subscription) => subscription.close()));
  }
}
