import type {
  BrokerFillAdoptedData,
  OrderEvent,
  OrderFilledData,
  ReconciliationBreakOpenedData,
} from '@tollgate/contracts';
import { dec, decString, Decimal, ZERO } from '@tollgate/kernel';
import { accountFactOf, type AccountFact } from '../ledger/account-facts';
import { evolveOrder, initialOrderState, type OrderState } from '../order';
import { evolveSync, initialSyncState, type SyncEvent, type SyncState } from '../sync/sync.state';
import type { UnknownSubmit } from '../sync/unknown-submit';
import { evolveBreak, initialBreakState, type BreakEvent, type BreakState } from './break.state';
import type { CarriedBreak, LedgerOpenOrder, LedgerView } from './reconciliation.types';

/** What the books read from a recorded event. */
export interface BookEvent {
  streamId: string;
  streamVersion: number;
  /** Global position in the store. */
  position: number;
  type: string;
  data: unknown;
  occurredAt: string;
}

/** One fill in our books, whichever event brought it (OrderFilled from execution, BrokerFillAdopted from sync). */
export interface BookFill {
  fillId: string;
  orderId: string | null;
  clientOrderId: string;
  symbol: string;
  side: 'buy' | 'sell';
  quantity: Decimal;
  price: Decimal;
  fee: Decimal;
  /** Store position of the first event that carried it. */
  position: number;
}

interface BookPosition {
  quantity: Decimal;
  /** Average cost of the open quantity, as brokers report it: adding re-averages, reducing keeps it. */
  averagePrice: Decimal;
}

interface BookOrder {
  state: OrderState;
  /** Store position of the order's latest event. */
  lastPosition: number;
  submittedAt: string | null;
  fillIds: string[];
}

/** Positions and cash at one store position: the base of a reconciliation window. */
export interface BooksSnapshot {
  position: number;
  positions: ReadonlyMap<string, BookPosition>;
  cash: Decimal;
}

/** Order statuses the venue holds: compared with the broker's open orders. */
const AT_VENUE = new Set(['Accepted', 'PartiallyFilled', 'PendingCancel', 'PendingReplace']);
/** Whether the venue has it is not settled yet (execution resolves these itself): never compared. */
const UNSETTLED = new Set(['Initialized', 'Submitted', 'Unknown']);

const STREAM = { sync: 'sync-', breaks: 'reconciliationbreak-', order: 'order-' } as const;

/**
 * Our side of reconciliation, folded from the event store: every fill once by its broker fill id
 * (OrderFilled and BrokerFillAdopted alike, as the ledger folds them), explicit adjustments, the cash
 * baseline, every order's state, the sync stream's state and the open breaks. Pure and incremental: feed
 * it the store's events in position order.
 *
 * Positions carry the broker's average-cost convention (adding re-averages, reducing keeps the average),
 * so an average price is compared like for like; the ledger's FIFO lots are a P&L matter.
 */
export class OurBooks {
  position = 0;
  currency = 'USD';
  private readonly fills = new Map<string, BookFill>();
  private readonly fillOrder: BookFill[] = [];
  private readonly fillIdSet = new Set<string>();
  private readonly positions = new Map<string, BookPosition>();
  private cash = ZERO;
  private cashBaseline = false;
  private readonly orders = new Map<string, BookOrder>();
  private readonly orderIdByClientOrderId = new Map<string, string>();
  private readonly breaks = new Map<string, BreakState>();
  private syncState: SyncState = initialSyncState;
  private syncVersion = 0;
  private readinessVersion = 0;
  private lastReadiness: { ready: boolean; reasons: string[] } | null = null;
  /** Events the books refused (a broken fact); reported by the caller, never half-applied. */
  readonly refused: Array<{ position: number; type: string; error: string }> = [];

  /**
   * `simulatedVenue`: the account trades at the simulated exchange, whose opening (SimulatedAccountOpened)
   * is then the cash baseline. Against a real broker (or its sandbox) that event describes another venue.
   */
  constructor(
    readonly accountId: string,
    private readonly options: { simulatedVenue?: boolean } = {},
  ) {}

  get syncStreamId(): string {
    return `sync-${this.accountId}`;
  }

  get readinessStreamId(): string {
    return `readiness-${this.accountId}`;
  }

  apply(event: BookEvent): void {
    if (event.position <= this.position) return;
    this.position = event.position;
    try {
      this.fold(event);
    } catch (error) {
      this.refused.push({ position: event.position, type: event.type, error: error instanceof Error ? error.message : String(error) });
    }
  }

  private fold(event: BookEvent): void {
    if (event.streamId === this.syncStreamId) {
      this.syncState = evolveSync(this.syncState, { type: event.type, data: event.data } as SyncEvent);
      this.syncVersion = event.streamVersion;
    }
    if (event.streamId === this.readinessStreamId) {
      this.readinessVersion = event.streamVersion;
      if (event.type === 'TradingReadinessChanged') {
        const data = event.data as { ready: boolean; reasons: string[] };
        this.lastReadiness = { ready: data.ready, reasons: [...data.reasons] };
      }
    }
    if (event.streamId.startsWith(STREAM.breaks)) {
      this.foldBreak(event);
      return;
    }
    if (event.streamId.startsWith(STREAM.order)) {
      // An order event the state machine refuses is reported; a fill it carries is a fact all the same.
      try {
        this.foldOrder(event);
      } catch (error) {
        this.refused.push({ position: event.position, type: event.type, error: error instanceof Error ? error.message : String(error) });
      }
    }
    switch (event.type) {
      case 'OrderFilled': {
        const data = event.data as OrderFilledData;
        this.addFill({ ...fillFields(data), orderId: data.orderId, position: event.position });
        return;
      }
      case 'BrokerFillAdopted': {
        const data = event.data as BrokerFillAdoptedData;
        if (data.accountId !== this.accountId) return;
        this.addFill({ ...fillFields(data), orderId: this.orderIdByClientOrderId.get(data.clientOrderId) ?? null, position: event.position });
        return;
      }
      case 'PositionAdjusted':
      case 'CashAdjusted':
      case 'SimulatedAccountOpened':
        this.foldAdjustment(accountFactOf(event, { accountId: this.accountId, venue: this.options.simulatedVenue ? 'simulated' : 'broker' }), event);
        return;
      default:
        return;
    }
  }

  /** Cash and position facts other than fills, as every reader of the account takes them (`accountFactOf`). */
  private foldAdjustment(fact: AccountFact | undefined, event: BookEvent): void {
    if (!fact) return;
    if (fact.kind === 'position-adjusted') {
      const current = this.positions.get(fact.symbol) ?? { quantity: ZERO, averagePrice: ZERO };
      this.setPosition(fact.symbol, { quantity: current.quantity.plus(fact.quantityDelta), averagePrice: fact.averagePrice });
      return;
    }
    if (fact.kind === 'opening-cash' && this.cashBaseline) return;
    if (fact.kind === 'opening-cash' || fact.kind === 'cash-adjusted') {
      this.cash = this.cash.plus(fact.kind === 'opening-cash' ? fact.amount : fact.delta);
      this.cashBaseline = true;
      this.currency = fact.currency;
      return;
    }
    throw new Error(`${event.type} is not an adjustment`);
  }

  private foldOrder(event: BookEvent): void {
    if (!event.type.startsWith('Order')) return;
    const data = event.data as { orderId?: string; clientOrderId?: string; newClientOrderId?: string; submittedAt?: string };
    if (typeof data.orderId !== 'string') return;
    const order = this.orders.get(data.orderId) ?? { state: initialOrderState, lastPosition: 0, submittedAt: null, fillIds: [] };
    order.state = evolveOrder(order.state, { type: event.type, data: event.data } as OrderEvent);
    order.lastPosition = event.position;
    if (event.type === 'OrderSubmitted' && data.submittedAt) order.submittedAt = data.submittedAt;
    this.orders.set(data.orderId, order);
    // Every client order id the order ever had names it at the broker (a replace brings a new one).
    if (data.clientOrderId) this.orderIdByClientOrderId.set(data.clientOrderId, data.orderId);
    if (data.newClientOrderId) this.orderIdByClientOrderId.set(data.newClientOrderId, data.orderId);
  }

  private foldBreak(event: BookEvent): void {
    const data = event.data as { breakId?: string; accountId?: string };
    if (typeof data.breakId !== 'string') return;
    const current = this.breaks.get(data.breakId);
    if (!current) {
      if (event.type !== 'ReconciliationBreakOpened' || (event.data as ReconciliationBreakOpenedData).accountId !== this.accountId) return;
    }
    this.breaks.set(data.breakId, evolveBreak(current ?? initialBreakState, { type: event.type, data: event.data } as BreakEvent));
  }

  private addFill(fill: BookFill): void {
    if (this.fills.has(fill.fillId)) return;
    this.fills.set(fill.fillId, fill);
    this.fillOrder.push(fill);
    this.fillIdSet.add(fill.fillId);
    if (fill.orderId) this.orders.get(fill.orderId)?.fillIds.push(fill.fillId);
    applyFillTo(this.positions, fill);
    this.cash = this.cash.minus(signed(fill).mul(fill.price)).minus(fill.fee);
  }

  private setPosition(symbol: string, position: BookPosition): void {
    if (position.quantity.isZero()) this.positions.delete(symbol);
    else this.positions.set(symbol, position);
  }

  // ---- queries ------------------------------------------------------------------------------------

  /** Positions and cash now: the base of the next reconciliation window. */
  snapshot(): BooksSnapshot {
    return { position: this.position, positions: new Map([...this.positions].map(([symbol, item]) => [symbol, { ...item }])), cash: this.cash };
  }

  hasFill(fillId: string): boolean {
    return this.fillIdSet.has(fillId);
  }

  isOurClientOrderId(clientOrderId: string): boolean {
    return this.orderIdByClientOrderId.has(clientOrderId);
  }

  /** Whether any cash fact (an opened simulated account or a cash adjustment) exists: without one, our cash is unknown. */
  get hasCashBaseline(): boolean {
    return this.cashBaseline;
  }

  get sync(): { state: SyncState; version: number } {
    return { state: this.syncState, version: this.syncVersion };
  }

  get readiness(): { version: number; last: { ready: boolean; reasons: string[] } | null } {
    return { version: this.readinessVersion, last: this.lastReadiness };
  }

  /** Orders at the venue by our account: their current client order ids (looked up when the broker does not list them). */
  workingClientOrderIds(): string[] {
    return [...this.orders.values()].filter((order) => AT_VENUE.has(order.state.status)).map((order) => clientOrderIdOf(order.state));
  }

  /** Orders whose submit outcome is not known yet (a crash or a time-out after the send). */
  unknownSubmits(): UnknownSubmit[] {
    return [...this.orders.values()]
      .filter((order) => order.state.status === 'Submitted' || order.state.status === 'Unknown')
      .map((order) => ({ clientOrderId: clientOrderIdOf(order.state), sentAt: order.submittedAt ?? new Date(0).toISOString(), lookups: 0 }));
  }

  /** Orders we hold at the venue, with their order id: a broker lookup saying cancelled or expired is applied to them. */
  ordersAtVenue(): Array<{ orderId: string; clientOrderId: string; status: string }> {
    return [...this.orders.entries()]
      .filter(([, order]) => AT_VENUE.has(order.state.status))
      .map(([orderId, order]) => ({ orderId, clientOrderId: clientOrderIdOf(order.state), status: order.state.status }));
  }

  orderIdOf(clientOrderId: string): string | undefined {
    return this.orderIdByClientOrderId.get(clientOrderId);
  }

  /** Breaks still open or acknowledged, for carrying into the next run. */
  openBreaks(): CarriedBreak[] {
    const result: CarriedBreak[] = [];
    for (const [breakId, state] of this.breaks) {
      if (state.status !== 'open' && state.status !== 'acknowledged') continue;
      const opened = state.opened;
      result.push({
        breakId,
        class: opened.class,
        subject: opened.subject,
        symbol: opened.symbol,
        field: opened.field,
        ours: opened.ours,
        broker: opened.brokerValue,
        policy: opened.policy,
      });
    }
    return result;
  }

  breakState(breakId: string): BreakState {
    return this.breaks.get(breakId) ?? initialBreakState;
  }

  /**
   * Our side of one reconciliation, consistent with the broker's snapshot: positions and cash from the
   * snapshot taken before the sync, plus the fills the sync fetched that were recorded after it (by the
   * stream or by adoption). A fill recorded after the snapshot that the broker did not report yet is left
   * out, as the broker's positions do not show it either. Orders with any event after the snapshot are in
   * flight and are compared on a later run (`inFlight`, to be left out on the broker's side as well);
   * so are orders whose submit outcome is not settled.
   */
  ledgerView(base: BooksSnapshot, fetchedFillIds: ReadonlySet<string>): { view: LedgerView; inFlight: Set<string> } {
    const positions = new Map([...base.positions].map(([symbol, item]) => [symbol, { ...item }]));
    let cash = base.cash;
    const late: BookFill[] = [];
    for (let index = this.fillOrder.length - 1; index >= 0 && this.fillOrder[index]!.position > base.position; index -= 1) {
      const fill = this.fillOrder[index]!;
      if (fetchedFillIds.has(fill.fillId)) late.push(fill);
    }
    for (const fill of late.reverse()) {
      applyFillTo(positions, fill);
      cash = cash.minus(signed(fill).mul(fill.price)).minus(fill.fee);
    }
    const inWindow = (fill: BookFill) => fill.position <= base.position || fetchedFillIds.has(fill.fillId);

    const inFlight = new Set<string>();
    const openOrders: LedgerOpenOrder[] = [];
    for (const order of this.orders.values()) {
      const state = order.state;
      if (state.status === 'NotInitialized') continue;
      const clientOrderId = clientOrderIdOf(state);
      if (UNSETTLED.has(state.status) || order.lastPosition > base.position) {
        inFlight.add(clientOrderId);
        continue;
      }
      if (!AT_VENUE.has(state.status)) continue;
      let filled = ZERO;
      for (const fillId of order.fillIds) {
        const fill = this.fills.get(fillId);
        if (fill && inWindow(fill)) filled = filled.plus(fill.quantity);
      }
      const remaining = state.terms.quantity.minus(filled);
      if (!remaining.gt(0)) continue;
      openOrders.push({
        clientOrderId,
        brokerOrderId: 'brokerOrderId' in state && state.brokerOrderId ? state.brokerOrderId : null,
        symbol: state.terms.symbol,
        side: state.terms.side,
        remainingQuantity: decString(remaining),
        limitPrice: state.terms.limitPrice ? decString(state.terms.limitPrice) : null,
        stopPrice: state.terms.stopPrice ? decString(state.terms.stopPrice) : null,
      });
    }
    return {
      view: {
        accountId: this.accountId,
        currency: this.currency,
        cash: decString(cash),
        positions: [...positions]
          .filter(([, item]) => !item.quantity.isZero())
          .map(([symbol, item]) => ({ symbol, quantity: decString(item.quantity), averagePrice: decString(item.averagePrice) })),
        openOrders,
        isOurClientOrderId: (id) => this.orderIdByClientOrderId.has(id),
        fillIds: this.fillIdSet,
      },
      inFlight,
    };
  }
}

function clientOrderIdOf(state: OrderState): string {
  return state.status === 'NotInitialized' ? '' : state.clientOrderId;
}

function fillFields(data: OrderFilledData | BrokerFillAdoptedData): Omit<BookFill, 'orderId' | 'position'> {
  return {
    fillId: data.fillId,
    clientOrderId: data.clientOrderId,
    symbol: data.symbol,
    side: data.side,
    quantity: dec(data.quantity, 'quantity'),
    price: dec(data.price, 'price'),
    fee: dec(data.fee, 'fee'),
  };
}

function signed(fill: Pick<BookFill, 'side' | 'quantity'>): Decimal {
  return fill.side === 'buy' ? fill.quantity : fill.quantity.neg();
}

/** The broker's average-cost rule: adding re-averages, reducing keeps the average, crossing flat takes the fill's price. */
export function applyFillTo(positions: Map<string, BookPosition>, fill: Pick<BookFill, 'symbol' | 'side' | 'quantity' | 'price'>): void {
  const current = positions.get(fill.symbol) ?? { quantity: ZERO, averagePrice: ZERO };
  const change = signed(fill);
  const next = current.quantity.plus(change);
  let averagePrice = current.averagePrice;
  if (current.quantity.isZero() || current.quantity.isNegative() === change.isNegative()) {
    averagePrice = current.quantity.abs().mul(current.averagePrice).plus(fill.quantity.mul(fill.price)).div(next.abs());
  } else if (!next.isZero() && next.isNegative() !== current.quantity.isNegative()) {
    averagePrice = fill.price;
  }
  if (next.isZero()) positions.delete(fill.symbol);
  else positions.set(fill.symbol, { quantity: next, averagePrice });
}
