import { DomainError, decString, type Decimal } from '@tollgate/kernel';
import type { OrderEventType } from '@tollgate/contracts';
import type { OrderStatus } from './order.transitions';

/** A command asked for an event the transition table has no row for. */
export class IllegalOrderTransitionError extends DomainError {
  override name = 'IllegalOrderTransitionError';
  constructor(readonly orderId: string | undefined, readonly status: OrderStatus, readonly eventType: OrderEventType) {
    super('ILLEGAL_ORDER_TRANSITION', `order ${orderId ?? '(none)'} in status ${status} cannot take ${eventType}`, {
      orderId,
      status,
      eventType,
    });
  }
}

/** A fill would take the filled quantity past the order quantity: the venue and we disagree. */
export class OrderOverfillError extends DomainError {
  override name = 'OrderOverfillError';
  constructor(
    readonly orderId: string,
    readonly fillId: string,
    fillQuantity: Decimal,
    filledQuantity: Decimal,
    orderQuantity: Decimal,
  ) {
    super(
      'ORDER_OVERFILLED',
      `fill ${fillId} of quantity=${decString(fillQuantity)} on order ${orderId} would make filled=${decString(
        filledQuantity.plus(fillQuantity),
      )} exceed quantity=${decString(orderQuantity)}`,
      { orderId, fillId, fillQuantity: decString(fillQuantity), filledQuantity: decString(filledQuantity), orderQuantity: decString(orderQuantity) },
    );
  }
}

/** The order's own terms are wrong (missing limit price, off-tick price, quantity not in lots, …). */
export class InvalidOrderError extends DomainError {
  override name = 'InvalidOrderError';
  constructor(readonly issues: string[]) {
    super('INVALID_ORDER', `order was invalid: ${issues.join('; ')}`, { issues });
  }
}
