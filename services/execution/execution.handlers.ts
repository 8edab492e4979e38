import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { handleCommand, handleCommands, MarketClock, type CommandStep, type HandledCommand } from '@tollgate/application';
import {
  BrokerRejectedError,
  BrokerUnavailableError,
  commandSubjects,
  denial,
  describeIssues,
  originOfIntent,
  renderDenial,
  riskCheckResponse,
  type BrokerFill,
  type BrokerOrder,
  type BrokerPort,
  type BrokerUpdate,
  type IntentKind,
  type OrderEvent,
  type OrderRequest,
  type QuoteMessage,
  type RiskCheckRequest,
  type RiskCheckResponse,
} from '@tollgate/contracts';
import {
  dailyFillQualityReports,
  initialPeg,
  nextChaseStep,
  orderFillQualityReport,
  type ChasePolicy,
  type ChaseState,
  type DailyFillQualityReport,
  type OrderFillQualityReport,
} from '@tollgate/domain/fill-quality';
import { InstrumentCatalog, type Instrument } from '@tollgate/domain/instrument';
import {
  clientOrderIdFor,
  foldOrderEvents,
  isAtVenue,
  orderDecider,
  replacementClientOrderIdFor,
  tradeDirection,
  orderIdFor,
  orderStreamId,
  terminalStatuses,
  type InitializedOrderState,
  type OrderCommand,
  type OrderState,
} from '@tollgate/domain/order';
import type { EventStore } from '@tollgate/event-store';
import { dec, decString, DomainError, newId } from '@tollgate/kernel';
import type { Bus } from '@tollgate/messaging';
import { InjectBus, InjectEventStore, InjectLogger } from '@tollgate/nest';
import { traceMetadata, type Logger } from '@tollgate/telemetry';
import type { CancelOrderRequest, CancelOrderResponse, ExecutionStatus, OrderView, PegPolicy, PlaceOrderRequest, PlaceOrderResponse } from './execution.commands';
import { KeyedMutex } from './keyed-mutex';
import { OrderIndex, orderView } from './order-index';

export const EXECUTION_OPTIONS = Symbol('tollgate:execution-options');
export const BROKER_PORT = Symbol('tollgate:broker-port');

export interface ExecutionOptions {
  accountId: string;
  mode: 'SIMULATED' | 'SANDBOX_PAPER' | 'LIVE';
  /** Everything up to the broker call, which is replaced by OrderWouldBeSent. */
  dryRun: boolean;
  riskService: 'required' | 'absent';
  riskTimeoutMs: number;
  instruments: readonly Instrument[];
  /** An order whose intent was recorded but never sent is resumed after a restart only if younger than this. */
  resumeWindowMs: number;
  /** How often fills are backfilled from the broker (`fillsSince`), besides start-up and reconnects. */
  fillSweepIntervalMs: number;
  /** Between lookups of an order whose outcome is unknown: doubles from `first` up to `max`. */
  lookupBackoffMs: { first: number; max: number };
  /** Sends of one order after the broker answered "no such order", per process. */
  maxResends: number;
  /** How long `place-order` waits for the start-up recovery before refusing. */
  readyWaitMs: number;
}

const ACTOR = 'system:execution';
/** Statuses whose orders the venue holds (or may hold) and that a restart must look up. */
const AT_VENUE = ['Accepted', 'PartiallyFilled', 'PendingCancel', 'PendingReplace'] as const;

/** A pegged order being chased (in memory: after a restart it keeps its last limit and is no longer chased). */
interface Chase {
  symbol: string;
  policy: ChasePolicy;
  state: ChaseState;
  facts: RiskFacts;
  busy: boolean;
}

/** A venue fact waiting in an order's inbox, with the time it arrived. */
interface VenueFact {
  update: { kind: 'fill'; fill: BrokerFill } | Exclude<BrokerUpdate, { kind: 'disconnected' } | { kind: 'reconnected' } | { kind: 'fill' }>;
  at: Date;
}

interface RiskFacts {
  strategy: string | null;
  autoApproved: boolean;
  intentQuantity?: string;
  overrideId?: string;
  actor: string;
}

/**
 * The order path: intent recorded (client order id derived from it) → pre-trade risk → denied, dry-run
 * record, or sent through the broker port → the venue's answers, updates and fills applied to the order
 * aggregate. A submit whose outcome is not seen is Unknown and resolved only by asking the broker by client
 * order id; nothing is ever sent twice blindly. Cancels are never blocked.
 */
@Injectable()
export class ExecutionHandlers implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly clock: MarketClock;
  private readonly index: OrderIndex;
  private readonly locks = new KeyedMutex();
  private readonly catalog: InstrumentCatalog;
  private readonly lastQuotes = new Map<string, { bid: string; ask: string }>();
  /** The mid when each order was sent, for fill quality (in memory: lost on restart, then fills are unmeasured). */
  private readonly arrivalMids = new Map<string, string>();
  private readonly resends = new Map<string, number>();
  private readonly chases = new Map<string, Chase>();
  private readonly inbox = new Map<string, VenueFact[]>();
  /** Orders whose submit is in flight: woken when the venue reports a fill before its reply. */
  private readonly fillWaiters = new Map<string, () => void>();
  /**
   * Each order's state and stream version after the last command this process applied: execution is the
   * only writer of order streams, so the order path decides without reading the stream back (a conflict
   * reads it). Bounded; the oldest entries go first.
   */
  private readonly aggregates = new Map<string, { state: OrderState; version: number }>();
  private readonly foreignWarned = new Set<string>();
  private readonly background = new Set<Promise<unknown>>();
  private unsubscribeUpdates: (() => void) | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private indexReady: Promise<void> = Promise.resolve();
  private recovery: Promise<void> = Promise.resolve();
  private recovered = false;
  private recoveryProblem = 'start-up recovery has not run yet';
  private fillCursor: string | null = null;
  private sweeping: Promise<void> | undefined;
  private closing = false;

  constructor(
    @InjectEventStore() private readonly store: EventStore,
    @InjectBus() private readonly bus: Bus,
    @InjectLogger() private readonly logger: Logger,
    @Inject(BROKER_PORT) private readonly broker: BrokerPort,
    @Inject(EXECUTION_OPTIONS) private readonly options: ExecutionOptions,
  ) {
    this.clock = MarketClock.forMode(options.mode);
    this.index = new OrderIndex(store, logger);
    this.catalog = new InstrumentCatalog(options.instruments);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.options.riskService === 'absent') {
      this.logger.warn(
        { mode: this.options.mode },
        'RISK SERVICE ABSENT: orders are sent WITHOUT a pre-trade risk check. Allowed in SIMULATED mode only; start the risk service to check orders.',
      );
    }
    this.unsubscribeUpdates = this.broker.onUpdate((update) => void this.track(this.onBrokerUpdate(update)));
    this.indexReady = this.index.start();
    await this.indexReady;
    // In the background: in one process the exchange answers only once every service is listening.
    this.recovery = this.track(this.recover());
    this.sweepTimer = setInterval(() => void this.track(this.sweepFills().catch(() => undefined)), this.options.fillSweepIntervalMs);
    this.sweepTimer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.unsubscribeUpdates?.();
    await Promise.allSettled([...this.background]);
    await this.index.stop();
    await this.broker.close().catch(() => undefined);
  }

  // ---- commands -------------------------------------------------------------------------------

  async placeOrder(request: PlaceOrderRequest): Promise<PlaceOrderResponse> {
    await this.whenReady();
    const orderId = orderIdFor(request.intentId, request.attempt);
    // Known before anything is sent, so an update that overtakes the store still finds its order.
    this.index.register(clientOrderIdFor(request.intentId, request.attempt), orderId);
    const facts: RiskFacts = {
      strategy: request.strategy,
      autoApproved: request.autoApproved,
      actor: request.actor,
      ...(request.intentQuantity ? { intentQuantity: request.intentQuantity } : {}),
      ...(request.overrideId ? { overrideId: request.overrideId } : {}),
    };
    return this.locks.run(orderId, async () => {
      const instrument = this.catalog.find(request.symbol);
      const peg = request.peg ? this.pegOf(request.peg, request.symbol, tradeDirection(request.side), instrument?.tickSize ?? '0.01') : undefined;
      const limitPrice = peg ? decString(peg.limitPrice) : request.limitPrice;
      const command: OrderCommand = {
        type: 'InitializeOrder',
        data: {
          orderId,
          intentId: request.intentId,
          intentKind: request.intentKind,
          attempt: request.attempt,
          symbol: request.symbol,
          side: request.side,
          type: request.type,
          timeInForce: request.timeInForce,
          quantity: request.quantity,
          ...(limitPrice ? { limitPrice } : {}),
          ...(request.stopPrice ? { stopPrice: request.stopPrice } : {}),
          ...(instrument ? { instrument } : {}),
          accountId: this.options.accountId,
          strategy: request.strategy ?? null,
        },
        metadata: { now: this.clock.now() },
      };
      const context = { actor: request.actor, correlationId: request.intentId };
      let outcome = this.aggregates.has(orderId) ? undefined : await this.placeNew(orderId, command, facts, context);
      if (!outcome) {
        const { state } = await this.apply(orderId, command, 'initialize', context);
        // A repeated request for the same intent answers with what happened to it.
        if (state.status !== 'Initialized') return this.answer(orderId, state);
        outcome = await this.carryOut(orderId, state, facts);
      }
      if (peg && isAtVenue(outcome) && !terminalStatuses.includes(outcome.status)) {
        const now = this.clock.now();
        this.chases.set(orderId, {
          symbol: request.symbol,
          policy: peg.policy,
          state: { side: tradeDirection(request.side), limitPrice: peg.limitPrice, reprices: 0, startedAt: now, lastChangeAt: now },
          facts,
          busy: false,
        });
      }
      return this.answer(orderId, outcome);
    });
  }

  /** The limit a pegged order starts at: the mid of the last quote, on the passive side of the tick. */
  private pegOf(peg: PegPolicy, symbol: string, side: 'buy' | 'sell', tickSize: string): { policy: ChasePolicy; limitPrice: ReturnType<typeof dec> } {
    const quote = this.lastQuotes.get(symbol);
    if (!quote) throw new DomainError('NO_QUOTE_TO_PEG', `a pegged order for ${symbol} needs a quote, and none has arrived yet`);
    const policy: ChasePolicy = {
      maxReprices: peg.maxReprices,
      minRepriceIntervalMs: peg.minRepriceIntervalMs,
      tickSize,
      ...(peg.maxWorkingMs !== undefined ? { maxWorkingMs: peg.maxWorkingMs } : {}),
    };
    return { policy, limitPrice: initialPeg(policy, side, { bid: dec(quote.bid), ask: dec(quote.ask) }) };
  }

  /** Never blocked by risk, readiness or trading state: a cancel only ever reduces what is at the venue. */
  async cancelOrder(request: CancelOrderRequest): Promise<CancelOrderResponse> {
    await this.indexReady;
    return this.locks.run(request.orderId, async () => {
      const state = await this.load(request.orderId);
      if (state.status === 'NotInitialized') throw new DomainError('ORDER_NOT_FOUND', `order ${request.orderId} does not exist`);
      if (terminalStatuses.includes(state.status)) return { orderId: request.orderId, status: state.status };
      if (!AT_VENUE.includes(state.status as (typeof AT_VENUE)[number])) {
        throw new DomainError('ORDER_NOT_AT_VENUE', `order ${request.orderId} is ${state.status}: the venue does not hold it yet, so there is nothing to cancel`);
      }
      const requested = await this.apply(request.orderId, { type: 'RequestCancel', data: { reason: request.reason }, metadata: { now: this.clock.now() } }, newId(), {
        actor: request.actor,
      });
      const after = await this.sendCancel(request.orderId, requested.state);
      return { orderId: request.orderId, status: after.status };
    });
  }

  // ---- queries --------------------------------------------------------------------------------

  async getOrder(orderId: string): Promise<OrderView> {
    const state = await this.load(orderId);
    if (state.status === 'NotInitialized') throw new DomainError('ORDER_NOT_FOUND', `order ${orderId} does not exist`);
    return orderView(orderId, state);
  }

  listOrders(filter: 'all' | 'open', limit: number): OrderView[] {
    return this.index.views(filter, limit);
  }

  orderFillQuality(orderId: string): OrderFillQualityReport | null {
    const fills = this.index.fillsOfOrder(orderId);
    const state = this.index.state(orderId);
    return fills.length === 0 ? null : orderFillQualityReport(fills, state && isAtVenue(state) ? { reprices: state.replaceCount } : {});
  }

  dayFillQuality(day: string): DailyFillQualityReport | null {
    return dailyFillQualityReports(this.index.allFills()).find((report) => report.day === day) ?? null;
  }

  status(): ExecutionStatus {
    return {
      mode: this.options.mode,
      dryRun: this.options.dryRun,
      riskService: this.options.riskService,
      broker: this.broker.name,
      ready: this.recovered,
      orders: this.index.countsByStatus(),
      fills: this.index.totalFills,
    };
  }

  // ---- market data ----------------------------------------------------------------------------

  onQuote(quote: QuoteMessage): void {
    this.clock.observe(quote.timestamp);
    this.lastQuotes.set(quote.symbol, { bid: quote.bid, ask: quote.ask });
    if (this.chases.size === 0) return;
    for (const [orderId, chase] of this.chases) {
      if (chase.symbol === quote.symbol && !chase.busy) void this.track(this.chaseStep(orderId, chase));
    }
  }

  private midOf(symbol: string): string | undefined {
    const quote = this.lastQuotes.get(symbol);
    return quote ? decString(dec(quote.bid).plus(dec(quote.ask)).div(2)) : undefined;
  }

  // ---- the order path -------------------------------------------------------------------------

  /**
   * An order this process has not seen: the risk check runs on the terms decided here, then the intent
   * and what came of the check (OrderSubmitted, OrderDenied or OrderWouldBeSent) are recorded in one
   * append — one commit before the send instead of two (each is a durable commit on the order path).
   * The intent is still recorded before anything is sent, with the client order id it is sent under.
   * Undefined when nothing was appended because the stream already exists (a repeated request after a
   * restart): the caller then takes the path for a known order, which re-checks the stored terms.
   */
  private async placeNew(
    orderId: string,
    command: OrderCommand,
    facts: RiskFacts,
    context: { actor: string; correlationId: string },
  ): Promise<OrderState | undefined> {
    const initial = orderDecider.initialState();
    let state: OrderState;
    try {
      state = orderDecider.decide(command, initial).reduce(orderDecider.evolve, initial);
    } catch {
      // Refused terms: the known-order path reports them exactly as before.
      return undefined;
    }
    if (state.status !== 'Initialized') return undefined;
    const verdict = await this.checkRisk(orderId, state, facts);
    const now = this.clock.now();
    const next: CommandStep<OrderCommand> = !verdict.allowed
      ? { command: { type: 'DenyOrder', data: { reasons: verdict.reasons }, metadata: { now } }, commandId: 'deny', occurredAt: now }
      : this.options.dryRun
        ? { command: { type: 'RecordWouldBeSent', data: {}, metadata: { now } }, commandId: 'would-be-sent', occurredAt: now }
        : { command: { type: 'SubmitOrder', data: {}, metadata: { now } }, commandId: newId(), occurredAt: now };
    const handled = await handleCommands({
      store: this.store,
      streamId: orderStreamId(orderId),
      decider: orderDecider,
      steps: [{ command, commandId: 'initialize', occurredAt: command.metadata.now, metadata: context }, next],
      metadata: { correlationId: context.correlationId, actor: ACTOR, ...traceMetadata() },
      known: { state: initial, version: 0 },
      // The check above was of these terms: on a stream that exists already it proves nothing.
      onlyOnKnown: true,
    });
    if (handled.stale) return undefined;
    this.remember(orderId, handled.state, handled.version);
    return handled.state.status === 'Submitted' ? this.sendSubmitted(orderId, handled.state) : handled.state;
  }

  /** From Initialized: risk, then dry-run record or send. */
  private async carryOut(orderId: string, state: InitializedOrderState, facts: RiskFacts): Promise<OrderState> {
    const verdict = await this.checkRisk(orderId, state, facts);
    if (!verdict.allowed) {
      return (await this.apply(orderId, { type: 'DenyOrder', data: { reasons: verdict.reasons }, metadata: { now: this.clock.now() } }, 'deny')).state;
    }
    if (this.options.dryRun) {
      return (await this.apply(orderId, { type: 'RecordWouldBeSent', data: {}, metadata: { now: this.clock.now() } }, 'would-be-sent')).state;
    }
    return this.send(orderId);
  }

  /** Records the submit, then calls the broker; an answer we did not see is Unknown, never a failure. */
  private async send(orderId: string): Promise<OrderState> {
    const submitted = await this.apply(orderId, { type: 'SubmitOrder', data: {}, metadata: { now: this.clock.now() } }, newId());
    return this.sendSubmitted(orderId, submitted.state);
  }

  /** Calls the broker for an order whose OrderSubmitted is recorded. */
  private async sendSubmitted(orderId: string, state: OrderState): Promise<OrderState> {
    if (state.status !== 'Submitted') return state;
    const mid = this.midOf(state.terms.symbol);
    if (mid) this.arrivalMids.set(orderId, mid);
    const reply = this.broker.submit(orderRequestOf(state)).then(
      (answer) => ({ answer }),
      (error: unknown) => ({ error }),
    );
    // A fill the venue reports before its reply proves it has the order (the Submitted → Filled row):
    // it is recorded at once, with the acknowledgement if that came too, rather than after the reply's
    // own trip back, which would otherwise sit between the venue's fill and the ledger's.
    let current: OrderState = state;
    let outcome: { answer: BrokerOrder } | { error: unknown };
    try {
      const first = await Promise.race([reply, new Promise<'fill'>((resolve) => this.fillWaiters.set(orderId, () => resolve('fill')))]);
      if (first === 'fill') current = await this.drain(orderId);
      outcome = first === 'fill' ? await reply : first;
    } finally {
      this.fillWaiters.delete(orderId);
    }
    if ('error' in outcome) {
      const { error } = outcome;
      if (current.status !== 'Submitted') {
        // A fill already showed that the venue holds the order: neither Unknown nor a rejection is true of it.
        this.logger.warn({ orderId, err: error }, `order ${orderId}: the submit's reply failed after the venue reported a fill; the fill stands`);
        return current;
      }
      if (error instanceof BrokerRejectedError) {
        return (await this.apply(orderId, { type: 'RejectOrder', data: { reason: error.reason, via: 'venue' }, metadata: { now: this.clock.now() } }, 'reject')).state;
      }
      const reason = error instanceof Error ? error.message : String(error);
      this.logger.warn({ orderId, clientOrderId: state.clientOrderId, err: error }, `order ${orderId}: the submit's outcome is unknown; asking the broker`);
      const unknown = await this.apply(orderId, { type: 'MarkUnknown', data: { reason }, metadata: { now: this.clock.now() } }, newId());
      void this.track(this.resolveUnknown(orderId));
      return unknown.state;
    }
    const { answer } = outcome;
    // The acknowledgement and whatever the venue reported meanwhile (fills), in one append.
    const now = this.clock.now();
    return this.drain(orderId, { command: { type: 'AcceptOrder', data: { brokerOrderId: answer.brokerOrderId, via: 'venue' }, metadata: { now } }, commandId: `accept:${answer.brokerOrderId}`, occurredAt: now });
  }

  /** `replace`: a working order's new limit, checked as the order it would become. */
  private async checkRisk(
    orderId: string,
    state: InitializedOrderState,
    facts: RiskFacts,
    replace?: { newClientOrderId: string; limitPrice: string },
  ): Promise<RiskCheckResponse> {
    if (this.options.riskService === 'absent') {
      this.logger.warn({ orderId, symbol: state.terms.symbol }, `order ${orderId} goes out WITHOUT a risk check: the risk service is absent (SIMULATED only)`);
      return { allowed: true };
    }
    const { terms } = state;
    const referenceMid = this.midOf(terms.symbol);
    const request: RiskCheckRequest = {
      order: {
        action: replace ? 'replace' : 'submit',
        accountId: this.options.accountId,
        strategy: facts.strategy,
        intentId: terms.intentId,
        ...(facts.intentQuantity ? { intentQuantity: facts.intentQuantity } : {}),
        clientOrderId: replace ? replace.newClientOrderId : state.clientOrderId,
        ...(replace ? { replacesClientOrderId: state.clientOrderId } : {}),
        symbol: terms.symbol,
        side: terms.side,
        type: terms.type,
        timeInForce: terms.timeInForce,
        quantity: decString(terms.quantity),
        ...(replace ? { limitPrice: replace.limitPrice } : terms.limitPrice ? { limitPrice: decString(terms.limitPrice) } : {}),
        ...(terms.stopPrice ? { stopPrice: decString(terms.stopPrice) } : {}),
        origin: originOfIntent[terms.intentKind as IntentKind] ?? 'manual',
        autoApproved: facts.autoApproved,
        ...(facts.overrideId ? { overrideId: facts.overrideId } : {}),
        at: this.clock.now().toISOString(),
      },
      context: { orderId, mode: this.options.mode, dryRun: this.options.dryRun, actor: facts.actor, ...(referenceMid ? { referenceMid } : {}) },
    };
    const failed = (error: string): RiskCheckResponse => ({ allowed: false, reasons: [renderDenial(denial('RISK_CHECK_FAILED', { error }))] });
    let reply: unknown;
    try {
      reply = await this.bus.request(commandSubjects.risk.checkOrder, request, { timeoutMs: this.options.riskTimeoutMs });
    } catch (error) {
      // A check that did not answer denies: fail closed.
      return failed(error instanceof Error ? error.message : String(error));
    }
    const parsed = riskCheckResponse.safeParse(reply);
    return parsed.success ? parsed.data : failed(`the risk service's answer was malformed: ${describeIssues(parsed.error).join('; ')}`);
  }

  private async sendCancel(orderId: string, state: OrderState): Promise<OrderState> {
    if (state.status !== 'PendingCancel') return state;
    try {
      await this.broker.cancel(state.clientOrderId);
    } catch (error) {
      if (error instanceof BrokerRejectedError) {
        return (await this.apply(orderId, { type: 'RejectCancel', data: { reason: error.reason }, metadata: { now: this.clock.now() } }, newId())).state;
      }
      // The cancel may or may not have arrived: the lookup tells.
      this.logger.warn({ orderId, err: error }, `order ${orderId}: the cancel's outcome is unknown; asking the broker`);
      void this.track(this.lookUpUntilAnswered(orderId));
    }
    return this.load(orderId);
  }

  // ---- peg and chase -------------------------------------------------------------------------

  /** One look at the book for a pegged order: hold, reprice to the new mid, or cross to the far touch. */
  private async chaseStep(orderId: string, chase: Chase): Promise<void> {
    chase.busy = true;
    try {
      await this.locks.run(orderId, async () => {
        const state = this.aggregates.get(orderId)?.state ?? (await this.load(orderId));
        if (state.status === 'NotInitialized' || terminalStatuses.includes(state.status)) {
          this.chases.delete(orderId);
          return;
        }
        // A replace or cancel in flight is waited out.
        if (state.status !== 'Accepted' && state.status !== 'PartiallyFilled') return;
        const quote = this.lastQuotes.get(chase.symbol);
        if (!quote) return;
        const now = this.clock.now();
        const decision = nextChaseStep(chase.policy, chase.state, { bid: dec(quote.bid), ask: dec(quote.ask) }, now);
        if (decision.action === 'hold') return;
        const limitPrice = decString(decision.limitPrice);
        const newClientOrderId = replacementClientOrderIdFor(orderId, state.replaceCount + 1);
        const verdict = await this.checkRisk(orderId, state, chase.facts, { newClientOrderId, limitPrice });
        if (!verdict.allowed) {
          this.logger.warn({ orderId, reasons: verdict.reasons }, `order ${orderId}: the chase stopped, risk refused the reprice to ${limitPrice}: ${verdict.reasons.join('; ')}`);
          this.chases.delete(orderId);
          return;
        }
        const replaced = await this.sendReplace(orderId, { type: 'RequestReplace', data: { limitPrice }, metadata: { now } });
        if (replaced !== 'replaced') {
          this.chases.delete(orderId);
          return;
        }
        chase.state = { ...chase.state, limitPrice: decision.limitPrice, lastChangeAt: now, reprices: decision.action === 'reprice' ? decision.repricesAfter : chase.state.reprices };
        // After crossing to the far touch there is nothing left to chase.
        if (decision.action === 'cross') this.chases.delete(orderId);
      });
    } catch (error) {
      this.logger.error({ err: error, orderId }, `order ${orderId}: the chase failed and stopped`);
      this.chases.delete(orderId);
    } finally {
      chase.busy = false;
    }
  }

  /** Records the replace request, asks the broker, and applies its answer. Runs under the order's lock. */
  private async sendReplace(orderId: string, command: OrderCommand): Promise<'replaced' | 'refused' | 'unknown'> {
    const requested = await this.apply(orderId, command, newId());
    const state = requested.state;
    if (state.status !== 'PendingReplace') return 'refused';
    const pending = state.pendingReplacement;
    this.index.register(pending.newClientOrderId, orderId);
    try {
      const answer = await this.broker.replace(state.clientOrderId, {
        newClientOrderId: pending.newClientOrderId,
        ...(pending.limitPrice ? { limitPrice: decString(pending.limitPrice) } : {}),
        ...(pending.stopPrice ? { stopPrice: decString(pending.stopPrice) } : {}),
        quantity: decString(pending.quantity),
      });
      await this.apply(orderId, { type: 'ReplaceOrder', data: { brokerOrderId: answer.brokerOrderId }, metadata: { now: this.clock.now() } }, `replace:${pending.newClientOrderId}`);
      return 'replaced';
    } catch (error) {
      if (error instanceof BrokerRejectedError) {
        await this.apply(orderId, { type: 'RejectReplace', data: { reason: error.reason }, metadata: { now: this.clock.now() } }, newId());
        return 'refused';
      }
      this.logger.warn({ orderId, err: error }, `order ${orderId}: the replace's outcome is unknown; asking the broker`);
      void this.track(this.lookUpUntilAnswered(orderId));
      return 'unknown';
    }
  }

  // ---- Unknown and recovery -------------------------------------------------------------------

  /** Asks the broker by client order id until it answers; `null` means it never got the order, so it is sent again. */
  private async resolveUnknown(orderId: string): Promise<void> {
    await this.lookUpUntilAnswered(orderId);
  }

  private async lookUpUntilAnswered(orderId: string): Promise<void> {
    let delay = this.options.lookupBackoffMs.first;
    while (!this.closing) {
      try {
        await this.lookUp(orderId);
        return;
      } catch (error) {
        if (error instanceof DomainError) {
          this.logger.error({ err: error, orderId }, `order ${orderId}: the broker's answer could not be applied`);
          return;
        }
        this.logger.warn({ err: error, orderId, retryInMs: delay }, `order ${orderId}: lookup failed; asking again`);
      }
      await sleep(delay);
      delay = Math.min(delay * 2, this.options.lookupBackoffMs.max);
    }
  }

  /** One lookup of one order, and what its answer means for the order's status. Throws when the broker does not answer. */
  private async lookUp(orderId: string): Promise<void> {
    const before = await this.load(orderId);
    if (before.status === 'NotInitialized') return;
    const answer = await this.broker.getOrder(before.clientOrderId);
    await this.locks.run(orderId, async () => {
      let state = await this.load(orderId);
      const now = () => ({ now: this.clock.now() });
      if (state.status === 'Submitted') {
        state = (await this.apply(orderId, { type: 'MarkUnknown', data: { reason: 'the outcome of the submit was not seen (restart)' }, metadata: now() }, newId())).state;
      }
      if (state.status === 'Unknown') {
        state = (await this.apply(orderId, { type: 'ResolveUnknown', data: { brokerOrder: answer }, metadata: now() }, newId())).state;
        if (state.status === 'Initialized') await this.resend(orderId);
        return;
      }
      if (state.status === 'NotInitialized' || terminalStatuses.includes(state.status) || !answer) {
        if (!answer && AT_VENUE.includes(state.status as (typeof AT_VENUE)[number])) {
          this.logger.error({ orderId, clientOrderId: state.status === 'NotInitialized' ? undefined : state.clientOrderId }, `order ${orderId} is ${state.status} here but the broker has no such order`);
        }
        return;
      }
      const pending = 'pendingReplacement' in state ? state.pendingReplacement : undefined;
      if (pending && state.status === 'PendingReplace') {
        // The old order tells whether the replace happened: replaced (look up the new one), or still the old terms.
        if (answer.status === 'replaced') {
          const replacement = await this.broker.getOrder(pending.newClientOrderId);
          if (replacement) await this.apply(orderId, { type: 'ReplaceOrder', data: { brokerOrderId: replacement.brokerOrderId }, metadata: now() }, `replace:${pending.newClientOrderId}`);
          return;
        }
        if (['new', 'accepted', 'partially_filled'].includes(answer.status)) {
          await this.apply(orderId, { type: 'RejectReplace', data: { reason: 'the replace never reached the venue (lookup)' }, metadata: now() }, newId());
          return;
        }
      }
      if (answer.status === 'canceled') await this.apply(orderId, { type: 'CancelOrder', data: { via: 'lookup' }, metadata: now() }, `lookup-cancel:${answer.brokerOrderId}`);
      else if (answer.status === 'expired') await this.apply(orderId, { type: 'ExpireOrder', data: { via: 'lookup' }, metadata: now() }, `lookup-expire:${answer.brokerOrderId}`);
      else if (state.status === 'PendingCancel' && ['new', 'accepted', 'partially_filled'].includes(answer.status)) {
        // The cancel never reached the venue: send it again (a cancel is safe to repeat).
        await this.sendCancel(orderId, state);
      }
    });
  }

  /** After the broker said it never got the order: the same client order id again, so a late arrival is refused as a duplicate. */
  private async resend(orderId: string): Promise<void> {
    const count = (this.resends.get(orderId) ?? 0) + 1;
    this.resends.set(orderId, count);
    if (count > this.options.maxResends) {
      this.logger.error({ orderId }, `order ${orderId} was not received after ${this.options.maxResends} sends; left Initialized for an operator`);
      return;
    }
    await this.send(orderId);
  }

  /**
   * Start-up: backfill fills, then look up every order whose fate the venue decides. Until it has
   * passed, no new order is sent.
   */
  private async recover(): Promise<void> {
    let delay = this.options.lookupBackoffMs.first;
    while (!this.closing) {
      try {
        await this.sweepFills();
        for (const { orderId } of this.index.withStatus(['Initialized'])) await this.resumeInitialized(orderId);
        for (const { orderId } of this.index.withStatus(['Submitted', 'Unknown', ...AT_VENUE])) await this.lookUp(orderId);
        this.recovered = true;
        this.logger.info({ orders: this.index.countsByStatus() }, 'execution recovered its orders from the store and the broker');
        return;
      } catch (error) {
        this.recoveryProblem = `start-up recovery is waiting for the broker: ${error instanceof Error ? error.message : String(error)}`;
        if (!(error instanceof BrokerUnavailableError)) this.logger.error({ err: error }, this.recoveryProblem);
      }
      await sleep(delay);
      delay = Math.min(delay * 2, this.options.lookupBackoffMs.max);
    }
  }

  /** An intent recorded but never sent (a crash between the two): resumed while fresh, else closed without sending. */
  private async resumeInitialized(orderId: string): Promise<void> {
    await this.locks.run(orderId, async () => {
      const state = await this.load(orderId);
      if (state.status !== 'Initialized') return;
      const recordedAt = this.index.recordedAt(orderId);
      const age = recordedAt ? Date.now() - Date.parse(recordedAt) : Number.POSITIVE_INFINITY;
      if (age > this.options.resumeWindowMs) {
        const error = `the order was recorded ${Math.round(age / 1000)} s before a restart and never sent; it is older than ${this.options.resumeWindowMs} ms, so it is not sent now`;
        await this.apply(orderId, { type: 'DenyOrder', data: { reasons: [renderDenial(denial('RISK_CHECK_FAILED', { error }))] }, metadata: { now: this.clock.now() } }, 'deny-stale');
        return;
      }
      await this.carryOut(orderId, state, { strategy: null, autoApproved: false, actor: ACTOR });
    });
  }

  /** Fills since the last cursor, applied to their orders (a fill id already recorded changes nothing). */
  private sweepFills(): Promise<void> {
    this.sweeping ??= (async () => {
      try {
        const { fills, cursor } = await this.broker.fillsSince(this.fillCursor);
        for (const fill of fills) await this.applyFill(fill);
        this.fillCursor = cursor;
      } finally {
        this.sweeping = undefined;
      }
    })();
    return this.sweeping;
  }

  // ---- broker updates -------------------------------------------------------------------------

  private async onBrokerUpdate(update: BrokerUpdate): Promise<void> {
    await this.indexReady;
    if (update.kind === 'disconnected') {
      this.logger.warn({ reason: update.reason }, 'broker update stream disconnected');
      return;
    }
    if (update.kind === 'reconnected') {
      // Whatever happened while disconnected: fills by backfill, statuses by lookup.
      await this.sweepFills().catch((error: unknown) => this.logger.warn({ err: error }, 'fill backfill after reconnect failed'));
      return;
    }
    if (update.kind === 'fill') {
      await this.applyFill(update.fill);
      return;
    }
    const orderId = this.ourOrder(update.order.clientOrderId);
    if (!orderId) return;
    if (update.kind === 'replaced') this.index.register(update.replacedBy.clientOrderId, orderId);
    this.deliver(orderId, { update, at: this.clock.now() });
    await this.locks.run(orderId, () => this.drain(orderId));
  }

  private async applyFill(fill: BrokerFill): Promise<void> {
    const orderId = this.ourOrder(fill.clientOrderId);
    if (!orderId) return;
    this.deliver(orderId, { update: { kind: 'fill', fill }, at: this.clock.now() });
    await this.locks.run(orderId, () => this.drain(orderId));
  }

  /**
   * Venue facts wait in a per-order inbox and are applied together, under the order's lock: the fills
   * that arrive while a submit is in flight go into the same append as its acknowledgement.
   */
  private deliver(orderId: string, fact: VenueFact): void {
    const waiting = this.inbox.get(orderId);
    if (waiting) waiting.push(fact);
    else this.inbox.set(orderId, [fact]);
    if (fact.update.kind === 'fill') this.fillWaiters.get(orderId)?.();
  }

  /** Applies every fact waiting for the order (with `first`, a command of the caller's, ahead of them). Runs under the order's lock. */
  private async drain(orderId: string, first?: CommandStep<OrderCommand>): Promise<OrderState> {
    const facts = this.inbox.get(orderId) ?? [];
    this.inbox.delete(orderId);
    let state = this.aggregates.get(orderId)?.state ?? (await this.load(orderId));
    const steps: Array<CommandStep<OrderCommand>> = first ? [first] : [];
    for (const fact of facts) {
      const step = this.stepFor(orderId, fact, state);
      if (step) steps.push(step);
    }
    if (steps.length === 0) return state;
    const known = this.aggregates.get(orderId);
    const handled = await handleCommands({
      store: this.store,
      streamId: orderStreamId(orderId),
      decider: orderDecider,
      steps,
      metadata: { correlationId: this.index.intentOf(orderId) ?? orderId, actor: ACTOR, ...traceMetadata() },
      ...(known ? { known } : {}),
    });
    this.remember(orderId, handled.state, handled.version);
    state = handled.state;
    for (const { step, error } of handled.refused) {
      // A fact the order refuses (a fill past its quantity, an illegal transition) is a reconciliation matter: logged, not thrown.
      if (first && step === 0) throw error;
      const command = steps[step]!.command;
      this.logger.error({ err: error, orderId, command: command.type }, `order ${orderId}: ${command.type} from the broker was refused: ${error instanceof Error ? error.message : String(error)}`);
    }
    return state;
  }

  private stepFor(orderId: string, fact: VenueFact, state: OrderState): CommandStep<OrderCommand> | undefined {
    const metadata = { now: fact.at };
    const { update } = fact;
    switch (update.kind) {
      case 'accepted':
        return { command: { type: 'AcceptOrder', data: { brokerOrderId: update.order.brokerOrderId, via: 'venue' }, metadata }, commandId: `accept:${update.order.brokerOrderId}`, occurredAt: fact.at };
      case 'rejected':
        return { command: { type: 'RejectOrder', data: { reason: update.reason, via: 'venue' }, metadata }, commandId: 'reject', occurredAt: fact.at };
      case 'canceled':
        return { command: { type: 'CancelOrder', data: { via: 'venue' }, metadata }, commandId: `cancel:${update.order.clientOrderId}`, occurredAt: fact.at };
      case 'expired':
        return { command: { type: 'ExpireOrder', data: { via: 'venue' }, metadata }, commandId: `expire:${update.order.clientOrderId}`, occurredAt: fact.at };
      case 'replaced': {
        // The replace's own answer may have applied it already.
        const pending = 'pendingReplacement' in state ? state.pendingReplacement : undefined;
        if (pending?.newClientOrderId !== update.replacedBy.clientOrderId) return undefined;
        return {
          command: { type: 'ReplaceOrder', data: { brokerOrderId: update.replacedBy.brokerOrderId }, metadata },
          commandId: `replace:${update.replacedBy.clientOrderId}`,
          occurredAt: fact.at,
        };
      }
      case 'fill': {
        const { fill } = update;
        const arrivalMid = this.arrivalMids.get(orderId);
        return {
          command: {
            type: 'FillOrder',
            data: {
              fillId: fill.fillId,
              quantity: fill.quantity,
              price: fill.price,
              fee: fill.fee,
              filledAt: fill.filledAt,
              clientOrderId: fill.clientOrderId,
              brokerOrderId: fill.brokerOrderId,
              ...(arrivalMid ? { arrivalMid } : {}),
            },
            metadata,
          },
          commandId: `fill:${fill.fillId}`,
          occurredAt: new Date(fill.filledAt),
        };
      }
      default:
        return undefined;
    }
  }

  private ourOrder(clientOrderId: string): string | undefined {
    const orderId = this.index.orderIdOf(clientOrderId);
    if (!orderId && !this.foreignWarned.has(clientOrderId)) {
      this.foreignWarned.add(clientOrderId);
      this.logger.warn({ clientOrderId }, `broker reported client order id ${clientOrderId}, which is not one of ours; left to reconciliation`);
    }
    return orderId;
  }

  // ---- plumbing -------------------------------------------------------------------------------

  private async whenReady(): Promise<void> {
    if (this.recovered) return;
    await Promise.race([this.recovery, sleep(this.options.readyWaitMs)]);
    if (!this.recovered) throw new DomainError('EXECUTION_NOT_READY', `no order is sent before start-up recovery has passed: ${this.recoveryProblem}`);
  }

  private async load(orderId: string): Promise<OrderState> {
    const events = await this.store.readStream(orderStreamId(orderId));
    const state = foldOrderEvents(events.map((event) => ({ type: event.type, data: event.data }) as OrderEvent));
    const version = events.at(-1)?.streamVersion ?? 0;
    // The store's view can trail this process's own last append (sealing); keep the newer one.
    if (version >= (this.aggregates.get(orderId)?.version ?? 0)) this.remember(orderId, state, version);
    return state;
  }

  private async apply(
    orderId: string,
    command: OrderCommand,
    commandId: string,
    context: { actor?: string; correlationId?: string; occurredAt?: Date } = {},
  ): Promise<HandledCommand<OrderEvent, OrderState>> {
    // A new intent starts from an empty stream; if the stream exists after all, the append says so.
    const known = this.aggregates.get(orderId) ?? (command.type === 'InitializeOrder' ? { state: orderDecider.initialState(), version: 0 } : undefined);
    const handled = await handleCommand({
      store: this.store,
      streamId: orderStreamId(orderId),
      decider: orderDecider,
      command,
      commandId,
      metadata: { correlationId: context.correlationId ?? this.index.intentOf(orderId) ?? orderId, actor: context.actor ?? ACTOR, ...traceMetadata() },
      occurredAt: context.occurredAt ?? command.metadata.now,
      ...(known ? { known } : {}),
    });
    this.remember(orderId, handled.state, handled.version);
    return handled;
  }

  private remember(orderId: string, state: OrderState, version: number): void {
    this.aggregates.delete(orderId);
    this.aggregates.set(orderId, { state, version });
    if (this.aggregates.size > 10_000) this.aggregates.delete(this.aggregates.keys().next().value!);
  }

  private answer(orderId: string, state: OrderState): PlaceOrderResponse {
    const view = orderView(orderId, state);
    return {
      orderId,
      clientOrderId: view.clientOrderId,
      status: view.status,
      ...(view.reasons ? { reasons: view.reasons } : {}),
      ...(view.brokerOrderId ? { brokerOrderId: view.brokerOrderId } : {}),
      dryRun: this.options.dryRun,
    };
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.background.add(work);
    void work
      .catch((error: unknown) => this.logger.error({ err: error }, 'execution background work failed'))
      .finally(() => this.background.delete(work));
    return work;
  }
}

function orderRequestOf(state: InitializedOrderState): OrderRequest {
  const { terms } = state;
  return {
    clientOrderId: state.clientOrderId,
    symbol: terms.symbol,
    side: terms.side,
    type: terms.type,
    quantity: decString(terms.quantity),
    ...(terms.limitPrice ? { limitPrice: decString(terms.limitPrice) } : {}),
    ...(terms.stopPrice ? { stopPrice: decString(terms.stopPrice) } : {}),
    timeInForce: terms.timeInForce,
  };
}

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds).unref());
}

