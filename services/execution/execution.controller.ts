import { Controller } from '@nestjs/common';
import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { parseInput } from '@tollgate/application';
import { quoteMessage, subjects } from '@tollgate/contracts';
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

  @EventPattern(subjects.allQuotes)
  onQuote(@Payload() body: unknown): void {
    this.execution.onQuote(parseInput(quoteMessage, body, 'quote'));
  }
}

/** Reports hold Decimals; on the wire every number is a decimal string. */
function asJson(report: OrderFillQualityReport | DailyFillQualityReport): unknown {
  return JSON.parse(JSON.stringify(report, (_key, value: unknown) => (isDecimal(value) ? decString(value) : value)));
}

function isDecimal(value: unknown): value is Decimal {
  return typeof value === 'object' && value !== null && typeof (value as Decimal).toFixed === 'function' && typeof (value as Decimal).isFinite === 'function';
}
