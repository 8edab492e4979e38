import { assertNever, dec, decString, DomainError, InvalidDecimalError, isUuid, type Decimal, type DecimalString } from '@tollgate/kernel';
import { TICKER_PATTERN, type OrderEvent, type OrderEventOf } from '@tollgate/contracts';
import type {
  AcceptOrder,
  CancelOrder,
  DenyOrder,
  ExpireOrder,
  FillOrder,
  InitializeOrder,
  MarkUnknown,
  OrderCommand,
  RecordWouldBeSent,
  RejectCancel,
  RejectOrder,
  RejectReplace,
  ReplaceOrder,
  RequestCancel,
  RequestReplace,
  ResolveUnknown,
  SubmitOrder,
} from './order.commands';
import { InvalidOrderError, OrderOverfillError } from './order.errors';
import { clientOrderIdFor, replacementClientOrderIdFor } from './order.ids';
import { evolveOrder, isAtVenue, type InitializedOrderState, type OrderState } from './order.state';
import { orderTermIssues, tradeDirection, typesWithLimitPrice, typesWithStopPrice } from './order.validation';

/**
 * decideOrder(command, state) → events. Each command has one small function; every event it returns
 * is checked against the transition table (by evolving it) before it leaves, so decide can never
 * produce what evolveOrder would refuse.
 */
export function decideOrder(command: OrderCommand, state: OrderState): OrderEvent[] {
  const events = decideUnchecked(command, state);
  events.reduce(evolveOrder, state);
  return events;
}

function decideUnchecked(command: OrderCommand, state: OrderState): OrderEvent[] {
  if (command.type === 'InitializeOrder') return initialize(command, state);
  if (state.status === 'NotInitialized') {
    throw new DomainError('ORDER_NOT_FOUND', `${command.type} was refused: the order was never initialized`);
  }
  switch (command.type) {
    case 'DenyOrder':
      return deny(command, state);
    case 'RecordWouldBeSent':
      return wouldBeSent(command, state);
    case 'SubmitOrder':
      return submit(command, state);
    case 'MarkUnknown':
      return markUnknown(command, state);
    case 'ResolveUnknown':
      return resolveUnknown(command, state);
    case 'AcceptOrder':
      return accept(command, state);
    case 'RejectOrder':
      return reject(command, state);
    case 'FillOrder':
      return fill(command, state);
    case 'RequestCancel':
      return requestCancel(command, state);
    case 'CancelOrder':
      return cancel(command, state);
    case 'RejectCancel':
      return rejectCancel(command, state);
    case 'ExpireOrder':
      return expire(command, state);
    case 'RequestReplace':
      return requestReplace(command, state);
    case 'ReplaceOrder':
      return replace(command, state);
    case 'RejectReplace':
      return rejectReplace(command, state);
    default:
      return assertNever(command, 'order command');
  }
}


const at = (command: { metadata: { now: Date } }): string => command.metadata.now.toISOString();

function parseDecimal(value: DecimalString | undefined, field: string, issues: string[]): Decimal | undefined {
  if (value === undefined) return undefined;
  try {
    return dec(value, field);
  } catch (error) {
    if (error instanceof InvalidDecimalError) {
      issues.push(error.message);
      return undefined;
    }
    throw error;
  }
}

function requireTimestamp(value: string, field: string): string {
  if (Number.isNaN(Date.parse(value))) throw new InvalidOrderError([`${field}=${JSON.stringify(value)} is not a timestamp`]);
  return value;
}

function initialize(command: InitializeOrder, state: OrderState): OrderEvent[] {
  const data = command.data;
  const attempt = data.attempt ?? 1;
  if (state.status !== 'NotInitialized') {
    const same = state.terms.orderId === data.orderId && state.terms.intentId === data.intentId && state.terms.attempt === attempt;
    if (same) return []; // a retried command: the intent is already recorded
    throw new DomainError('ORDER_ALREADY_INITIALIZED', `order ${state.terms.orderId} was already initialized for intent ${state.terms.intentId}`);
  }
  const issues: string[] = [];
  if (!Number.isInteger(attempt) || attempt < 1) issues.push(`attempt=${attempt} must be a positive integer`);
  if (!data.intentId) issues.push('intentId must not be empty');
  if (!data.intentKind) issues.push('intentKind must not be empty');
  if (!isUuid(data.orderId)) issues.push(`orderId=${JSON.stringify(data.orderId)} must be a UUID (see orderIdFor)`);
  if (!TICKER_PATTERN.test(data.symbol)) issues.push(`symbol=${JSON.stringify(data.symbol)} must be an upper-case ticker like "AAPL"`);
  const quantity = parseDecimal(data.quantity, 'quantity', issues);
  const limitPrice = parseDecimal(data.limitPrice, 'limitPrice', issues);
  const stopPrice = parseDecimal(data.stopPrice, 'stopPrice', issues);
  if (quantity) {
    const terms = { symbol: data.symbol, side: data.side, type: data.type, timeInForce: data.timeInForce, quantity, limitPrice, stopPrice };
    issues.push(...orderTermIssues(terms, data.instrument));
  }
  if (issues.length > 0 || !quantity) throw new InvalidOrderError(issues);
  return [
    {
      type: 'OrderInitialized',
      data: {
        orderId: data.orderId,
        intentId: data.intentId,
        intentKind: data.intentKind,
        attempt,
        clientOrderId: clientOrderIdFor(data.intentId, attempt),
        symbol: data.symbol,
        side: data.side,
        type: data.type,
        quantity: decString(quantity),
        ...(limitPrice ? { limitPrice: decString(limitPrice) } : {}),
        ...(stopPrice ? { stopPrice: decString(stopPrice) } : {}),
        timeInForce: data.timeInForce,
        initializedAt: at(command),
        ...(data.accountId ? { accountId: data.accountId } : {}),
        ...(data.strategy !== undefined ? { strategy: data.strategy } : {}),
      },
    },
  ];
}

function ids(state: InitializedOrderState): { orderId: string; clientOrderId: string } {
  return { orderId: state.terms.orderId, clientOrderId: state.clientOrderId };
}

function deny(command: DenyOrder, state: InitializedOrderState): OrderEvent[] {
  if (command.data.reasons.length === 0) throw new InvalidOrderError(['reasons must name why the order was denied']);
  return [{ type: 'OrderDenied', data: { ...ids(state), reasons: command.data.reasons, deniedAt: at(command) } }];
}

function wouldBeSent(command: RecordWouldBeSent, state: InitializedOrderState): OrderEvent[] {
  const { terms } = state;
  return [
    {
      type: 'OrderWouldBeSent',
      data: {
        ...ids(state),
        request: {
          clientOrderId: state.clientOrderId,
          symbol: terms.symbol,
          side: terms.side,
          type: terms.type,
          quantity: decString(terms.quantity),
          ...(terms.limitPrice ? { limitPrice: decString(terms.limitPrice) } : {}),
          ...(terms.stopPrice ? { stopPrice: decString(terms.stopPrice) } : {}),
          timeInForce: terms.timeInForce,
        },
        decidedAt: at(command),
      },
    },
  ];
}

function submit(command: SubmitOrder, state: InitializedOrderState): OrderEvent[] {
  return [{ type: 'OrderSubmitted', data: { ...ids(state), submittedAt: at(command) } }];
}

function markUnknown(command: MarkUnknown, state: InitializedOrderState): OrderEvent[] {
  if (state.status === 'Unknown') return [];
  return [{ type: 'OrderSubmitOutcomeUnknown', data: { ...ids(state), reason: command.data.reason, detectedAt: at(command) } }];
}

function resolveUnknown(command: ResolveUnknown, state: InitializedOrderState): OrderEvent[] {
  // Something else (a late acknowledgement, a fill) already told us; the lookup adds nothing.
  if (state.status !== 'Unknown') return [];
  const answer = command.data.brokerOrder;
  const now = at(command);
  if (answer === null) return [{ type: 'OrderSubmitNotReceived', data: { ...ids(state), resolvedAt: now } }];
  if (answer.clientOrderId !== state.clientOrderId) {
    throw new DomainError(
      'BROKER_ANSWER_MISMATCH',
      `lookup answer for client order id ${answer.clientOrderId} does not belong to order ${state.terms.orderId} (client order id ${state.clientOrderId})`,
    );
  }
  if (answer.status === 'rejected') {
    return [{ type: 'OrderRejected', data: { ...ids(state), reason: answer.rejectReason ?? 'rejected by the broker', rejectedAt: now, via: 'lookup' } }];
  }
  const accepted: OrderEvent = {
    type: 'OrderAccepted',
    data: { ...ids(state), brokerOrderId: answer.brokerOrderId, acceptedAt: now, via: 'lookup' },
  };
  // Fills are not invented from the answer's filled quantity: they arrive with their own ids (fillsSince).
  if (answer.status === 'canceled') return [accepted, { type: 'OrderCanceled', data: { ...ids(state), canceledAt: now, via: 'lookup' } }];
  if (answer.status === 'expired') return [accepted, { type: 'OrderExpired', data: { ...ids(state), expiredAt: now, via: 'lookup' } }];
  return [accepted];
}

function accept(command: AcceptOrder, state: InitializedOrderState): OrderEvent[] {
  // A repeated or late acknowledgement of an order the venue already reported on adds nothing.
  if (isAtVenue(state)) return [];
  return [
    {
      type: 'OrderAccepted',
      data: { ...ids(state), brokerOrderId: command.data.brokerOrderId, acceptedAt: at(command), via: command.data.via ?? 'venue' },
    },
  ];
}

function reject(command: RejectOrder, state: InitializedOrderState): OrderEvent[] {
  if (state.status === 'Rejected') return [];
  return [{ type: 'OrderRejected', data: { ...ids(state), reason: command.data.reason, rejectedAt: at(command), via: command.data.via ?? 'venue' } }];
}

function fill(command: FillOrder, state: InitializedOrderState): OrderEvent[] {
  const data = command.data;
  const fills = isAtVenue(state) ? state.fills : undefined;
  if (fills?.fillIds.includes(data.fillId)) return []; // the same execution reported again
  const issues: string[] = [];
  const quantity = parseDecimal(data.quantity, 'quantity', issues);
  const price = parseDecimal(data.price, 'price', issues);
  const fee = parseDecimal(data.fee, 'fee', issues);
  const arrivalMid = parseDecimal(data.arrivalMid, 'arrivalMid', issues);
  if (quantity && !quantity.gt(0)) issues.push(`quantity=${data.quantity} must be positive`);
  if (price && !price.gt(0)) issues.push(`price=${data.price} must be positive`);
  if (arrivalMid && !arrivalMid.gt(0)) issues.push(`arrivalMid=${data.arrivalMid} must be positive`);
  if (!data.fillId) issues.push('fillId must not be empty');
  if (issues.length > 0 || !quantity || !price || !fee) throw new InvalidOrderError(issues);
  const filled = fills?.filledQuantity ?? dec('0');
  if (filled.plus(quantity).gt(state.terms.quantity)) {
    throw new OrderOverfillError(state.terms.orderId, data.fillId, quantity, filled, state.terms.quantity);
  }
  return [
    {
      type: 'OrderFilled',
      data: {
        orderId: state.terms.orderId,
        clientOrderId: data.clientOrderId ?? state.clientOrderId,
        ...(data.brokerOrderId ? { brokerOrderId: data.brokerOrderId } : {}),
        fillId: data.fillId,
        symbol: state.terms.symbol,
        side: tradeDirection(state.terms.side),
        quantity: decString(quantity),
        price: decString(price),
        fee: decString(fee),
        liquidity: data.liquidity ?? 'unknown',
        ...(arrivalMid ? { arrivalMid: decString(arrivalMid) } : {}),
        filledAt: data.filledAt === undefined ? at(command) : requireTimestamp(data.filledAt, 'filledAt'),
      },
    },
  ];
}

function requestCancel(command: RequestCancel, state: InitializedOrderState): OrderEvent[] {
  if (state.status === 'PendingCancel') return [];
  return [{ type: 'OrderCancelRequested', data: { ...ids(state), reason: command.data.reason, requestedAt: at(command) } }];
}

/** Statuses where a late confirmation of something already settled changes nothing. */
const settledAtVenue = new Set(['Filled', 'Canceled', 'Expired']);

function cancel(command: CancelOrder, state: InitializedOrderState): OrderEvent[] {
  // Duplicate confirmation, or the cancel lost the race with the last fill or the expiry.
  if (settledAtVenue.has(state.status)) return [];
  return [
    {
      type: 'OrderCanceled',
      data: {
        ...ids(state),
        ...(command.data.reason ? { reason: command.data.reason } : {}),
        canceledAt: at(command),
        via: command.data.via ?? 'venue',
      },
    },
  ];
}

function rejectCancel(command: RejectCancel, state: InitializedOrderState): OrderEvent[] {
  if (settledAtVenue.has(state.status)) return [];
  return [{ type: 'OrderCancelRejected', data: { ...ids(state), reason: command.data.reason, rejectedAt: at(command) } }];
}

function expire(command: ExpireOrder, state: InitializedOrderState): OrderEvent[] {
  if (settledAtVenue.has(state.status)) return [];
  return [{ type: 'OrderExpired', data: { ...ids(state), expiredAt: at(command), via: command.data.via ?? 'venue' } }];
}

function requestReplace(command: RequestReplace, state: InitializedOrderState): OrderEvent[] {
  const { terms } = state;
  const data = command.data;
  const issues: string[] = [];
  const quantity = parseDecimal(data.quantity, 'quantity', issues) ?? terms.quantity;
  const limitPrice = parseDecimal(data.limitPrice, 'limitPrice', issues);
  const stopPrice = parseDecimal(data.stopPrice, 'stopPrice', issues);
  if (limitPrice && !typesWithLimitPrice.includes(terms.type)) issues.push(`limitPrice cannot be replaced on a ${terms.type} order`);
  if (stopPrice && !typesWithStopPrice.includes(terms.type)) issues.push(`stopPrice cannot be replaced on a ${terms.type} order`);
  if (issues.length > 0) throw new InvalidOrderError(issues);
  const next = { ...terms, quantity, limitPrice: limitPrice ?? terms.limitPrice, stopPrice: stopPrice ?? terms.stopPrice };
  issues.push(...orderTermIssues(next, data.instrument));
  const filled = isAtVenue(state) ? state.fills.filledQuantity : dec('0');
  if (!quantity.gt(filled)) issues.push(`quantity=${decString(quantity)} must exceed the filled quantity ${decString(filled)}`);
  const unchanged =
    quantity.eq(terms.quantity) &&
    (next.limitPrice?.toString() ?? '') === (terms.limitPrice?.toString() ?? '') &&
    (next.stopPrice?.toString() ?? '') === (terms.stopPrice?.toString() ?? '');
  if (unchanged) issues.push('the replace changes nothing');
  if (issues.length > 0) throw new InvalidOrderError(issues);
  const replaceNumber = (isAtVenue(state) ? state.replaceCount : 0) + 1;
  return [
    {
      type: 'OrderReplaceRequested',
      data: {
        ...ids(state),
        newClientOrderId: replacementClientOrderIdFor(terms.orderId, replaceNumber),
        quantity: decString(quantity),
        ...(next.limitPrice ? { limitPrice: decString(next.limitPrice) } : {}),
        ...(next.stopPrice ? { stopPrice: decString(next.stopPrice) } : {}),
        requestedAt: at(command),
      },
    },
  ];
}

function pendingReplacementOf(state: InitializedOrderState) {
  return state.status === 'PendingReplace' || state.status === 'PendingCancel' ? state.pendingReplacement : undefined;
}

function replace(command: ReplaceOrder, state: InitializedOrderState): OrderEvent[] {
  const pending = pendingReplacementOf(state);
  if (!pending) {
    throw new DomainError('NO_PENDING_REPLACE', `order ${state.terms.orderId} in status ${state.status} has no replace in flight`);
  }
  const filled = isAtVenue(state) ? state.fills.filledQuantity : dec('0');
  if (filled.gt(pending.quantity)) {
    throw new DomainError(
      'REPLACE_BELOW_FILLED',
      `replace of order ${state.terms.orderId} to quantity=${decString(pending.quantity)} is below the filled quantity ${decString(filled)}`,
    );
  }
  const event: OrderEventOf<'OrderReplaced'> = {
    type: 'OrderReplaced',
    data: {
      orderId: state.terms.orderId,
      previousClientOrderId: state.clientOrderId,
      clientOrderId: pending.newClientOrderId,
      ...(command.data.brokerOrderId ? { brokerOrderId: command.data.brokerOrderId } : {}),
      quantity: decString(pending.quantity),
      ...(pending.limitPrice ? { limitPrice: decString(pending.limitPrice) } : {}),
      ...(pending.stopPrice ? { stopPrice: decString(pending.stopPrice) } : {}),
      replacedAt: at(command),
    },
  };
  return [event];
}

function rejectReplace(command: RejectReplace, state: InitializedOrderState): OrderEvent[] {
  const pending = pendingReplacementOf(state);
  if (!pending) {
    if (settledAtVenue.has(state.status)) return []; // the replace lost the race with the last fill or a cancel
    throw new DomainError('NO_PENDING_REPLACE', `order ${state.terms.orderId} in status ${state.status} has no replace in flight`);
  }
  return [
    {
      type: 'OrderReplaceRejected',
      data: { ...ids(state), newClientOrderId: pending.newClientOrderId, reason: command.data.reason, rejectedAt: at(command) },
    },
  ];
}
