import { followStore, MarketClock, type FollowedStore } from '@tollgate/application';
import {
  ORDER_STREAM_CATEGORY,
  orderEvents,
  streamCategory,
  type BarRecorded,
  type BrokerFillAdoptedData,
  type EmergencyStopStartedData,
  type EventData,
  type OrderEvent,
  type OrderInitializedData,
  type ProposalConverted,
  type ProposalCreatedData,
  type QuoteMessage,
  type RecordedEvent,
  type RiskLimitsChangedData,
  type TradingReadinessChangedData,
} from '@tollgate/contracts';
import { evolveAutoMode, initialAutoModeState, type AutoModeEvent, type AutoModeState } from '@tollgate/domain/auto-mode';
import { evolveBreakerBoard, initialBreakerBoard, type BreakerBoard, type BreakerEvent } from '@tollgate/domain/circuit-breaker';
import type { Instrument } from '@tollgate/domain/instrument';
import {
  evolveEmergencyStop,
  evolveKillSwitch,
  initialEmergencyStopState,
  initialKillSwitchState,
  type EmergencyStopEvent,
  type EmergencyStopState,
  type ExitPosition,
  type KillSwitchEvent,
  type KillSwitchState,
  type RestingOrderRef,
} from '@tollgate/domain/kill-switch';
import { accountFactOf, venueOfMode, type AccountFact, type AccountScope, type LedgerFill } from '@tollgate/domain/ledger';
import { evolveOrder, initialOrderState, type OrderState } from '@tollgate/domain/order';
import { evolveOverride, initialOverrideState, type OverrideEvent, type OverrideState } from '@tollgate/domain/override';
import {
  compileRiskLimits,
  evolveStrategyExecution,
  initialStrategyExecutionState,
  LiveRiskBook,
  orderInScope,
  type OrderCheckRequest,
  type StrategyExecutionEvent,
  type StrategyExecutionState,
} from '@tollgate/domain/risk';
import { readinessTradingState } from '@tollgate/domain/sync';
import { evolveTradingState, initialTradingState, type TradingState, type TradingStateEvent } from '@tollgate/domain/trading-state';
import type { EventStore } from '@tollgate/event-store';
import { dec, Decimal, ZERO } from '@tollgate/kernel';
import type { Logger } from '@tollgate/telemetry';
import { riskStreams } from './risk-streams';

const ORDER_EVENT_TYPES = new Set<string>(orderEvents.map((definition) => definition.type));
/** Statuses whose remaining quantity may still trade: they count against every limit (worst case). */
const WORKING_STATUSES = new Set<string>(['Submitted', 'Unknown', 'Accepted', 'PartiallyFilled', 'PendingCancel', 'PendingReplace']);
/** Statuses in which the venue holds the order, so a cancel can reach it. */
export const AT_VENUE_STATUSES = new Set<string>(['Accepted', 'PartiallyFilled', 'PendingReplace']);

export interface TrackedOrder {
  orderId: string;
  state: OrderState;
  strategy: string | null;
  /** The client order id the book holds it under; a replace changes it. */
  bookedAs: string | null;
}

export interface StrategyPosition {
  strategy: string | null;
  symbol: string;
  quantity: Decimal;
}

export interface TrackedEmergencyStop {
  started: EmergencyStopStartedData;
  state: EmergencyStopState;
  flattenOrders: EmergencyStopStartedData['flattenOrders'];
  remaining: Array<{ accountId: string; strategy: string | null; symbol: string; quantity: string; reason: string }>;
  outcome: 'flat' | 'incomplete' | null;
}

export interface RiskProjectionOptions {
  accountId: string;
  mode: 'SIMULATED' | 'SANDBOX_PAPER' | 'LIVE';
  instruments: readonly Instrument[];
}

/**
 * Everything the risk service knows, folded from the store (history first, exactly, then live) and
 * from quotes: the live risk book the pre-trade check reads, the orders and their strategies, positions
 * per strategy, equity (cash and positions from the account facts the ledger reads — `accountFactOf` —
 * marked at the last mid), limits in force, trading states (the board's and the account's reconciliation
 * readiness), kill switches, disabled strategies, overrides, auto-mode, breakers and emergency stops.
 * Each change updates the book in place (`LiveRiskBook`), never a rebuild.
 *
 * One account per risk service (the runtime configuration's).
 */
export class RiskProjection {
  readonly book: LiveRiskBook;
  readonly clock: MarketClock;
  readonly orders = new Map<string, TrackedOrder>();
  readonly orderIdByClientOrderId = new Map<string, string>();
  readonly tradingBoard = new Map<string, TradingState>();
  killSwitch: KillSwitchState = initialKillSwitchState();
  readonly strategies = new Map<string, StrategyExecutionState>();
  readonly overrides = new Map<string, OverrideState>();
  autoMode: AutoModeState = initialAutoModeState();
  readonly breakerBoards = new Map<string, BreakerBoard>();
  readonly emergencyStops = new Map<string, TrackedEmergencyStop>();
  /** Planned exit order id (= the exit's intent id) → the stop that planned it. */
  readonly exitIntents = new Map<string, { stopId: string; strategy: string | null }>();
  limitsChange: RiskLimitsChangedData | null = null;
  limitsChanges = 0;
  /** Fill times per strategy, for the repeated-execution throttle. */
  readonly strategyFillTimes = new Map<string, string[]>();
  /** The account's latest TradingReadinessChanged; null while none was recorded. */
  readiness: TradingReadinessChangedData | null = null;
  /** Called after each event is applied; `live` is false while catching up with history. */
  onEvent: ((event: RecordedEvent, live: boolean) => void) | undefined;
  /** Called after an order's state changed. */
  onOrderChanged: ((order: TrackedOrder, live: boolean) => void) | undefined;

  private readonly checked = new Map<string, { strategy: string | null }>();
  private readonly intentStrategies = new Map<string, string | null>();
  private readonly proposalStrategies = new Map<string, string>();
  /** Orders risk allowed that execution has not recorded as sent yet: they count already. */
  private readonly allowedPending = new Set<string>();
  /** Client order ids recorded in the activity log at check time (so their Submitted event is not counted twice). */
  private readonly recordedAtCheck = new Set<string>();
  private readonly strategyPositions = new Map<string, StrategyPosition>();
  private readonly positions = new Map<string, Decimal>();
  private readonly marks = new Map<string, Decimal>();
  private readonly intentFilled = new Map<string, Decimal>();
  /** The same fill may be stored twice (OrderFilled from execution, BrokerFillAdopted from sync): it counts once. */
  private readonly fillIds = new Set<string>();
  private readonly accountScope: AccountScope;
  /** Cash moved by fills and by cash facts; it means something only once a cash baseline was stated. */
  private cash = ZERO;
  /**
   * Whether the account's cash is known: an opening (SimulatedAccountOpened at the simulated exchange) or a
   * broker cash figure adopted by reconciliation (CashAdjusted, the first being the opening balance). Until
   * then equity is unknown, not the fills' cost alone, and orders fail closed.
   */
  private cashBaselineKnown = false;
  private marketValue = ZERO;
  private subscription: FollowedStore | undefined;
  private position = 0;
  private live = false;
  private readonly referenceAt = new Map<string, number>();
  /** Callers of `waitFor`, woken as the subscription applies the position they wait for. */
  private readonly positionWaiters = new Set<{ position: number; wake: () => void }>();

  constructor(
    private readonly store: EventStore,
    private readonly logger: Logger,
    private readonly options: RiskProjectionOptions,
  ) {
    this.clock = MarketClock.forMode(options.mode);
    this.accountScope = { accountId: options.accountId, venue: venueOfMode(options.mode) };
    this.book = new LiveRiskBook({
      accountId: options.accountId,
      mode: options.mode,
      instruments: Object.fromEntries(options.instruments.map((instrument) => [instrument.symbol, { tickSize: instrument.tickSize, shortable: instrument.shortable }])),
    });
    // Outside SIMULATED an account nobody has assessed yet is HALTED from the first moment.
    this.applyReadiness();
  }

  /** Catches up with the store's head as of the call (exact), then keeps following it live. */
  async start(): Promise<void> {
    this.subscription = followStore(this.store, {
      handler: (event) => {
        this.apply(event);
        this.position = event.position;
        if (this.positionWaiters.size > 0) for (const waiter of [...this.positionWaiters]) if (waiter.position <= event.position) waiter.wake();
      },
      onCaughtUp: () => {
        this.live = true;
      },
      onError: (error) => this.logger.error({ err: error }, 'the risk projection stopped following the store; the risk service must be restarted'),
    });
    await this.subscription.caughtUp;
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
    this.subscription = undefined;
  }

  get checkpoint(): number {
    return this.position;
  }

  get isLive(): boolean {
    return this.live;
  }

  /**
   * Resolves once the projection has applied the store up to `position` (e.g. after an append of our
   * own). Woken by the subscription as it applies events, not by polling: a check spending an override
   * waits on this, and a poll interval would be added to its answer.
   */
  async waitFor(position: number, timeoutMs = 5_000): Promise<void> {
    if (this.position >= position) return;
    await new Promise<void>((resolve, reject) => {
      const waiter = {
        position,
        wake: () => {
          clearTimeout(timer);
          this.positionWaiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.positionWaiters.delete(waiter);
        reject(new Error(`the risk projection did not reach store position ${position} within ${timeoutMs} ms (at ${this.position})`));
      }, timeoutMs);
      this.positionWaiters.add(waiter);
    });
  }

  /** Read-your-writes: resolves once everything stored so far (our own appends included) is applied. */
  async settle(timeoutMs = 5_000): Promise<void> {
    await this.waitFor(await this.store.headPosition(), timeoutMs);
  }

  // ---- market data ------------------------------------------------------------------------------

  onQuote(quote: QuoteMessage): void {
    const atMs = Date.parse(quote.timestamp);
    if (atMs < (this.referenceAt.get(quote.symbol) ?? Number.NEGATIVE_INFINITY)) return;
    this.clock.observe(atMs);
    this.referenceAt.set(quote.symbol, atMs);
    const bid = dec(quote.bid, 'bid');
    const ask = dec(quote.ask, 'ask');
    const mid = bid.plus(ask).div(2);
    this.book.setReferencePrice(quote.symbol, { mid, bid, ask, at: quote.timestamp });
    this.mark(quote.symbol, mid);
  }

  private onBar(data: EventData<typeof BarRecorded>): void {
    const atMs = Date.parse(data.timestamp);
    this.clock.observe(atMs);
    if (atMs <= (this.referenceAt.get(data.symbol) ?? Number.NEGATIVE_INFINITY)) return;
    this.referenceAt.set(data.symbol, atMs);
    const close = dec(data.close, 'close');
    this.book.setReferencePrice(data.symbol, { mid: close, at: data.timestamp });
    this.mark(data.symbol, close);
  }

  // ---- what the check learns --------------------------------------------------------------------

  /** The check names the order's strategy, which the order events do not carry. */
  learnFromCheck(clientOrderId: string, strategy: string | null): void {
    // A re-check after a restart may not know the strategy; it never erases one already known.
    if (strategy === null && this.checked.has(clientOrderId)) return;
    this.checked.set(clientOrderId, { strategy });
    const orderId = this.orderIdByClientOrderId.get(clientOrderId);
    const tracked = orderId ? this.orders.get(orderId) : undefined;
    if (tracked && tracked.strategy !== strategy && tracked.strategy === null) {
      tracked.strategy = strategy;
      this.syncWorking(tracked);
    }
  }

  /** Risk allowed it: it counts from now, before execution records that it was sent. */
  recordAllowed(input: Pick<OrderCheckRequest, 'clientOrderId' | 'intentId' | 'strategy' | 'symbol' | 'side' | 'type' | 'quantity' | 'limitPrice' | 'stopPrice'>): void {
    this.recordedAtCheck.add(input.clientOrderId);
    this.allowedPending.add(input.clientOrderId);
    const orderId = this.orderIdByClientOrderId.get(input.clientOrderId);
    const tracked = orderId ? this.orders.get(orderId) : undefined;
    // Already past Initialized (a repeated check): the order events decide.
    if (tracked && tracked.state.status !== 'Initialized') return;
    // Nothing of it has filled yet: all of it could.
    this.book.upsertWorkingOrder({ ...input, remainingQuantity: input.quantity });
  }

  // ---- queries ------------------------------------------------------------------------------------

  referenceSymbols(): string[] {
    return [...this.referenceAt.keys()].sort();
  }

  get accountId(): string {
    return this.options.accountId;
  }

  get equity(): Decimal | null {
    return this.cashBaselineKnown ? this.cash.plus(this.marketValue) : null;
  }

  get accountTradingScope(): string {
    return `account:${this.options.accountId}`;
  }

  /**
   * What readiness makes of the account now: HALTED with cause `reconciliation:not_ready` and the first
   * reason, or null when it does not restrict. An account never assessed is HALTED where a reconciliation
   * service must run (every mode but SIMULATED: no order before the start-up sync and reconciliation);
   * SIMULATED scratch runs and `tollgate sim` have none, so there it restricts only once one recorded.
   */
  readinessState(): ReturnType<typeof readinessTradingState> {
    return readinessTradingState(this.readiness, this.options.mode === 'SIMULATED' ? 'ignore' : 'halted');
  }

  strategyOf(order: TrackedOrder): string | null {
    return order.strategy;
  }

  isWorking(order: TrackedOrder): boolean {
    return WORKING_STATUSES.has(order.state.status);
  }

  isEmergencyExit(order: TrackedOrder): boolean {
    return order.state.status !== 'NotInitialized' && (order.state.terms.intentKind === 'emergency' || this.exitIntents.has(order.state.terms.intentId));
  }

  scopedOrder(order: TrackedOrder): { accountId: string; strategy: string | null; symbol: string } | null {
    if (order.state.status === 'NotInitialized') return null;
    return { accountId: this.options.accountId, strategy: order.strategy, symbol: order.state.terms.symbol };
  }

  /** Working orders (not emergency exits) in a scope: what a kill switch cancels. */
  workingOrdersInScope(scope: string, options: { includeEmergencyExits?: boolean } = {}): TrackedOrder[] {
    const found: TrackedOrder[] = [];
    for (const order of this.orders.values()) {
      if (!this.isWorking(order)) continue;
      if (!options.includeEmergencyExits && this.isEmergencyExit(order)) continue;
      const scoped = this.scopedOrder(order);
      if (scoped && orderInScope(scoped, scope)) found.push(order);
    }
    return found;
  }

  restingOrders(): RestingOrderRef[] {
    const resting: RestingOrderRef[] = [];
    for (const order of this.orders.values()) {
      if (!this.isWorking(order) || this.isEmergencyExit(order) || order.state.status === 'NotInitialized') continue;
      resting.push({ clientOrderId: order.state.clientOrderId, accountId: this.options.accountId, strategy: order.strategy, symbol: order.state.terms.symbol });
    }
    return resting;
  }

  positionsInScope(scope: string): ExitPosition[] {
    return [...this.strategyPositions.values()]
      .filter((position) => !position.quantity.isZero())
      .map((position) => ({ accountId: this.options.accountId, strategy: position.strategy, symbol: position.symbol, quantity: position.quantity.toFixed() }))
      .filter((position) => orderInScope(position, scope));
  }

  allPositions(): StrategyPosition[] {
    return [...this.strategyPositions.values()].filter((position) => !position.quantity.isZero());
  }

  orderByIntent(intentId: string): TrackedOrder | undefined {
    for (const order of this.orders.values()) if (order.state.status !== 'NotInitialized' && order.state.terms.intentId === intentId) return order;
    return undefined;
  }

  // ---- folding ------------------------------------------------------------------------------------

  private apply(event: RecordedEvent): void {
    try {
      this.applyEvent(event);
    } catch (error) {
      // A projection that stops on one bad event would stop every check; it logs and carries on.
      this.logger.error({ err: error, eventId: event.id, type: event.type, position: event.position }, `risk projection could not apply ${event.type} at position ${event.position}`);
    }
    try {
      this.onEvent?.(event, this.live);
    } catch (error) {
      this.logger.error({ err: error, eventId: event.id }, 'a risk reaction failed');
    }
  }

  private applyEvent(event: RecordedEvent): void {
    if (streamCategory(event.streamId) === ORDER_STREAM_CATEGORY && ORDER_EVENT_TYPES.has(event.type)) {
      this.applyOrderEvent({ type: event.type, data: event.data } as OrderEvent);
      return;
    }
    const data = event.data as never;
    switch (event.type) {
      case 'RiskLimitsChanged': {
        const change = data as RiskLimitsChangedData;
        this.limitsChange = change;
        this.limitsChanges += 1;
        this.book.setLimits(compileRiskLimits(change.limits));
        return;
      }
      case 'TradingStateChanged': {
        const tradingEvent = { type: 'TradingStateChanged', data } as TradingStateEvent;
        const scope = tradingEvent.data.scope;
        const state = evolveTradingState(this.tradingBoard.get(scope) ?? initialTradingState(), tradingEvent);
        this.tradingBoard.set(scope, state);
        this.book.setTradingState(scope, { status: state.status, cause: state.cause });
        this.breakerBoards.set(scope, evolveBreakerBoard(this.breakerBoards.get(scope) ?? initialBreakerBoard(), tradingEvent as BreakerEvent));
        return;
      }
      case 'CircuitBreakerTripped':
      case 'CircuitBreakerReset':
      case 'EquityHighWaterMarkRaised': {
        const breakerEvent = { type: event.type, data } as BreakerEvent;
        const scope = (breakerEvent.data as { scope: string }).scope;
        this.breakerBoards.set(scope, evolveBreakerBoard(this.breakerBoards.get(scope) ?? initialBreakerBoard(), breakerEvent));
        return;
      }
      case 'KillSwitchEngaged':
      case 'KillSwitchReleased': {
        const killEvent = { type: event.type, data } as KillSwitchEvent;
        this.killSwitch = evolveKillSwitch(this.killSwitch, killEvent);
        const scope = (killEvent.data as { scope: string }).scope;
        this.book.setKillSwitch(scope, this.killSwitch.engaged[scope] !== undefined);
        return;
      }
      case 'StrategyDisabled':
      case 'StrategyEnabled': {
        const strategyEvent = { type: event.type, data } as StrategyExecutionEvent;
        const name = strategyEvent.data.strategy;
        const state = evolveStrategyExecution(this.strategies.get(name) ?? initialStrategyExecutionState(), strategyEvent);
        this.strategies.set(name, state);
        this.book.setStrategyDisabled(name, state.status === 'disabled' ? { cause: state.cause } : null);
        return;
      }
      case 'OverrideRequested':
      case 'OverrideApproved':
      case 'OverrideExpired':
      case 'OverrideUsed': {
        const overrideEvent = { type: event.type, data } as OverrideEvent;
        const id = overrideEvent.data.overrideId;
        const state = evolveOverride(this.overrides.get(id) ?? initialOverrideState(), overrideEvent);
        this.overrides.set(id, state);
        this.book.setOverride(state);
        return;
      }
      case 'AutoModeEnabled':
      case 'AutoModeDisabled':
      case 'AutoApprovalCounted': {
        if (event.streamId !== riskStreams.autoMode(this.options.accountId)) return;
        this.autoMode = evolveAutoMode(this.autoMode, { type: event.type, data } as AutoModeEvent);
        this.book.setAutoMode(this.autoMode);
        return;
      }
      case 'EmergencyStopStarted':
      case 'EmergencyStopProgress':
      case 'EmergencyStopCompleted':
        this.applyEmergencyStop({ type: event.type, data } as EmergencyStopEvent);
        return;
      case 'SimulatedAccountOpened':
      case 'CashAdjusted':
      case 'PositionAdjusted':
      case 'BrokerFillAdopted': {
        const fact = accountFactOf(event, this.accountScope);
        if (!fact) return;
        // An adopted fill of one of our orders belongs to that order (and its strategy); the same fill may
        // come again as the order's OrderFilled, and counts once.
        const clientOrderId = event.type === 'BrokerFillAdopted' ? (event.data as BrokerFillAdoptedData).clientOrderId : null;
        const orderId = clientOrderId === null ? undefined : this.orderIdByClientOrderId.get(clientOrderId);
        this.applyAccountFact(fact, orderId === undefined ? undefined : this.orders.get(orderId));
        return;
      }
      case 'TradingReadinessChanged': {
        const readiness = data as TradingReadinessChangedData;
        if (readiness.accountId !== this.options.accountId) return;
        this.readiness = readiness;
        this.applyReadiness();
        return;
      }
      case 'ProposalCreated': {
        const created = data as ProposalCreatedData;
        this.proposalStrategies.set(created.proposalId, created.strategy);
        return;
      }
      case 'ProposalConverted': {
        const converted = data as EventData<typeof ProposalConverted>;
        this.intentStrategies.set(converted.intentId, this.proposalStrategies.get(converted.proposalId) ?? null);
        return;
      }
      case 'BarRecorded':
        this.onBar(data as EventData<typeof BarRecorded>);
        return;
      default:
        return;
    }
  }

  private applyEmergencyStop(event: EmergencyStopEvent): void {
    if (event.type !== 'EmergencyStopStarted' && event.type !== 'EmergencyStopProgress' && event.type !== 'EmergencyStopCompleted') return;
    const stopId = event.data.stopId;
    if (event.type === 'EmergencyStopStarted') {
      this.emergencyStops.set(stopId, {
        started: event.data,
        state: evolveEmergencyStop(initialEmergencyStopState(), event),
        flattenOrders: [...event.data.flattenOrders],
        remaining: [...event.data.cannotFlatten],
        outcome: null,
      });
      for (const order of event.data.flattenOrders) this.exitIntents.set(order.clientOrderId, { stopId, strategy: order.strategy });
      return;
    }
    const tracked = this.emergencyStops.get(stopId);
    if (!tracked) return;
    tracked.state = evolveEmergencyStop(tracked.state, event);
    tracked.remaining = [...event.data.remaining];
    if (event.type === 'EmergencyStopProgress') {
      tracked.flattenOrders.push(...event.data.flattenOrders);
      for (const order of event.data.flattenOrders) this.exitIntents.set(order.clientOrderId, { stopId, strategy: order.strategy });
    } else {
      tracked.outcome = event.data.outcome;
    }
  }

  private applyOrderEvent(event: OrderEvent): void {
    const orderId = event.data.orderId;
    const tracked = this.orders.get(orderId) ?? { orderId, state: initialOrderState, strategy: null, bookedAs: null };
    let next: OrderState;
    try {
      next = evolveOrder(tracked.state, event);
    } catch (error) {
      this.logger.error({ err: error, orderId }, `risk projection refused ${event.type} for order ${orderId}; the order keeps its last good state`);
      return;
    }
    if (event.type === 'OrderInitialized') {
      tracked.strategy = this.strategyFor(event.data);
      this.orderIdByClientOrderId.set(event.data.clientOrderId, orderId);
    }
    if (event.type === 'OrderReplaceRequested') this.orderIdByClientOrderId.set(event.data.newClientOrderId, orderId);
    tracked.state = next;
    this.orders.set(orderId, tracked);
    if (event.type === 'OrderFilled') {
      const fact = accountFactOf(event, this.accountScope);
      if (fact) this.applyAccountFact(fact, tracked);
    }
    if ((event.type === 'OrderSubmitted' || event.type === 'OrderWouldBeSent') && next.status !== 'NotInitialized' && !this.recordedAtCheck.has(next.clientOrderId)) {
      const terms = next.terms;
      this.book.activity.recordAccepted({
        action: 'submit',
        clientOrderId: next.clientOrderId,
        strategy: tracked.strategy,
        symbol: terms.symbol,
        side: terms.side,
        type: terms.type,
        quantity: terms.quantity,
        limitPrice: terms.limitPrice ?? null,
        stopPrice: terms.stopPrice ?? null,
        at: new Date(event.type === 'OrderSubmitted' ? event.data.submittedAt : event.data.decidedAt),
      });
    }
    this.syncWorking(tracked);
    try {
      this.onOrderChanged?.(tracked, this.live);
    } catch (error) {
      this.logger.error({ err: error, orderId }, 'a reaction to an order change failed');
    }
  }

  private strategyFor(data: OrderInitializedData): string | null {
    // Forward compatible: when OrderInitialized carries the strategy, it wins.
    const carried = (data as { strategy?: unknown }).strategy;
    if (typeof carried === 'string' && carried.length > 0) return carried;
    return this.checked.get(data.clientOrderId)?.strategy ?? this.intentStrategies.get(data.intentId) ?? this.exitIntents.get(data.intentId)?.strategy ?? null;
  }

  /** Puts the order in the book (remaining quantity) while it may trade, and takes it out once it cannot. */
  private syncWorking(tracked: TrackedOrder): void {
    const state = tracked.state;
    if (state.status === 'NotInitialized') return;
    if (state.status !== 'Initialized') this.allowedPending.delete(state.clientOrderId);
    if (tracked.bookedAs && tracked.bookedAs !== state.clientOrderId) {
      this.book.removeWorkingOrder(tracked.bookedAs);
      tracked.bookedAs = null;
    }
    const filled = 'fills' in state ? state.fills.filledQuantity : ZERO;
    const remaining = state.terms.quantity.minus(filled);
    const working = WORKING_STATUSES.has(state.status) || (state.status === 'Initialized' && this.allowedPending.has(state.clientOrderId));
    if (working && remaining.greaterThan(0)) {
      this.book.upsertWorkingOrder({
        clientOrderId: state.clientOrderId,
        intentId: state.terms.intentId,
        strategy: tracked.strategy,
        symbol: state.terms.symbol,
        side: state.terms.side,
        type: state.terms.type,
        remainingQuantity: remaining,
        limitPrice: state.terms.limitPrice ?? null,
        stopPrice: state.terms.stopPrice ?? null,
      });
      tracked.bookedAs = state.clientOrderId;
    } else {
      this.book.removeWorkingOrder(state.clientOrderId);
      tracked.bookedAs = null;
    }
  }

  /** The board's state of the account and readiness's are separate sources: the book reads the stricter. */
  private applyReadiness(): void {
    const state = this.readinessState();
    // The first reason goes into the cause, so the denial says why the account is not ready.
    this.book.setTradingState(this.accountTradingScope, state === null ? null : { status: state.status, cause: `${state.cause} (${state.reason})` }, 'readiness');
  }

  private applyAccountFact(fact: AccountFact, order: TrackedOrder | undefined): void {
    switch (fact.kind) {
      case 'fill':
        this.applyFill(fact.fill, order);
        return;
      case 'opening-cash':
        this.moveCash(fact.amount);
        return;
      case 'cash-adjusted':
        this.moveCash(fact.delta);
        return;
      case 'position-adjusted':
        // The broker's position taken as truth: no order, no strategy, no cash moves.
        this.movePosition({ strategy: null, symbol: fact.symbol, quantity: fact.quantityDelta, price: fact.averagePrice.greaterThan(0) ? fact.averagePrice : null });
        this.refreshEquity();
        return;
    }
  }

  private moveCash(amount: Decimal): void {
    this.cash = this.cash.plus(amount);
    this.cashBaselineKnown = true;
    this.refreshEquity();
  }

  private applyFill(fill: LedgerFill & { fillId: string }, order: TrackedOrder | undefined): void {
    if (this.fillIds.has(fill.fillId)) return;
    this.fillIds.add(fill.fillId);
    const strategy = order?.strategy ?? null;
    const signed = fill.side === 'buy' ? fill.quantity : fill.quantity.negated();
    this.movePosition({ strategy, symbol: fill.symbol, quantity: signed, price: fill.price });
    this.cash = this.cash.minus(signed.times(fill.price)).minus(fill.fee);
    if (order && order.state.status !== 'NotInitialized') {
      const intentId = order.state.terms.intentId;
      const filled = (this.intentFilled.get(intentId) ?? ZERO).plus(fill.quantity);
      this.intentFilled.set(intentId, filled);
      this.book.setIntentFilled(intentId, filled);
    }
    if (strategy) {
      const times = this.strategyFillTimes.get(strategy) ?? [];
      times.push(fill.at);
      // An adopted fill can arrive after later ones; the window is read in time order.
      if (times.length > 1 && Date.parse(times.at(-2)!) > Date.parse(fill.at)) times.sort((a, b) => Date.parse(a) - Date.parse(b));
      // The throttle's window is at most an hour of fills; older ones never count again.
      const cutoff = Date.parse(times.at(-1)!) - 3_600_000;
      while (times.length > 0 && Date.parse(times[0]!) < cutoff) times.shift();
      this.strategyFillTimes.set(strategy, times);
    }
    this.refreshEquity();
  }

  /**
   * Moves the account's and the strategy's position in a symbol by a signed quantity. An unmarked position
   * is valued at `price` (the fill's, or the broker's average) until a quote or bar marks it.
   */
  private movePosition(move: { strategy: string | null; symbol: string; quantity: Decimal; price: Decimal | null }): void {
    const { symbol } = move;
    const before = this.positions.get(symbol) ?? ZERO;
    const markBefore = this.marks.get(symbol) ?? null;
    const after = before.plus(move.quantity);
    this.positions.set(symbol, after);
    const mark = markBefore ?? move.price ?? ZERO;
    this.marketValue = this.marketValue.minus(before.times(markBefore ?? mark)).plus(after.times(mark));
    if (!markBefore && move.price) this.marks.set(symbol, move.price);
    const key = `${move.strategy ?? ''}|${symbol}`;
    const strategyPosition = this.strategyPositions.get(key) ?? { strategy: move.strategy, symbol, quantity: ZERO };
    strategyPosition.quantity = strategyPosition.quantity.plus(move.quantity);
    this.strategyPositions.set(key, strategyPosition);
    this.book.setPosition(symbol, after, after.isZero() || mark.isZero() ? null : mark);
  }

  private mark(symbol: string, price: Decimal): void {
    const held = this.positions.get(symbol);
    const previous = this.marks.get(symbol);
    this.marks.set(symbol, price);
    if (!held || held.isZero()) return;
    this.marketValue = this.marketValue.plus(held.times(price.minus(previous ?? price)));
    this.refreshEquity();
  }

  /** Equity = cash + marked positions; buying power as the simulated exchange computes it (no margin). */
  private refreshEquity(): void {
    const equity = this.equity;
    this.book.setEquity(equity);
    this.book.setBuyingPower(equity === null ? null : Decimal.max(equity, ZERO));
  }
}
