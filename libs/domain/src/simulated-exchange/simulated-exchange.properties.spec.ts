import fc from 'fast-check';
import { dec, Decimal, decString, DomainError, ManualClock } from '@tollgate/kernel';
import { BrokerRejectedError, type BrokerUpdate, type OrderEvent, type OrderSide, type OrderType, type TimeInForce } from '@tollgate/contracts';
import { decideOrder, evolveOrder, initialOrderState, isAtVenue, orderIdFor, type OrderCommand, type OrderState } from '../order';
import { SimulatedBroker } from './simulated-broker';

/**
 * The simulator shares the real order state machine: every update it sends, in the order it sends
 * them, is a legal transition of the order aggregate, and both agree on what filled.
 */
type Action =
  | { kind: 'submit'; side: OrderSide; type: OrderType; timeInForce: TimeInForce; quantity: number; offsetTicks: number }
  | { kind: 'cancel'; pick: number }
  | { kind: 'replace'; pick: number; quantity: number; offsetTicks: number }
  | { kind: 'quote'; move: number; size: number }
  | { kind: 'bar'; move: number; range: number; volume: number }
  | { kind: 'wait'; milliseconds: number }
  | { kind: 'endSession' };

const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('submit' as const),
      side: fc.constantFrom<OrderSide>('buy', 'sell', 'sell_short', 'buy_to_cover'),
      type: fc.constantFrom<OrderType>('market', 'limit', 'stop', 'stop_limit'),
      timeInForce: fc.constantFrom<TimeInForce>('day', 'gtc', 'ioc'),
      quantity: fc.integer({ min: 1, max: 400 }),
      offsetTicks: fc.integer({ min: -30, max: 30 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('replace' as const), pick: fc.nat(), quantity: fc.integer({ min: 1, max: 600 }), offsetTicks: fc.integer({ min: -30, max: 30 }) }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('quote' as const), move: fc.integer({ min: -25, max: 25 }), size: fc.integer({ min: 0, max: 300 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('bar' as const), move: fc.integer({ min: -25, max: 25 }), range: fc.integer({ min: 0, max: 40 }), volume: fc.integer({ min: 0, max: 5000 }) }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('wait' as const), milliseconds: fc.integer({ min: 0, max: 200 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'endSession' as const }) },
);

describe('simulated exchange properties', () => {
  it('sends only updates the order aggregate accepts, and both agree on what filled', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 5, maxLength: 50, size: 'max' }), fc.integer({ min: 0, max: 100 }), async (actions, latencyMs) => {
        const clock = new ManualClock(new Date('2026-03-02T14:30:00.000Z'));
        const broker = new SimulatedBroker({ clock, seed: 3, fillModel: { latencyMs, participationRate: '0.2', slippageBps: '2' } });
        const orders = new Map<string, OrderState>(); // by order id
        const orderIdByClientOrderId = new Map<string, string>();
        const metadata = () => ({ now: clock.now() });
        const apply = (orderId: string, command: OrderCommand): void => {
          const state = orders.get(orderId)!;
          const events: OrderEvent[] = decideOrder(command, state);
          orders.set(orderId, events.reduce(evolveOrder, state));
        };
        broker.onUpdate((update: BrokerUpdate) => {
          if (update.kind === 'disconnected' || update.kind === 'reconnected') return;
          const orderId = orderIdByClientOrderId.get(update.order.clientOrderId);
          if (!orderId) return;
          switch (update.kind) {
            case 'accepted':
              return apply(orderId, { type: 'AcceptOrder', data: { brokerOrderId: update.order.brokerOrderId }, metadata: metadata() });
            case 'fill':
              return apply(orderId, {
                type: 'FillOrder',
                data: { ...update.fill, clientOrderId: update.fill.clientOrderId, liquidity: 'unknown' },
                metadata: metadata(),
              });
            case 'canceled':
              return apply(orderId, { type: 'CancelOrder', data: {}, metadata: metadata() });
            case 'expired':
              return apply(orderId, { type: 'ExpireOrder', data: {}, metadata: metadata() });
            case 'rejected':
              return apply(orderId, { type: 'RejectOrder', data: { reason: update.reason }, metadata: metadata() });
            case 'replaced':
              return apply(orderId, { type: 'ReplaceOrder', data: { brokerOrderId: update.replacedBy.brokerOrderId }, metadata: metadata() });
          }
        });

        let mid = dec('100');
        let intent = 0;
        const openOrderIds = () => [...orders.entries()].filter(([, state]) => isAtVenue(state) && ['Accepted', 'PartiallyFilled'].includes(state.status)).map(([id]) => id);
        const price = (offsetTicks: number) => decString(mid.plus(dec('0.01').mul(offsetTicks)));

        for (const next of actions) {
          switch (next.kind) {
            case 'submit': {
              intent += 1;
              const orderId = orderIdFor(`intent-${intent}`);
              orders.set(orderId, initialOrderState);
              apply(orderId, {
                type: 'InitializeOrder',
                data: {
                  orderId,
                  intentId: `intent-${intent}`,
                  intentKind: 'proposal',
                  symbol: 'SPY',
                  side: next.side,
                  type: next.type,
                  timeInForce: next.type.startsWith('stop') && next.timeInForce === 'ioc' ? 'day' : next.timeInForce,
                  quantity: String(next.quantity),
                  ...(next.type === 'limit' || next.type === 'stop_limit' ? { limitPrice: price(next.offsetTicks) } : {}),
                  ...(next.type === 'stop' || next.type === 'stop_limit' ? { stopPrice: price(-next.offsetTicks) } : {}),
                },
                metadata: metadata(),
              });
              const state = orders.get(orderId)!;
              if (state.status !== 'Initialized') throw new Error('not initialized');
              apply(orderId, { type: 'SubmitOrder', data: {}, metadata: metadata() });
              orderIdByClientOrderId.set(state.clientOrderId, orderId);
              const { terms } = state;
              const acknowledgement = await broker.submit({
                clientOrderId: state.clientOrderId,
                symbol: terms.symbol,
                side: terms.side,
                type: terms.type,
                timeInForce: terms.timeInForce,
                quantity: decString(terms.quantity),
                ...(terms.limitPrice ? { limitPrice: decString(terms.limitPrice) } : {}),
                ...(terms.stopPrice ? { stopPrice: decString(terms.stopPrice) } : {}),
              });
              apply(orderId, { type: 'AcceptOrder', data: { brokerOrderId: acknowledgement.brokerOrderId }, metadata: metadata() });
              break;
            }
            case 'cancel': {
              const candidates = openOrderIds();
              if (candidates.length === 0) break;
              const orderId = candidates[next.pick % candidates.length]!;
              apply(orderId, { type: 'RequestCancel', data: { reason: 'test' }, metadata: metadata() });
              const state = orders.get(orderId)!;
              if (state.status === 'NotInitialized') break;
              try {
                await broker.cancel(state.clientOrderId);
              } catch (error) {
                if (!(error instanceof BrokerRejectedError)) throw error;
                apply(orderId, { type: 'RejectCancel', data: { reason: error.reason }, metadata: metadata() });
              }
              break;
            }
            case 'replace': {
              const candidates = openOrderIds();
              if (candidates.length === 0) break;
              const orderId = candidates[next.pick % candidates.length]!;
              const before = orders.get(orderId)!;
              if (before.status === 'NotInitialized') break;
              const hasLimit = before.terms.type === 'limit' || before.terms.type === 'stop_limit';
              try {
                apply(orderId, {
                  type: 'RequestReplace',
                  data: { quantity: String(next.quantity), ...(hasLimit ? { limitPrice: price(next.offsetTicks) } : {}) },
                  metadata: metadata(),
                });
              } catch (error) {
                if (error instanceof DomainError) break; // our own rules refused the replace; nothing was sent
                throw error;
              }
              const pending = orders.get(orderId)!;
              if (pending.status !== 'PendingReplace') throw new Error(`expected PendingReplace, got ${pending.status}`);
              orderIdByClientOrderId.set(pending.pendingReplacement.newClientOrderId, orderId);
              try {
                await broker.replace(pending.clientOrderId, {
                  newClientOrderId: pending.pendingReplacement.newClientOrderId,
                  quantity: decString(pending.pendingReplacement.quantity),
                  ...(pending.pendingReplacement.limitPrice ? { limitPrice: decString(pending.pendingReplacement.limitPrice) } : {}),
                });
              } catch (error) {
                if (!(error instanceof BrokerRejectedError)) throw error;
                apply(orderId, { type: 'RejectReplace', data: { reason: error.reason }, metadata: metadata() });
              }
              break;
            }
            case 'quote': {
              mid = Decimal.max(mid.plus(dec('0.01').mul(next.move)), dec('1'));
              clock.advance(1000);
              broker.onQuote({ symbol: 'SPY', timestamp: clock.now().toISOString(), bid: decString(mid.minus('0.01')), ask: decString(mid.plus('0.01')), bidSize: String(next.size), askSize: String(next.size) });
              break;
            }
            case 'bar': {
              const open = mid;
              mid = Decimal.max(mid.plus(dec('0.01').mul(next.move)), dec('1'));
              const range = dec('0.01').mul(next.range);
              const high = Decimal.max(open, mid).plus(range);
              const low = Decimal.max(Decimal.min(open, mid).minus(range), dec('0.5'));
              clock.advance(60_000);
              broker.onBar({ symbol: 'SPY', timestamp: clock.now().toISOString(), open: decString(open), high: decString(high), low: decString(low), close: decString(mid), volume: String(next.volume) });
              break;
            }
            case 'wait':
              clock.advance(next.milliseconds);
              broker.advance();
              break;
            case 'endSession':
              broker.endSession();
              break;
          }
        }

        // Both sides agree on every order.
        for (const [orderId, state] of orders) {
          if (state.status === 'NotInitialized') continue;
          const answer = await broker.getOrder(state.clientOrderId);
          expect(answer).not.toBeNull();
          const filled = isAtVenue(state) ? state.fills.filledQuantity : dec('0');
          expect([orderId, decString(filled)]).toEqual([orderId, answer!.filledQuantity]);
          const expected: Record<string, string[]> = {
            filled: ['Filled'],
            canceled: ['Canceled'],
            expired: ['Expired'],
            rejected: ['Rejected'],
            new: ['Accepted'],
            accepted: ['Accepted'],
            partially_filled: ['PartiallyFilled'],
          };
          expect(expected[answer!.status]).toContain(state.status);
        }
      }),
      { numRuns: 100 },
    );
  });
});

