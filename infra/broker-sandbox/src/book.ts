import { dec, decString, Decimal, ZERO } from '@tollgate/kernel';

/**
 * The sandbox's own state, rebuilt at start by replaying its journal: every change is a record first
 * (written to disk), then applied here. Nothing else mutates the book.
 */
export type AlpacaOrderStatus =
  | 'new'
  | 'accepted'
  | 'partially_filled'
  | 'filled'
  | 'canceled'
  | 'expired'
  | 'replaced'
  | 'pending_cancel'
  | 'pending_replace'
  | 'rejected';

export interface OrderTerms {
  id: string;
  clientOrderId: string;
  symbol: string;
  assetId: string;
  side: 'buy' | 'sell';
  type: 'market' | 'limit' | 'stop' | 'stop_limit';
  timeInForce: 'day' | 'gtc' | 'ioc' | 'fok' | 'opg' | 'cls';
  qty: string;
  limitPrice: string | null;
  stopPrice: string | null;
  positionIntent: string | null;
  extendedHours: boolean;
  createdAt: string;
  replaces: string | null;
  /** `api`: came through POST /v2/orders; `outside`: placed through the admin door, as a person would at the broker's site. */
  origin: 'api' | 'outside';
}

export interface OrderState extends OrderTerms {
  status: AlpacaOrderStatus;
  filledQty: string;
  filledAvgPrice: string | null;
  updatedAt: string;
  filledAt: string | null;
  canceledAt: string | null;
  expiredAt: string | null;
  replacedAt: string | null;
  replacedBy: string | null;
}

export interface FillActivity {
  /** `<yyyymmddhhmmssSSS>::<uuid>`, Alpaca's activity id form; also the page token. */
  id: string;
  executionId: string;
  orderId: string;
  symbol: string;
  side: 'buy' | 'sell';
  qty: string;
  price: string;
  cumQty: string;
  leavesQty: string;
  orderStatus: 'partially_filled' | 'filled';
  type: 'fill' | 'partial_fill';
  transactionTime: string;
}

export interface PositionState {
  symbol: string;
  assetId: string;
  /** Signed: negative is short. */
  qty: Decimal;
  avgEntryPrice: Decimal;
}

export type SubmitOutcome = 'accepted' | 'duplicate_client_order_id' | 'rejected' | 'fault_before_processing';

export type SandboxRecord =
  | {
      kind: 'submit_received';
      seq: number;
      at: string;
      origin: 'api' | 'outside';
      clientOrderId: string | null;
      body: unknown;
      outcome: SubmitOutcome;
      status: number;
      orderId: string | null;
      reason: string | null;
    }
  | { kind: 'order_accepted'; seq: number; at: string; order: OrderTerms }
  | { kind: 'order_filled'; seq: number; at: string; orderId: string; activityId: string; executionId: string; qty: string; price: string }
  | { kind: 'order_canceled'; seq: number; at: string; orderId: string }
  | { kind: 'order_expired'; seq: number; at: string; orderId: string }
  | { kind: 'order_replaced'; seq: number; at: string; orderId: string; replacement: OrderTerms }
  | { kind: 'quote'; seq: number; at: string; symbol: string; bid: string; ask: string; bidSize: string; askSize: string }
  /** The matching engine's own events (the simulated exchange keeps its state as events). */
  | { kind: 'engine_events'; seq: number; at: string; events: readonly unknown[] };

/** Records without the sequence number, as the venue proposes them before the journal numbers them. */
export type ProposedRecord = SandboxRecord extends infer R ? (R extends SandboxRecord ? Omit<R, 'seq'> : never) : never;

export const WORKING: ReadonlySet<AlpacaOrderStatus> = new Set(['new', 'accepted', 'partially_filled', 'pending_cancel', 'pending_replace']);

export class SandboxBook {
  readonly orders = new Map<string, OrderState>();
  readonly ordersByClientOrderId = new Map<string, OrderState>();
  readonly fills: FillActivity[] = [];
  readonly positions = new Map<string, PositionState>();
  readonly submitLog: Array<Extract<SandboxRecord, { kind: 'submit_received' }>> = [];
  readonly lastQuotes = new Map<string, { bid: string; ask: string; bidSize: string; askSize: string; at: string }>();
  cash: Decimal;
  lastSeq = 0;

  constructor(readonly initialCash: string) {
    this.cash = dec(initialCash, 'initial cash');
  }

  apply(record: SandboxRecord): void {
    this.lastSeq = record.seq;
    switch (record.kind) {
      case 'submit_received':
        this.submitLog.push(record);
        return;
      case 'order_accepted':
        this.addOrder(record.order, record.at);
        return;
      case 'order_filled':
        this.applyFill(record);
        return;
      case 'order_canceled': {
        const order = this.mustGet(record.orderId);
        order.status = 'canceled';
        order.canceledAt = record.at;
        order.updatedAt = record.at;
        return;
      }
      case 'order_expired': {
        const order = this.mustGet(record.orderId);
        order.status = 'expired';
        order.expiredAt = record.at;
        order.updatedAt = record.at;
        return;
      }
      case 'order_replaced': {
        const order = this.mustGet(record.orderId);
        order.status = 'replaced';
        order.replacedAt = record.at;
        order.replacedBy = record.replacement.id;
        order.updatedAt = record.at;
        this.addOrder(record.replacement, record.at);
        return;
      }
      case 'engine_events':
        return;
      case 'quote':
        this.lastQuotes.set(record.symbol, { bid: record.bid, ask: record.ask, bidSize: record.bidSize, askSize: record.askSize, at: record.at });
        return;
    }
  }

  workingOrders(): OrderState[] {
    return [...this.orders.values()].filter((order) => WORKING.has(order.status));
  }

  remaining(order: OrderState): Decimal {
    return dec(order.qty).minus(dec(order.filledQty));
  }

  /** Mark price for valuation: the last quote's mid, else the last fill, else the entry price. */
  markPrice(symbol: string): Decimal | null {
    const quote = this.lastQuotes.get(symbol);
    if (quote) return dec(quote.bid).plus(dec(quote.ask)).div(2);
    for (let index = this.fills.length - 1; index >= 0; index -= 1) {
      const fill = this.fills[index]!;
      if (fill.symbol === symbol) return dec(fill.price);
    }
    return null;
  }

  private addOrder(terms: OrderTerms, at: string): void {
    const order: OrderState = {
      ...terms,
      status: 'new',
      filledQty: '0',
      filledAvgPrice: null,
      updatedAt: at,
      filledAt: null,
      canceledAt: null,
      expiredAt: null,
      replacedAt: null,
      replacedBy: null,
    };
    this.orders.set(order.id, order);
    this.ordersByClientOrderId.set(order.clientOrderId, order);
  }

  private applyFill(record: Extract<SandboxRecord, { kind: 'order_filled' }>): void {
    const order = this.mustGet(record.orderId);
    const quantity = dec(record.qty);
    const price = dec(record.price);
    const filledBefore = dec(order.filledQty);
    const filledAfter = filledBefore.plus(quantity);
    const averageBefore = order.filledAvgPrice ? dec(order.filledAvgPrice) : ZERO;
    order.filledAvgPrice = decString(averageBefore.mul(filledBefore).plus(price.mul(quantity)).div(filledAfter).toDecimalPlaces(6));
    order.filledQty = decString(filledAfter);
    const complete = filledAfter.gte(dec(order.qty));
    order.status = complete ? 'filled' : 'partially_filled';
    order.filledAt = record.at;
    order.updatedAt = record.at;
    this.fills.push({
      id: record.activityId,
      executionId: record.executionId,
      orderId: order.id,
      symbol: order.symbol,
      side: order.side,
      qty: decString(quantity),
      price: decString(price),
      cumQty: decString(filledAfter),
      leavesQty: decString(Decimal.max(ZERO, dec(order.qty).minus(filledAfter))),
      orderStatus: complete ? 'filled' : 'partially_filled',
      type: complete ? 'fill' : 'partial_fill',
      transactionTime: record.at,
    });
    const signed = order.side === 'buy' ? quantity : quantity.neg();
    this.cash = this.cash.minus(signed.mul(price));
    const position = this.positions.get(order.symbol) ?? { symbol: order.symbol, assetId: order.assetId, qty: ZERO, avgEntryPrice: ZERO };
    const next = position.qty.plus(signed);
    if (position.qty.isZero() || position.qty.isNeg() === signed.isNeg()) {
      // Adding to (or opening) a position: the entry price is the quantity-weighted average.
      position.avgEntryPrice = position.qty.abs().mul(position.avgEntryPrice).plus(quantity.mul(price)).div(next.abs());
    } else if (!next.isZero() && next.isNeg() !== position.qty.isNeg()) {
      // Crossing through flat: what is left was opened at this fill's price.
      position.avgEntryPrice = price;
    }
    position.qty = next;
    if (next.isZero()) this.positions.delete(order.symbol);
    else this.positions.set(order.symbol, position);
  }

  private mustGet(orderId: string): OrderState {
    const order = this.orders.get(orderId);
    if (!order) throw new Error(`sandbox journal refers to order ${orderId}, which it never accepted`);
    return order;
  }
}
