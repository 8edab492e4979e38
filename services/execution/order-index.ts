import { followStore } from '@tollgate/application';
import { ORDER_STREAM_CATEGORY, orderEvents, streamCategory, type OrderEvent, type RecordedEvent } from '@tollgate/contracts';
import { fillForQualityFromOrderFilled, type FillForQuality } from '@tollgate/domain/fill-quality';
import { averageFillPrice, evolveOrder, fillProgressOf, initialOrderState, terminalStatuses, type OrderState } from '@tollgate/domain/order';
import type { EventStore, Subscription } from '@tollgate/event-store';
import { decString } from '@tollgate/kernel';
import type { Logger } from '@tollgate/telemetry';
import type { OrderView } from './execution.commands';

interface IndexedOrder {
  state: OrderState;
  actor?: string;
  /** When the store recorded the order's intent (the store's clock, not the market's). */
  recordedAt?: string;
}

const ORDER_EVENT_TYPES = new Set<string>(orderEvents.map((definition) => definition.type));

/**
 * Every order, folded from the event store (history, then live): the status of each, the client order
 * ids that name it at the broker, and its fills for fill-quality reports. The store is the truth;
 * this is a read model, so after a restart it is rebuilt exactly from the log.
 */
export class OrderIndex {
  private readonly orders = new Map<string, IndexedOrder>();
  private readonly orderIdByClientOrderId = new Map<string, string>();
  private readonly fills: FillForQuality[] = [];
  private subscription: Subscription | undefined;
  private position = 0;
  private fillCount = 0;

  constructor(
    private readonly store: EventStore,
    private readonly logger: Logger,
  ) {}

  /** Catches up with the store's head at the time of the call, then keeps following. */
  async start(): Promise<void> {
    const followed = followStore(this.store, {
      handler: (event) => {
        this.apply(event);
        this.position = event.position;
      },
      onError: (error) => this.logger.error({ err: error }, 'execution order index stopped following the store'),
    });
    this.subscription = followed;
    await followed.caughtUp;
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
    this.subscription = undefined;
  }

  /** The last store position applied. */
  get checkpoint(): number {
    return this.position;
  }

  /** Maps a client order id before anything is sent under it, so an update that overtakes the store finds its order. */
  register(clientOrderId: string, orderId: string): void {
    this.orderIdByClientOrderId.set(clientOrderId, orderId);
  }

  orderIdOf(clientOrderId: string): string | undefined {
    return this.orderIdByClientOrderId.get(clientOrderId);
  }

  isOurs(clientOrderId: string): boolean {
    return this.orderIdByClientOrderId.has(clientOrderId);
  }

  state(orderId: string): OrderState | undefined {
    return this.orders.get(orderId)?.state;
  }

  intentOf(orderId: string): string | undefined {
    const state = this.orders.get(orderId)?.state;
    return state && state.status !== 'NotInitialized' ? state.terms.intentId : undefined;
  }

  recordedAt(orderId: string): string | undefined {
    return this.orders.get(orderId)?.recordedAt;
  }

  /** Orders in one of these statuses, oldest first. */
  withStatus(statuses: readonly string[]): Array<{ orderId: string; state: OrderState }> {
    const wanted = new Set(statuses);
    return [...this.orders.entries()].filter(([, order]) => wanted.has(order.state.status)).map(([orderId, order]) => ({ orderId, state: order.state }));
  }

  views(filter: 'all' | 'open', limit: number): OrderView[] {
    const all = [...this.orders.entries()].filter(([, order]) => filter === 'all' || !terminalStatuses.includes(order.state.status as never));
    // Newest first: the ones an operator asks about.
    return all
      .slice(-limit)
      .reverse()
      .map(([orderId, order]) => orderView(orderId, order.state, order.actor, order.recordedAt));
  }

  countsByStatus(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const order of this.orders.values()) counts[order.state.status] = (counts[order.state.status] ?? 0) + 1;
    return counts;
  }

  get totalFills(): number {
    return this.fillCount;
  }

  fillsOfOrder(orderId: string): FillForQuality[] {
    return this.fills.filter((fill) => fill.orderId === orderId);
  }

  allFills(): readonly FillForQuality[] {
    return this.fills;
  }

  private apply(event: RecordedEvent): void {
    if (streamCategory(event.streamId) !== ORDER_STREAM_CATEGORY || !ORDER_EVENT_TYPES.has(event.type)) return;
    const orderEvent = { type: event.type, data: event.data } as OrderEvent;
    const orderId = (event.data as { orderId: string }).orderId;
    const current = this.orders.get(orderId) ?? { state: initialOrderState };
    try {
      const state = evolveOrder(current.state, orderEvent);
      const next: IndexedOrder = { ...current, state };
      if (orderEvent.type === 'OrderInitialized') {
        next.actor = event.metadata.actor;
        next.recordedAt = event.recordedAt;
        this.orderIdByClientOrderId.set(orderEvent.data.clientOrderId, orderId);
      }
      if (orderEvent.type === 'OrderReplaceRequested') this.orderIdByClientOrderId.set(orderEvent.data.newClientOrderId, orderId);
      if (orderEvent.type === 'OrderFilled') {
        this.fills.push(fillForQualityFromOrderFilled(orderEvent.data));
        this.fillCount += 1;
      }
      this.orders.set(orderId, next);
    } catch (error) {
      // A stream the order machine refuses is corrupt; the order keeps its last good state and the log says why.
      this.logger.error({ err: error, eventId: event.id, orderId }, `order ${orderId}: event ${event.type} at position ${event.position} was refused`);
    }
  }
}

export function orderView(orderId: string, state: OrderState, actor?: string, recordedAt?: string): OrderView {
  if (state.status === 'NotInitialized') {
    return { orderId, clientOrderId: '', intentId: '', intentKind: '', symbol: '', side: '', type: '', timeInForce: '', quantity: '0', status: state.status, filledQuantity: '0', fees: '0' };
  }
  const fills = fillProgressOf(state);
  const average = averageFillPrice(state);
  const reasons = state.status === 'Denied' ? [...state.reasons] : state.status === 'Rejected' || state.status === 'Unknown' ? [state.reason] : undefined;
  return {
    orderId,
    clientOrderId: state.clientOrderId,
    intentId: state.terms.intentId,
    intentKind: state.terms.intentKind,
    symbol: state.terms.symbol,
    side: state.terms.side,
    type: state.terms.type,
    timeInForce: state.terms.timeInForce,
    quantity: decString(state.terms.quantity),
    ...(state.terms.limitPrice ? { limitPrice: decString(state.terms.limitPrice) } : {}),
    ...(state.terms.stopPrice ? { stopPrice: decString(state.terms.stopPrice) } : {}),
    status: state.status,
    filledQuantity: decString(fills.filledQuantity),
    ...(average ? { averageFillPrice: decString(average.toDecimalPlaces(8)) } : {}),
    fees: decString(fills.fees),
    ...('brokerOrderId' in state && state.brokerOrderId ? { brokerOrderId: state.brokerOrderId } : {}),
    ...(reasons ? { reasons } : {}),
    ...(actor ? { actor } : {}),
    ...(recordedAt ? { initializedAt: recordedAt } : {}),
  };
}
