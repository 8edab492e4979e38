import fc from 'fast-check';
import { dec, DomainError, ZERO } from '@tollgate/kernel';
import type { BrokerOrder, OrderEvent } from '@tollgate/contracts';
import type { OrderCommand } from './order.commands';
import { decideOrder } from './order.decide';
import { clientOrderIdFor, orderIdFor, replacementClientOrderIdFor } from './order.ids';
import { evolveOrder, foldOrderEvents, initialOrderState, isAtVenue, type OrderState } from './order.state';
import { orderStatuses, terminalStatuses, transitionFor } from './order.transitions';

const intentId = 'intent-1';
const orderId = orderIdFor(intentId);
const clientOrderId = clientOrderIdFor(intentId);
const at = '2026-03-02T15:00:00.000Z';
const metadata = { now: new Date(at) };

/** A plain check: `expect` in a loop this hot would dominate the run time. */
function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

/** Whatever happens, these hold. */
function assertInvariants(state: OrderState): void {
  check(orderStatuses.includes(state.status), `unknown status ${state.status}`);
  if (state.status === 'NotInitialized') return;
  const quantity = state.terms.quantity;
  check(quantity.gt(0), 'quantity must stay positive');
  if (!isAtVenue(state)) {
    check(['Initialized', 'Denied', 'WouldBeSent', 'Submitted', 'Unknown', 'Rejected'].includes(state.status), `${state.status} must carry fills`);
    return;
  }
  const filled = state.fills.filledQuantity;
  check(filled.gte(0) && filled.lte(quantity), `filled ${filled.toFixed()} outside 0..${quantity.toFixed()}`);
  check(new Set(state.fills.fillIds).size === state.fills.fillIds.length, 'a fill id was counted twice');
  if (state.status === 'Accepted') check(filled.isZero(), 'Accepted with fills');
  if (state.status === 'PartiallyFilled') check(filled.gt(0) && filled.lt(quantity), 'PartiallyFilled outside (0, quantity)');
  if (state.status === 'Filled') check(filled.eq(quantity), 'Filled below quantity');
  if (state.status === 'PendingReplace') check(state.pendingReplacement !== undefined, 'PendingReplace without a replacement');
}

const fillIds = fc.constantFrom('F1', 'F2', 'F3', 'F4', 'F5', 'F6');
const smallQuantity = fc.integer({ min: 1, max: 40 }).map(String);
const brokerStatus = fc.constantFrom<BrokerOrder['status']>('new', 'accepted', 'partially_filled', 'filled', 'canceled', 'expired', 'rejected');

function brokerAnswer(status: BrokerOrder['status']): BrokerOrder {
  return {
    brokerOrderId: 'B-1',
    clientOrderId,
    symbol: 'SPY',
    side: 'buy',
    type: 'limit',
    timeInForce: 'gtc',
    quantity: '100',
    filledQuantity: '0',
    averageFillPrice: null,
    limitPrice: '500',
    stopPrice: null,
    status,
    submittedAt: at,
    updatedAt: at,
  };
}

/** Weighted so that sequences reach the deep statuses (pending replace, late fills) often. */
const command: fc.Arbitrary<OrderCommand> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<OrderCommand>({ type: 'SubmitOrder', data: {}, metadata }) },
  { weight: 1, arbitrary: fc.constant<OrderCommand>({ type: 'DenyOrder', data: { reasons: ['LIMIT'] }, metadata }) },
  { weight: 1, arbitrary: fc.constant<OrderCommand>({ type: 'RecordWouldBeSent', data: {}, metadata }) },
  { weight: 2, arbitrary: fc.constant<OrderCommand>({ type: 'MarkUnknown', data: { reason: 'time-out' }, metadata }) },
  {
    weight: 3,
    arbitrary: fc.option(brokerStatus, { nil: null }).map<OrderCommand>((status) => ({
      type: 'ResolveUnknown',
      data: { brokerOrder: status === null ? null : brokerAnswer(status) },
      metadata,
    })),
  },
  { weight: 3, arbitrary: fc.constant<OrderCommand>({ type: 'AcceptOrder', data: { brokerOrderId: 'B-1' }, metadata }) },
  { weight: 1, arbitrary: fc.constant<OrderCommand>({ type: 'RejectOrder', data: { reason: 'no' }, metadata }) },
  {
    weight: 3,
    arbitrary: fc.record({ fillId: fillIds, quantity: smallQuantity }).map<OrderCommand>(({ fillId, quantity }) => ({
      type: 'FillOrder',
      data: { fillId, quantity, price: '500.01', fee: '1' },
      metadata,
    })),
  },
  { weight: 2, arbitrary: fc.constant<OrderCommand>({ type: 'RequestCancel', data: { reason: 'operator' }, metadata }) },
  { weight: 2, arbitrary: fc.constant<OrderCommand>({ type: 'CancelOrder', data: {}, metadata }) },
  { weight: 2, arbitrary: fc.constant<OrderCommand>({ type: 'RejectCancel', data: { reason: 'too late' }, metadata }) },
  { weight: 1, arbitrary: fc.constant<OrderCommand>({ type: 'ExpireOrder', data: {}, metadata }) },
  {
    weight: 3,
    arbitrary: fc.integer({ min: 1, max: 200 }).map<OrderCommand>((quantity) => ({ type: 'RequestReplace', data: { quantity: String(quantity) }, metadata })),
  },
  { weight: 3, arbitrary: fc.constant<OrderCommand>({ type: 'ReplaceOrder', data: {}, metadata }) },
  { weight: 2, arbitrary: fc.constant<OrderCommand>({ type: 'RejectReplace', data: { reason: 'no' }, metadata }) },
);

const initialize: OrderCommand = {
  type: 'InitializeOrder',
  data: { orderId, intentId, intentKind: 'proposal', symbol: 'SPY', side: 'buy', type: 'limit', timeInForce: 'gtc', quantity: '100', limitPrice: '500' },
  metadata,
};

describe('order decider properties', () => {
  it('never reaches an illegal state, whatever commands arrive in whatever order', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 40, size: 'max' }), (commands) => {
        let state = foldOrderEvents(decideOrder(initialize, initialOrderState));
        const recorded: OrderEvent[] = decideOrder(initialize, initialOrderState);
        const acceptedFillQuantities = new Map<string, string>();
        for (const next of commands) {
          let events: OrderEvent[];
          try {
            events = decideOrder(next, state);
          } catch (error) {
            // Refusals are typed domain errors and leave the state untouched.
            check(error instanceof DomainError, `unexpected error ${String(error)}`);
            continue;
          }
          for (const event of events) {
            const before = state;
            check(transitionFor(before.status, event.type) !== undefined, `no row for ${before.status} + ${event.type}`);
            state = evolveOrder(before, event);
            assertInvariants(state);
            check(!['Denied', 'WouldBeSent', 'Rejected', 'Filled'].includes(before.status), `${before.status} took ${event.type}`);
            check(!terminalStatuses.includes(before.status) || state.status === before.status || state.status === 'Filled', `${before.status} left for ${state.status}`);
            if (event.type === 'OrderFilled') acceptedFillQuantities.set(event.data.fillId, event.data.quantity);
          }
          recorded.push(...events);
        }
        // Filled quantity is exactly the sum of the distinct fills taken, and never above the quantity.
        const sum = [...acceptedFillQuantities.values()].reduce((total, quantity) => total.plus(dec(quantity)), ZERO);
        const filled = isAtVenue(state) ? state.fills.filledQuantity : ZERO;
        expect(filled.eq(sum)).toBe(true);
        // Replay from the recorded events reproduces the live state.
        expect(foldOrderEvents(recorded)).toEqual(state);
      }),
      { numRuns: 400 },
    );
  });

  it('never reaches an illegal state from random recorded events: a bad stream is refused, not absorbed', () => {
    const event: fc.Arbitrary<OrderEvent> = fc.oneof(
      fc.constant<OrderEvent>({ type: 'OrderSubmitted', data: { orderId, clientOrderId, submittedAt: at } }),
      fc.constant<OrderEvent>({ type: 'OrderAccepted', data: { orderId, clientOrderId, brokerOrderId: 'B', acceptedAt: at, via: 'venue' } }),
      fc.constant<OrderEvent>({ type: 'OrderSubmitOutcomeUnknown', data: { orderId, clientOrderId, reason: 'x', detectedAt: at } }),
      fc.constant<OrderEvent>({ type: 'OrderSubmitNotReceived', data: { orderId, clientOrderId, resolvedAt: at } }),
      fc.constant<OrderEvent>({ type: 'OrderRejected', data: { orderId, clientOrderId, reason: 'x', rejectedAt: at, via: 'venue' } }),
      fc.constant<OrderEvent>({ type: 'OrderDenied', data: { orderId, clientOrderId, reasons: ['x'], deniedAt: at } }),
      fc.record({ fillId: fillIds, quantity: smallQuantity }).map<OrderEvent>(({ fillId, quantity }) => ({
        type: 'OrderFilled',
        data: { orderId, clientOrderId, fillId, symbol: 'SPY', side: 'buy', quantity, price: '500', fee: '0', liquidity: 'unknown', filledAt: at },
      })),
      fc.constant<OrderEvent>({ type: 'OrderCancelRequested', data: { orderId, clientOrderId, reason: 'x', requestedAt: at } }),
      fc.constant<OrderEvent>({ type: 'OrderCancelRejected', data: { orderId, clientOrderId, reason: 'x', rejectedAt: at } }),
      fc.constant<OrderEvent>({ type: 'OrderCanceled', data: { orderId, clientOrderId, canceledAt: at, via: 'venue' } }),
      fc.constant<OrderEvent>({ type: 'OrderExpired', data: { orderId, clientOrderId, expiredAt: at, via: 'venue' } }),
      fc.integer({ min: 1, max: 200 }).map<OrderEvent>((quantity) => ({
        type: 'OrderReplaceRequested',
        data: { orderId, clientOrderId, newClientOrderId: replacementClientOrderIdFor(orderId, 1), quantity: String(quantity), limitPrice: '501', requestedAt: at },
      })),
      fc.integer({ min: 1, max: 200 }).map<OrderEvent>((quantity) => ({
        type: 'OrderReplaced',
        data: { orderId, previousClientOrderId: clientOrderId, clientOrderId: 'c2', quantity: String(quantity), limitPrice: '501', replacedAt: at },
      })),
      fc.constant<OrderEvent>({ type: 'OrderReplaceRejected', data: { orderId, clientOrderId, newClientOrderId: 'c2', reason: 'x', rejectedAt: at } }),
    );
    fc.assert(
      fc.property(fc.array(event, { maxLength: 30, size: 'max' }), (events) => {
        let state = foldOrderEvents(decideOrder(initialize, initialOrderState));
        for (const next of events) {
          try {
            state = evolveOrder(state, next);
          } catch (error) {
            check(error instanceof DomainError, `unexpected error ${String(error)}`);
            continue;
          }
          assertInvariants(state);
        }
      }),
      { numRuns: 500 },
    );
  });
});
