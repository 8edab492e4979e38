import { MarketClock } from '@tollgate/application';
import {
  ORDER_STREAM_CATEGORY,
  orderEvents,
  streamCategory,
  type BarRecorded,
  type BreakerLimits,
  type EventData,
  type MarketDataStale,
  type OrderEvent,
  type QuoteMessage,
  type RecordedEvent,
  type RiskLimitsChangedData,
} from '@tollgate/contracts';
import type { ExchangeCalendar } from '@tollgate/domain/calendar';
import type { BreakerMeasurements } from '@tollgate/domain/circuit-breaker';
import { applyMark, emptyLedgerFold, foldLedgerEvent, ledgerTotals, venueOfMode, type AccountScope, type LedgerFold } from '@tollgate/domain/ledger';
import { evolveOrder, initialOrderState, type OrderState } from '@tollgate/domain/order';
import { dec, ZERO, type Decimal } from '@tollgate/kernel';

const ORDER_EVENT_TYPES = new Set<string>(orderEvents.map((definition) => definition.type));
/** Account facts stored outside the order streams: the simulated opening, and what reconciliation adopts. */
const OTHER_ACCOUNT_FACT_TYPES = new Set<string>(['SimulatedAccountOpened', 'CashAdjusted', 'PositionAdjusted', 'BrokerFillAdopted']);
const AT_VENUE = new Set<string>(['Submitted', 'Unknown', 'Accepted', 'PartiallyFilled', 'PendingCancel', 'PendingReplace']);

export interface BreakerMonitorOptions {
  accountId: string;
  mode: 'SIMULATED' | 'SANDBOX_PAPER' | 'LIVE';
  calendar: ExchangeCalendar;
  /** Wall clock, for the clock-skew measurement outside SIMULATED. */
  wallNow?: () => number;
}

/**
 * What the circuit breakers measure, folded from the store (the account facts the ledger folds —
 * `foldLedgerEvent`: the cash baseline, each fill once whichever event carried it, adjustments — order
 * outcomes, feed and sync health, limits) and from quotes (marks): mark-to-market equity and today's P&L (unrealized
 * included, so a price move with no trade moves it), losing trades in a row, today's reject and
 * broker-error rates, the age of stale market data, failed syncs in a row, open reconciliation
 * breaks, and clock skew. Pure folding: the service decides and appends.
 */
export class BreakerMonitor {
  readonly clock: MarketClock;
  limits: BreakerLimits | null = null;
  private readonly ledger: LedgerFold = emptyLedgerFold();
  private readonly account: AccountScope;
  private readonly orders = new Map<string, OrderState>();
  private consecutiveLosses = 0;
  private day: string | null = null;
  private dayStartEquity: Decimal | null = null;
  private ordersToday = 0;
  private rejectsToday = 0;
  private brokerRequestsToday = 0;
  private brokerErrorsToday = 0;
  private consecutiveSyncFailures = 0;
  private readonly openBreaks = new Set<string>();
  private readonly staleFeeds = new Map<string, number>();
  private clockSkewMs: number | null = null;
  /** The equity the last evaluation or fill saw, so a new day starts from the previous day's last. */
  private lastEquity: Decimal | null = null;

  constructor(private readonly options: BreakerMonitorOptions) {
    this.clock = MarketClock.forMode(options.mode);
    this.account = { accountId: options.accountId, venue: venueOfMode(options.mode) };
  }

  get scope(): string {
    return `account:${this.options.accountId}`;
  }

  /** Applies one stored event; answers whether a measurement may have changed. */
  apply(event: RecordedEvent): boolean {
    if (streamCategory(event.streamId) === ORDER_STREAM_CATEGORY && ORDER_EVENT_TYPES.has(event.type)) return this.applyOrderEvent({ type: event.type, data: event.data } as OrderEvent, event.occurredAt);
    if (OTHER_ACCOUNT_FACT_TYPES.has(event.type)) {
      // An adopted fill counts on the day it was recorded, like an OrderFilled.
      if (event.type === 'BrokerFillAdopted') this.rollDay(new Date(event.occurredAt), this.equity());
      return this.foldAccountFact(event);
    }
    const data = event.data as never;
    switch (event.type) {
      case 'RiskLimitsChanged': {
        const change = data as RiskLimitsChangedData;
        this.limits = change.limits.accounts[this.options.accountId]?.breakers ?? null;
        return true;
      }
      case 'BarRecorded': {
        const bar = data as EventData<typeof BarRecorded>;
        this.clock.observe(bar.timestamp);
        this.ledger.state = applyMark(this.ledger.state, { symbol: bar.symbol, price: dec(bar.close, 'close'), at: bar.timestamp });
        return this.holds(bar.symbol);
      }
      case 'SyncFailed':
        this.consecutiveSyncFailures += 1;
        return true;
      case 'SyncCompleted':
        this.consecutiveSyncFailures = 0;
        return true;
      case 'ReconciliationBreakOpened':
        this.openBreaks.add((data as { breakId: string }).breakId);
        return true;
      case 'ReconciliationBreakResolved':
        this.openBreaks.delete((data as { breakId: string }).breakId);
        return true;
      case 'MarketDataStale': {
        const stale = data as EventData<typeof MarketDataStale>;
        const age = stale.lastTickAt ? Date.parse(stale.detectedAt) - Date.parse(stale.lastTickAt) : stale.staleAfterSeconds * 1000;
        this.staleFeeds.set(`${stale.feed}|${stale.symbol ?? '*'}`, age);
        return true;
      }
      case 'MarketDataResumed': {
        const resumed = data as { feed: string; symbol: string | null };
        this.staleFeeds.delete(`${resumed.feed}|${resumed.symbol ?? '*'}`);
        return true;
      }
      default:
        return false;
    }
  }

  /** A quote marks the symbol; answers whether it moved our equity. */
  onQuote(quote: QuoteMessage): boolean {
    this.clock.observe(quote.timestamp);
    if (this.options.mode !== 'SIMULATED') this.clockSkewMs = Math.round((this.options.wallNow ?? Date.now)() - Date.parse(quote.timestamp));
    const mid = dec(quote.bid, 'bid').plus(dec(quote.ask, 'ask')).div(2);
    this.ledger.state = applyMark(this.ledger.state, { symbol: quote.symbol, price: mid, at: quote.timestamp });
    return this.holds(quote.symbol) || this.options.mode !== 'SIMULATED';
  }

  equity(): Decimal {
    return ledgerTotals(this.ledger.state).equity;
  }

  /**
   * Today's measurements. Today is the exchange's trading date of the market clock; its P&L is equity
   * now minus equity when the day began (the last equity of the previous day), marks included.
   */
  measure(): BreakerMeasurements {
    const now = this.clock.now();
    const equity = this.equity();
    this.rollDay(now, equity);
    const measurements: BreakerMeasurements = {
      equity: equity.toFixed(),
      dailyPnl: equity.minus(this.dayStartEquity ?? equity).toFixed(),
      consecutiveLosses: this.consecutiveLosses,
      orders: { rejected: this.rejectsToday, total: this.ordersToday },
      brokerRequests: { errors: this.brokerErrorsToday, total: this.brokerRequestsToday },
      marketDataAgeMs: Math.max(0, ...this.staleFeeds.values()),
      consecutiveSyncFailures: this.consecutiveSyncFailures,
      reconciliationBreaks: this.openBreaks.size,
    };
    if (this.clockSkewMs !== null) measurements.clockSkewMs = this.clockSkewMs;
    this.lastEquity = equity;
    return measurements;
  }

  /** Working orders of the account (those a HALT must cancel), by client order id. */
  workingOrders(): string[] {
    const working: string[] = [];
    for (const state of this.orders.values()) if (AT_VENUE.has(state.status) && state.status !== 'NotInitialized') working.push(state.clientOrderId);
    return working;
  }

  private holds(symbol: string): boolean {
    const position = this.ledger.state.positions[symbol];
    return position !== undefined && position.lots.length > 0;
  }

  private rollDay(now: Date, equity: Decimal): void {
    const day = this.tradingDate(now);
    if (day === this.day) return;
    this.day = day;
    this.dayStartEquity = this.lastEquity ?? equity;
    this.ordersToday = 0;
    this.rejectsToday = 0;
    this.brokerRequestsToday = 0;
    this.brokerErrorsToday = 0;
  }

  private tradingDate(at: Date): string {
    try {
      return this.options.calendar.exchangeDate(at);
    } catch {
      return at.toISOString().slice(0, 10);
    }
  }

  private applyOrderEvent(event: OrderEvent, occurredAt: string): boolean {
    const orderId = event.data.orderId;
    const before = this.orders.get(orderId) ?? initialOrderState;
    let state: OrderState;
    try {
      state = evolveOrder(before, event);
    } catch {
      return false;
    }
    this.orders.set(orderId, state);
    if (state.status !== 'NotInitialized' && state.status !== 'Initialized' && state.status !== 'Denied') {
      // Order outcomes count on the day they happened.
      this.rollDay(new Date(occurredAt), this.equity());
    }
    switch (event.type) {
      case 'OrderSubmitted':
        this.ordersToday += 1;
        this.brokerRequestsToday += 1;
        return true;
      case 'OrderCancelRequested':
        this.brokerRequestsToday += 1;
        return false;
      case 'OrderRejected':
        this.rejectsToday += 1;
        return true;
      case 'OrderSubmitOutcomeUnknown':
        this.brokerErrorsToday += 1;
        return true;
      case 'OrderFilled':
        return this.foldAccountFact(event);
      default:
        if (this.orders.size > 20_000) this.forgetTerminalOrders();
        return false;
    }
  }

  /**
   * One account fact through the ledger's own fold, so the breakers count what the ledger counts. Capital
   * (an opening, an adopted cash figure, a position taken from the broker) moves the ledger's initial cash;
   * it is not trading, so the day's starting equity moves with it and today's P&L does not.
   */
  private foldAccountFact(event: { type: string; data: unknown }): boolean {
    const before = this.ledger.state;
    const fill = foldLedgerEvent(this.ledger, event, this.account);
    const after = this.ledger.state;
    if (after === before) return false;
    const capital = after.initialCash.minus(before.initialCash);
    if (!capital.isZero()) {
      this.dayStartEquity = this.dayStartEquity?.plus(capital) ?? null;
      this.lastEquity = this.lastEquity?.plus(capital) ?? null;
    }
    if (fill) {
      const realizedBefore = before.positions[fill.symbol]?.realizedPnl ?? ZERO;
      const realized = (after.positions[fill.symbol]?.realizedPnl ?? ZERO).minus(realizedBefore);
      if (!realized.isZero()) {
        // A trade closed (part of) a position: its result after the fill's fee decides the streak.
        const result = realized.minus(fill.fee);
        this.consecutiveLosses = result.isNegative() ? this.consecutiveLosses + 1 : 0;
      }
      this.lastEquity = this.equity();
    }
    return true;
  }

  private forgetTerminalOrders(): void {
    for (const [orderId, state] of this.orders) if (!AT_VENUE.has(state.status) && state.status !== 'Initialized') this.orders.delete(orderId);
  }
}
