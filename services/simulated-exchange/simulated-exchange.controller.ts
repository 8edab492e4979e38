import { Controller, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { parseInput, subscribeMarketData } from '@tollgate/application';
import { BrokerRejectedError, type BrokerAccount, type BrokerFill, type BrokerOrder, type BrokerPosition } from '@tollgate/contracts';
import type { Bus, BusSubscription } from '@tollgate/messaging';
import { InjectBus, InjectLogger } from '@tollgate/nest';
import type { Logger } from '@tollgate/telemetry';
import {
  BROKER_REJECTED_CODE,
  cancelRequestSchema,
  emptyRequestSchema,
  fillsSinceRequestSchema,
  getOrderRequestSchema,
  orderRequestSchema,
  replaceRequestSchema,
  simulatedExchangeSubjects,
} from './simulated-exchange.commands';
import { SimulatedExchangeHandlers } from './simulated-exchange.handlers';

/** The simulated exchange on the bus: the broker port's operations. */
@Controller()
export class SimulatedExchangeController {
  constructor(private readonly exchange: SimulatedExchangeHandlers) {}

  @MessagePattern(simulatedExchangeSubjects.submit)
  submit(@Payload() body: unknown): Promise<BrokerOrder> {
    return venueAnswer(() => this.exchange.submit(parseInput(orderRequestSchema, body, 'simulated-exchange submit request')));
  }

  @MessagePattern(simulatedExchangeSubjects.cancel)
  async cancel(@Payload() body: unknown): Promise<{ canceled: true }> {
    const { clientOrderId } = parseInput(cancelRequestSchema, body, 'simulated-exchange cancel request');
    await venueAnswer(() => this.exchange.cancel(clientOrderId));
    return { canceled: true };
  }

  @MessagePattern(simulatedExchangeSubjects.replace)
  replace(@Payload() body: unknown): Promise<BrokerOrder> {
    const { clientOrderId, changes } = parseInput(replaceRequestSchema, body, 'simulated-exchange replace request');
    return venueAnswer(() => this.exchange.replace(clientOrderId, changes));
  }

  @MessagePattern(simulatedExchangeSubjects.getOrder)
  getOrder(@Payload() body: unknown): Promise<BrokerOrder | null> {
    const { clientOrderId } = parseInput(getOrderRequestSchema, body, 'simulated-exchange get-order request');
    return venueAnswer(() => this.exchange.getOrder(clientOrderId));
  }

  @MessagePattern(simulatedExchangeSubjects.openOrders)
  openOrders(@Payload() body: unknown): Promise<BrokerOrder[]> {
    parseInput(emptyRequestSchema, body ?? {}, 'simulated-exchange open-orders request');
    return venueAnswer(() => this.exchange.openOrders());
  }

  @MessagePattern(simulatedExchangeSubjects.positions)
  positions(@Payload() body: unknown): Promise<BrokerPosition[]> {
    parseInput(emptyRequestSchema, body ?? {}, 'simulated-exchange positions request');
    return venueAnswer(() => this.exchange.positions());
  }

  @MessagePattern(simulatedExchangeSubjects.fillsSince)
  fillsSince(@Payload() body: unknown): Promise<{ fills: BrokerFill[]; cursor: string | null }> {
    const { cursor } = parseInput(fillsSinceRequestSchema, body, 'simulated-exchange fills-since request');
    return venueAnswer(() => this.exchange.fillsSince(cursor));
  }

  @MessagePattern(simulatedExchangeSubjects.account)
  account(@Payload() body: unknown): Promise<BrokerAccount> {
    parseInput(emptyRequestSchema, body ?? {}, 'simulated-exchange account request');
    return venueAnswer(() => this.exchange.account());
  }
}

/** The market data the exchange matches against, by a direct subscription once it has started (see subscribeMarketData). */
@Injectable()
export class SimulatedExchangeMarketData implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private subscriptions: BusSubscription[] = [];

  constructor(
    private readonly exchange: SimulatedExchangeHandlers,
    @InjectBus() private readonly bus: Bus,
    @InjectLogger() private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.exchange.started;
    this.subscriptions = await subscribeMarketData(this.bus, { onQuote: (quote) => this.exchange.onQuote(quote), onBar: (bar) => this.exchange.onBar(bar) }, this.logger);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.subscriptions.splice(0).map((subscription) => subscription.close()));
  }
}

/** A venue refusal crosses the wire with its code and reason, so the caller can tell it from an unknown outcome. */
async function venueAnswer<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof BrokerRejectedError) {
      throw new RpcException({ name: error.name, message: error.message, code: BROKER_REJECTED_CODE, details: { reason: error.reason } });
    }
    throw error;
  }
}
