import { dec, ZERO, type Decimal } from '@tollgate/kernel';
import type { OrderSide, OrderType } from '@tollgate/contracts';
import { directionOf, type OrderCheckRequest } from './request';

/** Longest window the log answers for; windows in the limits schema are capped at this. */
export const ACTIVITY_RETENTION_MS = 3_600_000;

/** Timestamps in arrival order, counted by binary search, trimmed from the front. */
class TimeQueue {
  private times: number[] = [];
  private head = 0;

  push(at: number): void {
    this.times.push(at);
  }

  /** Entries with time > since. */
  countAfter(since: number): number {
    let low = this.head;
    let high = this.times.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.times[middle]! > since) high = middle;
      else low = middle + 1;
    }
    return this.times.length - low;
  }

  dropUpTo(cutoff: number): void {
    while (this.head < this.times.length && this.times[this.head]! <= cutoff) this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }
}

export interface AcceptedOrder {
  clientOrderId: string;
  at: number;
  quantity: Decimal;
  contentKey: string;
  sliceKey: string;
}

export interface AcceptedOrderFacts {
  action: 'submit' | 'replace';
  clientOrderId: string;
  strategy: string | null;
  symbol: string;
  side: OrderSide;
  type: OrderType;
  quantity: Decimal;
  limitPrice: Decimal | null;
  stopPrice: Decimal | null;
  at: Date;
}

export function contentKeyOf(facts: Pick<AcceptedOrderFacts, 'strategy' | 'symbol' | 'side' | 'type' | 'quantity' | 'limitPrice' | 'stopPrice'>): string {
  return [facts.strategy ?? 'manual', facts.symbol, facts.side, facts.type, facts.quantity.toFixed(), facts.limitPrice?.toFixed() ?? '', facts.stopPrice?.toFixed() ?? ''].join('|');
}

export function sliceKeyOf(facts: Pick<AcceptedOrderFacts, 'strategy' | 'symbol' | 'side'>): string {
  return `${facts.strategy ?? 'manual'}|${facts.symbol}|${directionOf(facts.side)}`;
}

/**
 * What risk allowed recently for one account: message times for the throttles, accepted orders for
 * duplicate and slicing checks. The risk service records every allowed submit and replace here; it
 * is rebuilt after a restart from the order events of the last hour.
 */
export class RiskActivityLog {
  private readonly submits = new TimeQueue();
  private readonly replaces = new TimeQueue();
  private readonly accepted: AcceptedOrder[] = [];
  private acceptedHead = 0;
  private readonly byClientOrderId = new Map<string, AcceptedOrder>();
  private readonly latestByContent = new Map<string, AcceptedOrder>();
  private readonly bySlice = new Map<string, AcceptedOrder[]>();

  recordAccepted(facts: AcceptedOrderFacts): void {
    const at = facts.at.getTime();
    (facts.action === 'submit' ? this.submits : this.replaces).push(at);
    const order: AcceptedOrder = {
      clientOrderId: facts.clientOrderId,
      at,
      quantity: facts.quantity,
      contentKey: contentKeyOf(facts),
      sliceKey: sliceKeyOf(facts),
    };
    this.accepted.push(order);
    this.byClientOrderId.set(order.clientOrderId, order);
    this.latestByContent.set(order.contentKey, order);
    const slice = this.bySlice.get(order.sliceKey);
    if (slice) slice.push(order);
    else this.bySlice.set(order.sliceKey, [order]);
    this.prune(at - ACTIVITY_RETENTION_MS);
  }

  /** Records an order the engine allowed, as the risk service does right after the allow. */
  recordAllowed(request: OrderCheckRequest): void {
    this.recordAccepted({
      action: request.action,
      clientOrderId: request.clientOrderId,
      strategy: request.strategy,
      symbol: request.symbol,
      side: request.side,
      type: request.type,
      quantity: dec(request.quantity, 'quantity'),
      limitPrice: request.limitPrice ? dec(request.limitPrice, 'limitPrice') : null,
      stopPrice: request.stopPrice ? dec(request.stopPrice, 'stopPrice') : null,
      at: request.at,
    });
  }

  /** Allowed messages of one kind with time in (since, now]. */
  messagesAfter(action: 'submit' | 'replace', since: number): number {
    return (action === 'submit' ? this.submits : this.replaces).countAfter(since);
  }

  acceptedWithClientOrderId(clientOrderId: string, since: number): AcceptedOrder | undefined {
    const order = this.byClientOrderId.get(clientOrderId);
    return order && order.at > since ? order : undefined;
  }

  latestWithContent(contentKey: string, since: number): AcceptedOrder | undefined {
    const order = this.latestByContent.get(contentKey);
    return order && order.at > since ? order : undefined;
  }

  /** Total quantity accepted on one side of a symbol for one strategy with time in (since, now]. */
  quantityAfter(sliceKey: string, since: number): Decimal {
    const slice = this.bySlice.get(sliceKey);
    if (!slice) return ZERO;
    let total = ZERO;
    for (let index = slice.length - 1; index >= 0; index -= 1) {
      const order = slice[index]!;
      if (order.at <= since) break;
      total = total.plus(order.quantity);
    }
    return total;
  }

  private prune(cutoff: number): void {
    this.submits.dropUpTo(cutoff);
    this.replaces.dropUpTo(cutoff);
    while (this.acceptedHead < this.accepted.length && this.accepted[this.acceptedHead]!.at <= cutoff) {
      const old = this.accepted[this.acceptedHead]!;
      this.acceptedHead += 1;
      if (this.byClientOrderId.get(old.clientOrderId) === old) this.byClientOrderId.delete(old.clientOrderId);
      if (this.latestByContent.get(old.contentKey) === old) this.latestByContent.delete(old.contentKey);
      const slice = this.bySlice.get(old.sliceKey);
      if (slice && slice[0] === old) {
        slice.shift();
        if (slice.length === 0) this.bySlice.delete(old.sliceKey);
      }
    }
    if (this.acceptedHead > 1024 && this.acceptedHead * 2 > this.accepted.length) {
      this.accepted.splice(0, this.acceptedHead);
      this.acceptedHead = 0;
    }
  }
}
