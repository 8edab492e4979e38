import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decString } from '@tollgate/kernel';
import { createEventRegistry, orderEvents, type BrokerOrder, type OrderEvent } from '@tollgate/contracts';
import type { Instrument } from '../instrument';
import type { InitializeOrder, OrderCommand } from './order.commands';
import { decideOrder } from './order.decide';
import { IllegalOrderTransitionError, InvalidOrderError, OrderOverfillError } from './order.errors';
import { clientOrderIdFor, orderIdFor, replacementClientOrderIdFor } from './order.ids';
import { averageFillPrice, evolveOrder, foldOrderEvents, initialOrderState, isAtVenue, remainingQuantity, type OrderState } from './order.state';
import { orderStatuses, renderTransitionTable, resolveTarget, transitionFor, type OrderStatus } from './order.transitions';

const now = new Date('2026-03-02T15:00:00.000Z');
const metadata = { now };
const intentId = 'proposal-42';
const orderId = orderIdFor(intentId);
const clientOrderId = clientOrderIdFor(intentId);
const aapl: Instrument = { symbol: 'AAPL', assetClass: 'equity', currency: 'USD', tickSize: '0.01', lotSize: '1', shortable: false };
const registry = createEventRegistry();

/** given events → when command → then events (or then throws). */
function given(...history: OrderEvent[]) {
  const state = foldOrderEvents(history);
  return {
    state,
    when(command: OrderCommand) {
      const act = () => decideOrder(command, state);
      return {
        then(expected: Array<{ type: OrderEvent['type']; data?: Record<string, unknown> }>): OrderState {
          const events = act();
          expect(events.map((event) => event.type)).toEqual(expected.map((event) => event.type));
          events.forEach((event, index) => {
            const data = expected[index]?.data;
            if (data) expect(event.data).toMatchObject(data);
            // Every event a decider emits must pass its registered schema.
            expect(() => registry.validate(event.type, undefined, event.data)).not.toThrow();
          });
          return foldOrderEvents(events, state);
        },
        thenNothing(): OrderState {
          expect(act()).toEqual([]);
          return state;
        },
        thenThrows(error: new (...args: never[]) => Error, message?: string | RegExp): void {
          expect(act).toThrow(error);
          if (message) expect(act).toThrow(message);
        },
      };
    },
  };
}

function initializeCommand(overrides: Partial<InitializeOrder['data']> = {}): InitializeOrder {
  return {
    type: 'InitializeOrder',
    data: {
      orderId,
      intentId,
      intentKind: 'proposal',
      symbol: 'AAPL',
      side: 'buy',
      type: 'limit',
      timeInForce: 'day',
      quantity: '100',
      limitPrice: '190.50',
      ...overrides,
    },
    metadata,
  };
}

const initialized = decideOrder(initializeCommand(), initialOrderState);
const submitted: OrderEvent = { type: 'OrderSubmitted', data: { orderId, clientOrderId, submittedAt: now.toISOString() } };
const accepted: OrderEvent = {
  type: 'OrderAccepted',
  data: { orderId, clientOrderId, brokerOrderId: 'B-1', acceptedAt: now.toISOString(), via: 'venue' },
};
const filled = (fillId: string, quantity: string, price = '190.40'): OrderEvent => ({
  type: 'OrderFilled',
  data: {
    orderId,
    clientOrderId,
    fillId,
    symbol: 'AAPL',
    side: 'buy',
    quantity,
    price,
    fee: '0.35',
    liquidity: 'maker',
    filledAt: now.toISOString(),
  },
});
const fillCommand = (fillId: string, quantity: string, price = '190.40'): OrderCommand => ({
  type: 'FillOrder',
  data: { fillId, quantity, price, fee: '0.35', liquidity: 'maker' },
  metadata,
});
const cancelRequested: OrderEvent = {
  type: 'OrderCancelRequested',
  data: { orderId, clientOrderId, reason: 'operator', requestedAt: now.toISOString() },
};
const working = [...initialized, submitted, accepted];

describe('order decider: recording the intent', () => {
  it('records the intent with a client order id derived from the intent id', () => {
    const state = given().when(initializeCommand()).then([{ type: 'OrderInitialized', data: { clientOrderId, intentId, quantity: '100' } }]);
    expect(state.status).toBe('Initialized');
    expect(clientOrderIdFor(intentId)).toBe(clientOrderId);
    expect(clientOrderIdFor('proposal-43')).not.toBe(clientOrderId);
    expect(clientOrderIdFor(intentId, 2)).not.toBe(clientOrderId);
  });

  it('treats a retried initialize for the same intent as already done', () => {
    given(...initialized).when(initializeCommand()).thenNothing();
  });

  it('refuses to reuse an order for another intent', () => {
    expect(() => decideOrder(initializeCommand({ intentId: 'other' }), foldOrderEvents(initialized))).toThrow('ORDER_ALREADY_INITIALIZED');
  });

  it('refuses an order whose terms break the instrument rules, naming each input', () => {
    const when = given().when(initializeCommand({ limitPrice: '190.505', quantity: '10.5', side: 'sell_short', instrument: aapl }));
    when.thenThrows(InvalidOrderError, /limitPrice=190.505 is not on the tick 0.01/);
    when.thenThrows(InvalidOrderError, /quantity=10.5 is not a whole number of lots/);
    when.thenThrows(InvalidOrderError, /AAPL is not shortable/);
  });

  it('refuses a limit order without a limit price and a market order with one', () => {
    given().when(initializeCommand({ limitPrice: undefined })).thenThrows(InvalidOrderError, 'limitPrice is required for a limit order');
    given().when(initializeCommand({ type: 'market' })).thenThrows(InvalidOrderError, 'limitPrice is not allowed on a market order');
    given().when(initializeCommand({ quantity: '1e3' })).thenThrows(InvalidOrderError, 'quantity was not a decimal string');
  });

  it('refuses ids and symbols its events could not carry', () => {
    given().when(initializeCommand({ orderId: 'order-1' })).thenThrows(InvalidOrderError, 'orderId="order-1" must be a UUID');
    given().when(initializeCommand({ symbol: 'aapl' })).thenThrows(InvalidOrderError, 'symbol="aapl" must be an upper-case ticker');
  });

  it('refuses every command on an order that was never initialized', () => {
    expect(() => decideOrder({ type: 'SubmitOrder', data: {}, metadata }, initialOrderState)).toThrow('ORDER_NOT_FOUND');
  });
});

describe('order decider: denial and dry-run', () => {
  it('denies an order risk said no to, and never sends it afterwards', () => {
    const denied = given(...initialized)
      .when({ type: 'DenyOrder', data: { reasons: ['QUANTITY_EXCEEDS_MAXIMUM: quantity=100, max=50'] }, metadata })
      .then([{ type: 'OrderDenied' }]);
    expect(denied.status).toBe('Denied');
    expect(() => decideOrder({ type: 'SubmitOrder', data: {}, metadata }, denied)).toThrow(IllegalOrderTransitionError);
  });

  it('records the exact request instead of sending it in dry-run, and the order ends there', () => {
    const state = given(...initialized)
      .when({ type: 'RecordWouldBeSent', data: {}, metadata })
      .then([
        {
          type: 'OrderWouldBeSent',
          data: { request: { clientOrderId, symbol: 'AAPL', side: 'buy', type: 'limit', quantity: '100', limitPrice: '190.5', timeInForce: 'day' } },
        },
      ]);
    expect(state.status).toBe('WouldBeSent');
    expect(() => decideOrder({ type: 'SubmitOrder', data: {}, metadata }, state)).toThrow(IllegalOrderTransitionError);
  });
});

describe('order decider: acknowledgement and fills', () => {
  it('fills partially, then completely, tracking the average price and fees', () => {
    const partial = given(...working).when(fillCommand('F1', '40', '190.40')).then([{ type: 'OrderFilled', data: { side: 'buy', symbol: 'AAPL' } }]);
    expect(partial.status).toBe('PartiallyFilled');
    if (partial.status !== 'PartiallyFilled') return;
    expect(decString(remainingQuantity(partial))).toBe('60');
    const complete = given(...working, filled('F1', '40', '190.40')).when(fillCommand('F2', '60', '190.45')).then([{ type: 'OrderFilled' }]);
    expect(complete.status).toBe('Filled');
    expect(decString(averageFillPrice(complete)!)).toBe('190.43');
    if (complete.status === 'Filled') expect(decString(complete.fills.fees)).toBe('0.7');
  });

  it('refuses a fill that would exceed the order quantity, as a typed error', () => {
    given(...working, filled('F1', '60')).when(fillCommand('F2', '41')).thenThrows(OrderOverfillError, 'exceed quantity=100');
    given(...working, filled('F1', '60'), filled('F2', '40')).when(fillCommand('F3', '1')).thenThrows(OrderOverfillError);
  });

  it('ignores a fill id it has already seen', () => {
    given(...working, filled('F1', '60')).when(fillCommand('F1', '60')).thenNothing();
    given(...working, filled('F1', '60'), filled('F2', '40')).when(fillCommand('F2', '40')).thenNothing();
  });

  it('takes a fill that overtakes the acknowledgement, then ignores the late acknowledgement', () => {
    const state = given(...initialized, submitted).when(fillCommand('F1', '10')).then([{ type: 'OrderFilled' }]);
    expect(state.status).toBe('PartiallyFilled');
    given(...initialized, submitted, filled('F1', '10'))
      .when({ type: 'AcceptOrder', data: { brokerOrderId: 'B-1' }, metadata })
      .thenNothing();
  });

  it('records the venue rejection', () => {
    const state = given(...initialized, submitted)
      .when({ type: 'RejectOrder', data: { reason: 'insufficient buying power' }, metadata })
      .then([{ type: 'OrderRejected', data: { reason: 'insufficient buying power', via: 'venue' } }]);
    expect(state.status).toBe('Rejected');
    expect(() => decideOrder(fillCommand('F1', '1'), state)).toThrow(IllegalOrderTransitionError);
  });
});

describe('order decider: unknown submit outcome', () => {
  const unknown: OrderEvent = {
    type: 'OrderSubmitOutcomeUnknown',
    data: { orderId, clientOrderId, reason: 'time-out after 5000 ms', detectedAt: now.toISOString() },
  };
  const brokerOrder = (status: BrokerOrder['status']): BrokerOrder => ({
    brokerOrderId: 'B-9',
    clientOrderId,
    symbol: 'AAPL',
    side: 'buy',
    type: 'limit',
    timeInForce: 'day',
    quantity: '100',
    filledQuantity: '0',
    averageFillPrice: null,
    limitPrice: '190.5',
    stopPrice: null,
    status,
    submittedAt: now.toISOString(),
    updatedAt: now.toISOString(),
  });

  it('marks a timed-out submit Unknown and refuses to send it again until the broker answers', () => {
    const state = given(...initialized, submitted).when({ type: 'MarkUnknown', data: { reason: 'time-out' }, metadata }).then([{ type: 'OrderSubmitOutcomeUnknown' }]);
    expect(state.status).toBe('Unknown');
    expect(() => decideOrder({ type: 'SubmitOrder', data: {}, metadata }, state)).toThrow(IllegalOrderTransitionError);
    given(...initialized, submitted, unknown).when({ type: 'MarkUnknown', data: { reason: 'again' }, metadata }).thenNothing();
  });

  it('returns to Initialized with the same client order id when the broker has no such order', () => {
    const state = given(...initialized, submitted, unknown)
      .when({ type: 'ResolveUnknown', data: { brokerOrder: null }, metadata })
      .then([{ type: 'OrderSubmitNotReceived' }]);
    expect(state.status).toBe('Initialized');
    if (state.status === 'Initialized') expect(state.clientOrderId).toBe(clientOrderId);
    const resent = decideOrder({ type: 'SubmitOrder', data: {}, metadata }, state);
    expect(resent[0]?.data).toMatchObject({ clientOrderId });
  });

  it('adopts what the broker answered: accepted, canceled or rejected', () => {
    const acceptedState = given(...initialized, submitted, unknown)
      .when({ type: 'ResolveUnknown', data: { brokerOrder: brokerOrder('partially_filled') }, metadata })
      .then([{ type: 'OrderAccepted', data: { brokerOrderId: 'B-9', via: 'lookup' } }]);
    // The answer's filled quantity is not turned into fills: those come with their own ids.
    expect(acceptedState.status).toBe('Accepted');
    const canceled = given(...initialized, submitted, unknown)
      .when({ type: 'ResolveUnknown', data: { brokerOrder: brokerOrder('canceled') }, metadata })
      .then([{ type: 'OrderAccepted' }, { type: 'OrderCanceled', data: { via: 'lookup' } }]);
    expect(canceled.status).toBe('Canceled');
    const rejected = given(...initialized, submitted, unknown)
      .when({ type: 'ResolveUnknown', data: { brokerOrder: { ...brokerOrder('rejected'), rejectReason: 'halted' } }, metadata })
      .then([{ type: 'OrderRejected', data: { reason: 'halted', via: 'lookup' } }]);
    expect(rejected.status).toBe('Rejected');
  });

  it('refuses an answer about another client order id', () => {
    given(...initialized, submitted, unknown)
      .when({ type: 'ResolveUnknown', data: { brokerOrder: { ...brokerOrder('new'), clientOrderId: 'someone-else' } }, metadata })
      .thenThrows(Error, 'BROKER_ANSWER_MISMATCH');
  });

  it('ignores a lookup answer once the venue has already spoken', () => {
    given(...working).when({ type: 'ResolveUnknown', data: { brokerOrder: null }, metadata }).thenNothing();
  });

  it('leaves Unknown on a fill, which proves the venue had the order', () => {
    expect(given(...initialized, submitted, unknown).when(fillCommand('F1', '5')).then([{ type: 'OrderFilled' }]).status).toBe('PartiallyFilled');
  });
});

describe('order decider: cancel', () => {
  it('requests a cancel and records the confirmation', () => {
    const pending = given(...working).when({ type: 'RequestCancel', data: { reason: 'operator' }, metadata }).then([{ type: 'OrderCancelRequested' }]);
    expect(pending.status).toBe('PendingCancel');
    given(...working, cancelRequested).when({ type: 'RequestCancel', data: { reason: 'again' }, metadata }).thenNothing();
    const canceled = given(...working, cancelRequested).when({ type: 'CancelOrder', data: {}, metadata }).then([{ type: 'OrderCanceled' }]);
    expect(canceled.status).toBe('Canceled');
  });

  it('lets a fill race the cancel: partial stays PendingCancel, the last one fills the order', () => {
    expect(given(...working, cancelRequested).when(fillCommand('F1', '30')).then([{ type: 'OrderFilled' }]).status).toBe('PendingCancel');
    const done = given(...working, cancelRequested, filled('F1', '30')).when(fillCommand('F2', '70')).then([{ type: 'OrderFilled' }]);
    expect(done.status).toBe('Filled');
    // The cancel lost the race; its late confirmation changes nothing.
    given(...working, cancelRequested, filled('F1', '30'), filled('F2', '70')).when({ type: 'CancelOrder', data: {}, metadata }).thenNothing();
  });

  it('counts a fill that arrives after the cancel confirmation (a real-world race)', () => {
    const canceled: OrderEvent = { type: 'OrderCanceled', data: { orderId, clientOrderId, canceledAt: now.toISOString(), via: 'venue' } };
    const late = given(...working, cancelRequested, canceled).when(fillCommand('F1', '30')).then([{ type: 'OrderFilled' }]);
    expect(late.status).toBe('Canceled');
    const all = given(...working, cancelRequested, canceled).when(fillCommand('F1', '100')).then([{ type: 'OrderFilled' }]);
    expect(all.status).toBe('Filled');
  });

  it('returns to working when the venue refuses the cancel', () => {
    expect(given(...working, cancelRequested).when({ type: 'RejectCancel', data: { reason: 'too late' }, metadata }).then([{ type: 'OrderCancelRejected' }]).status).toBe(
      'Accepted',
    );
    expect(
      given(...working, filled('F1', '10'), cancelRequested).when({ type: 'RejectCancel', data: { reason: 'too late' }, metadata }).then([{ type: 'OrderCancelRejected' }]).status,
    ).toBe('PartiallyFilled');
  });

  it('refuses to cancel an order that was never sent or has ended', () => {
    given(...initialized).when({ type: 'RequestCancel', data: { reason: 'operator' }, metadata }).thenThrows(IllegalOrderTransitionError, 'in status Initialized');
    given(...working, filled('F1', '100')).when({ type: 'RequestCancel', data: { reason: 'operator' }, metadata }).thenThrows(IllegalOrderTransitionError);
  });

  it('expires a day order at the close and ignores a repeated expiry', () => {
    const expired = given(...working).when({ type: 'ExpireOrder', data: {}, metadata }).then([{ type: 'OrderExpired' }]);
    expect(expired.status).toBe('Expired');
    given(...working, { type: 'OrderExpired', data: { orderId, clientOrderId, expiredAt: now.toISOString(), via: 'venue' } })
      .when({ type: 'ExpireOrder', data: {}, metadata })
      .thenNothing();
  });
});

describe('order decider: replace', () => {
  const replaceRequest: OrderCommand = { type: 'RequestReplace', data: { limitPrice: '190.60' }, metadata };
  const newClientOrderId = replacementClientOrderIdFor(orderId, 1);
  const replaceRequested: OrderEvent = {
    type: 'OrderReplaceRequested',
    data: { orderId, clientOrderId, newClientOrderId, quantity: '100', limitPrice: '190.6', requestedAt: now.toISOString() },
  };

  it('requests a replace under a client order id derived from the order and the replace number', () => {
    const state = given(...working).when(replaceRequest).then([{ type: 'OrderReplaceRequested', data: { newClientOrderId, limitPrice: '190.6', quantity: '100' } }]);
    expect(state.status).toBe('PendingReplace');
    expect(replacementClientOrderIdFor(orderId, 2)).not.toBe(newClientOrderId);
  });

  it('applies the new terms and client order id on confirmation', () => {
    const state = given(...working, replaceRequested).when({ type: 'ReplaceOrder', data: { brokerOrderId: 'B-2' }, metadata }).then([{ type: 'OrderReplaced' }]);
    expect(state.status).toBe('Accepted');
    if (state.status !== 'Accepted') return;
    expect(state.clientOrderId).toBe(newClientOrderId);
    expect(decString(state.terms.limitPrice!)).toBe('190.6');
    expect(state.brokerOrderId).toBe('B-2');
  });

  it('keeps the old terms when the venue refuses the replace', () => {
    const state = given(...working, filled('F1', '10'), replaceRequested)
      .when({ type: 'RejectReplace', data: { reason: 'order not open' }, metadata })
      .then([{ type: 'OrderReplaceRejected' }]);
    expect(state.status).toBe('PartiallyFilled');
    if (state.status === 'PartiallyFilled') expect(decString(state.terms.limitPrice!)).toBe('190.5');
  });

  it('refuses a replace that changes nothing, shrinks below the filled quantity, or sets a price the type has not', () => {
    given(...working).when({ type: 'RequestReplace', data: { limitPrice: '190.50' }, metadata }).thenThrows(InvalidOrderError, 'changes nothing');
    given(...working, filled('F1', '60')).when({ type: 'RequestReplace', data: { quantity: '60' }, metadata }).thenThrows(InvalidOrderError, 'must exceed the filled quantity 60');
    given(...working).when({ type: 'RequestReplace', data: { stopPrice: '180' }, metadata }).thenThrows(InvalidOrderError, 'stopPrice cannot be replaced');
    given(...working, replaceRequested).when(replaceRequest).thenThrows(IllegalOrderTransitionError, 'in status PendingReplace');
  });

  it('lets a cancel override a pending replace, and tracks the replace if it still wins the race', () => {
    const pendingCancel = given(...working, replaceRequested).when({ type: 'RequestCancel', data: { reason: 'kill switch' }, metadata }).then([{ type: 'OrderCancelRequested' }]);
    expect(pendingCancel.status).toBe('PendingCancel');
    const stillCanceling = given(...working, replaceRequested, cancelRequested)
      .when({ type: 'ReplaceOrder', data: {}, metadata })
      .then([{ type: 'OrderReplaced', data: { clientOrderId: newClientOrderId } }]);
    expect(stillCanceling.status).toBe('PendingCancel');
    if (stillCanceling.status === 'PendingCancel') expect(stillCanceling.clientOrderId).toBe(newClientOrderId);
  });

  it('ignores the refusal of a replace that lost the race with the last fill', () => {
    given(...working, replaceRequested, filled('F1', '100')).when({ type: 'RejectReplace', data: { reason: 'filled' }, metadata }).thenNothing();
  });
});

describe('order evolveOrder and the transition table', () => {
  const replaceRequested: OrderEvent = {
    type: 'OrderReplaceRequested',
    data: { orderId, clientOrderId, newClientOrderId: 'c2', quantity: '100', limitPrice: '190.6', requestedAt: now.toISOString() },
  };
  const sampleEvents: OrderEvent[] = [
    initialized[0]!,
    { type: 'OrderDenied', data: { orderId, clientOrderId, reasons: ['r'], deniedAt: now.toISOString() } },
    { type: 'OrderWouldBeSent', data: { orderId, clientOrderId, request: { clientOrderId, symbol: 'AAPL', side: 'buy', type: 'limit', quantity: '100', limitPrice: '190.5', timeInForce: 'day' }, decidedAt: now.toISOString() } },
    submitted,
    { type: 'OrderSubmitOutcomeUnknown', data: { orderId, clientOrderId, reason: 'time-out', detectedAt: now.toISOString() } },
    { type: 'OrderSubmitNotReceived', data: { orderId, clientOrderId, resolvedAt: now.toISOString() } },
    accepted,
    { type: 'OrderRejected', data: { orderId, clientOrderId, reason: 'no', rejectedAt: now.toISOString(), via: 'venue' } },
    filled('F9', '1'),
    cancelRequested,
    { type: 'OrderCancelRejected', data: { orderId, clientOrderId, reason: 'no', rejectedAt: now.toISOString() } },
    { type: 'OrderCanceled', data: { orderId, clientOrderId, canceledAt: now.toISOString(), via: 'venue' } },
    { type: 'OrderExpired', data: { orderId, clientOrderId, expiredAt: now.toISOString(), via: 'venue' } },
    replaceRequested,
    { type: 'OrderReplaceRejected', data: { orderId, clientOrderId, newClientOrderId: 'c2', reason: 'no', rejectedAt: now.toISOString() } },
    { type: 'OrderReplaced', data: { orderId, previousClientOrderId: clientOrderId, clientOrderId: 'c2', quantity: '100', limitPrice: '190.6', replacedAt: now.toISOString() } },
  ];
  const histories: Record<OrderStatus, OrderEvent[]> = {
    NotInitialized: [],
    Initialized: initialized,
    Denied: [...initialized, sampleEvents[1]!],
    WouldBeSent: [...initialized, sampleEvents[2]!],
    Submitted: [...initialized, submitted],
    Unknown: [...initialized, submitted, sampleEvents[4]!],
    Rejected: [...initialized, submitted, sampleEvents[7]!],
    Accepted: working,
    PartiallyFilled: [...working, filled('F1', '10')],
    PendingCancel: [...working, cancelRequested],
    PendingReplace: [...working, replaceRequested],
    Filled: [...working, filled('F1', '100')],
    Canceled: [...working, sampleEvents[11]!],
    Expired: [...working, sampleEvents[12]!],
  };

  it('covers every event type in the samples', () => {
    expect(new Set(sampleEvents.map((event) => event.type)).size).toBe(orderEvents.length);
  });

  it.each(orderStatuses.map((status) => [status]))('from %s, takes exactly the events its table row lists', (status) => {
    const state = foldOrderEvents(histories[status]);
    expect(state.status).toBe(status);
    for (const event of sampleEvents) {
      const transition = transitionFor(status, event.type);
      if (transition) {
        const next = evolveOrder(state, event);
        const progress = isAtVenue(next) ? (next.fills.filledQuantity.isZero() ? 'none' : next.fills.filledQuantity.eq(next.terms.quantity) ? 'complete' : 'partial') : 'none';
        expect(next.status).toBe(resolveTarget(transition.target, progress));
      } else {
        expect(() => evolveOrder(state, event)).toThrow(IllegalOrderTransitionError);
      }
    }
  });

  it('throws on a recorded event the table has no row for, instead of inventing a state', () => {
    expect(() => evolveOrder(foldOrderEvents(initialized), filled('F1', '1'))).toThrow(IllegalOrderTransitionError);
    expect(() => evolveOrder(initialOrderState, submitted)).toThrow(IllegalOrderTransitionError);
  });

  it('is written out in docs/order-lifecycle.md exactly as the code has it', () => {
    const documentation = readFileSync(join(__dirname, '../../../../docs/order-lifecycle.md'), 'utf8');
    expect(documentation).toContain(renderTransitionTable());
  });
});
