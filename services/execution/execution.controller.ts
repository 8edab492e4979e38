import { Controller, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { parseInput, subscribeMarketData } from '@tollgate/application';
import type { Bus, BusSubscription } from '@tollgate/messaging';
import { InjectBus, InjectLogger } from '@tollgate/nest';
import type { Logger } from '@tollgate/telemetry';
import type { DailyFillQualityReport, OrderFillQualityReport } from '@tollgate/domain/fill-quality';
import { decString, type Decimal } from '@tollgate/kernel';
import {
  cancelOrderRequest,
  executionSubjects,
  fillQualityRequest,
  getOrderRequest,
  listOrdersRequest,
  type CancelOrderResponse,
  type ExecutionStatus,
  type OrderView,
  type PlaceOrderResponse,
} from './execution.commands';
import { placeOrderRequest } from './execution.commands';
import { ExecutionHandlers } from './execution.handlers';

/** Execution on the bus: validates each request, hands it to the handlers, answers with plain JSON. */
@Controller()
export class ExecutionController {
  constructor(private readonly execution: ExecutionHandlers) {}

  @MessagePattern(executionSubjects.placeOrder)
  placeOrder(@Payload() body: unknown): Promise<PlaceOrderResponse> {
    return this.execution.placeOrder(parseInput(placeOrderRequest, body, 'place-order request'));
  }

  @MessagePattern(executionSubjects.cancelOrder)
  cancelOrder(@Payload() body: unknown): Promise<CancelOrderResponse> {
    return this.execution.cancelOrder(parseInput(cancelOrderRequest, body, 'cancel-order request'));
  }

  @MessagePattern(executionSubjects.getOrder)
  getOrder(@Payload() body: unknown): Promise<OrderView> {
    return this.execution.getOrder(parseInput(getOrderRequest, body, 'get-order request').orderId);
  }

  @MessagePattern(executionSubjects.listOrders)
  listOrders(@Payload() body: unknown): OrderView[] {
    const request = parseInput(listOrdersRequest, body ?? {}, 'list-orders request');
    return this.execution.listOrders(request.filter, request.limit);
  }

  @MessagePattern(executionSubjects.fillQuality)
  fillQuality(@Payload() body: unknown): unknown {
    const request = parseInput(fillQualityRequest, body, 'fill-quality request');
    const report = 'orderId' in request ? this.execution.orderFillQuality(request.orderId) : this.execution.dayFillQuality(request.day);
    return report === null ? null : asJson(report);
  }

  @MessagePattern(executionSubjects.status)
  status(): ExecutionStatus {
    return this.execution.status();
  }
}

/** Quotes give execution the market's time and the arrival mid of each order (see subscribeMarketData). */
@Injectable()
export class ExecutionMarketData implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private subscriptions: BusSubscription[] = [];

  constructor(
    private readonly execution: ExecutionHandlers,
    @InjectBus() private readonly bus: Bus,
    @InjectLogger() private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.subscriptions = await subscribeMarketData(this.bus, { onQuote: (quote) => this.execution.onQuote(quote) }, this.logger);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.subscriptions.splice(0).map((subscription) => subscription.close()));
  }
}

/** Reports hold Decimals; on the wire every number is a decimal string. */
function asJson(report: OrderFillQualityReport | DailyFillQualityReport): unknown {
  return JSON.parse(JSON.stringify(report, (_key, value: unknown) => (isDecimal(value) ? decString(value) : value)));
}

function isDecimal(value: unknown): value is Decimal {
  return typeof value === 'object' && value !== null && typeof (value as Decimal).toFixed === 'function' && typeof (value as Decimal).isFinite === 'function';
}
