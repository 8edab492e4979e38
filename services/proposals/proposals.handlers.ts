import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { followStore, handleCommand, MarketClock, type AggregateDecider, type DomainEvent } from '@tollgate/application';
import {
  commandSubjects,
  positionExitStreamId,
  proposalStreamId,
  type BarMessage,
  type ProposalCreatedData,
  type ProposalEvent,
  type QuoteMessage,
  type RecordedEvent,
} from '@tollgate/contracts';
import { autoModeAllows, autoModeDecider } from '@tollgate/domain/auto-mode';
import { nyseCalendar, type ExchangeCalendar } from '@tollgate/domain/calendar';
import {
  evaluateExitRules,
  exitRequestFor,
  positionExitDecider,
  startTrailingAnchor,
  updateTrailingAnchor,
  type ExitPosition,
  type ExitQuote,
  type ExitRulesConfig,
  type PositionExitCommand,
  type TrailingAnchor,
} from '@tollgate/domain/exit-rules';
import { InstrumentCatalog, type Instrument } from '@tollgate/domain/instrument';
import { venueOfMode } from '@tollgate/domain/ledger';
import { barFromMessage, quoteFromMessage } from '@tollgate/domain/market-data';
import { orderIdFor, orderStreamId } from '@tollgate/domain/order';
import { createProposalDecider, proposalIdFor, type ProposalCommand, type ProposalState } from '@tollgate/domain/proposal';
import { StrategyRunner, type ProposalIntent, type SizingLimits } from '@tollgate/domain/strategy';
import { lastConfirmedBreak } from '@tollgate/domain/structural-break';
import type { EventStore, Subscription } from '@tollgate/event-store';
import { dec, Decimal, decString, deterministicId, DomainError } from '@tollgate/kernel';
import type { Bus } from '@tollgate/messaging';
import { InjectBus, InjectEventStore, InjectLogger } from '@tollgate/nest';
import { traceMetadata, type Logger } from '@tollgate/telemetry';
import type { PlaceOrderInput, PlaceOrderResponse } from '../execution/execution.commands';
import type { ProposalsConfig } from './proposals.config';
import type {
  ApproveProposalResponse,
  ListProposalsRequest,
  ListProposalsResponse,
  ManagedPositionView,
  PositionsResponse,
  ProposalView,
  RejectProposalResponse,
} from './proposals.commands';
import { averageEntryPrice, openQuantity, ProposalsBook, type ManagedPosition, type ProposalRecord } from './proposals-book';

export const PROPOSALS_OPTIONS = Symbol('tollgate:proposals-options');

export interface ProposalsOptions {
  accountId: string;
  mode: 'SIMULATED' | 'SANDBOX_PAPER' | 'LIVE';
  config: ProposalsConfig;
  instruments: readonly Instrument[];
  calendar?: ExchangeCalendar;
  /** How long a place-order or cancel request to execution may take. */
  executionTimeoutMs: number;
  /** How often pending proposals are checked for expiry besides every market event (0: only on market events). */
  expirySweepIntervalMs: number;
  /** Exit rules run on quotes; on a bar only when the symbol has had no quote for this long. */
  maxQuoteAgeMs: number;
  /** How long to wait for the store to show an event this service just appended. */
  readYourWritesTimeoutMs: number;
}

const ACTOR = 'system:proposals';
const SEEN_IDS_KEPT = 100_000;

/** Counts of what the service decided not to do; refusals append nothing, so the store does not hold them. */
export interface ProposalsStatistics {
  intents: number;
  created: number;
  /** Refused proposals and approvals by DomainError code (PROPOSAL_DUPLICATE, PROPOSAL_BLOCKED_BY_STRUCTURAL_BREAK, …). */
  refused: Record<string, number>;
  /** Strategy signals that did not become proposals, by reason (QUANTITY_ZERO, TOO_CLOSE_TO_THE_CLOSE, …). */
  skipped: Record<string, number>;
  autoApproved: number;
  /** Proposals auto-mode's rails left for a person. */
  autoDeclined: number;
  exitsRequested: number;
  exitsRefused: Record<string, number>;
}

/**
 * The proposals service: runs the configured strategies on every bar with each strategy's own open
 * positions, sizes with fixed-fractional risk capped by the risk limits, and records each intent as a
 * proposal (`proposal-<id>`): created, then approved by a person or — while auto-mode's rails allow — by
 * `auto`, rejected, or expired. An approved proposal is converted into an order intent and placed on the
 * execution path. Every open position's exit rules run on each market event; the position-exit aggregate
 * (`positionexit-<proposalId>`) lets exactly one exit work at a time, and its order goes the same path.
 *
 * State is the ProposalsBook, folded from the store (history at start, then live). Work — market events,
 * commands, reactions to orders — runs one item at a time, and each item waits until the book shows its
 * own appends before the next decides (read your writes).
 */
@Injectable()
export class ProposalsHandlers implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly clock: MarketClock;
  readonly book: ProposalsBook;
  readonly statistics: ProposalsStatistics = { intents: 0, created: 0, refused: {}, skipped: {}, autoApproved: 0, autoDeclined: 0, exitsRequested: 0, exitsRefused: {} };
  private readonly runners: StrategyRunner[];
  private readonly catalog: InstrumentCatalog;
  private readonly calendar: ExchangeCalendar;
  private readonly proposalDecider: AggregateDecider<ProposalCommand, ProposalEvent, ProposalState>;
  private readonly rules: ExitRulesConfig[] = [];
  private readonly lastQuoteAt = new Map<string, number>();
  private readonly marks = new Map<string, Decimal>();
  private readonly anchors = new Map<string, TrailingAnchor>();
  private readonly placeAttempts = new Map<string, number>();
  private readonly seen = new Set<string>();
  private readonly waiters = new Map<string, Array<() => void>>();
  /** Work waits until the book has caught up with the store (market data may arrive while it catches up). */
  private caughtUpWithStore: () => void = () => undefined;
  private queue: Promise<void> = new Promise<void>((resolve) => (this.caughtUpWithStore = resolve));
  private queued = 0;
  private subscription: Subscription | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private applied = 0;
  private live = false;
  private reconcileQueued = false;
  private closing = false;

  constructor(
    @InjectEventStore() private readonly store: EventStore,
    @InjectBus() private readonly bus: Bus,
    @InjectLogger() private readonly logger: Logger,
    @Inject(PROPOSALS_OPTIONS) private readonly options: ProposalsOptions,
  ) {
    this.clock = MarketClock.forMode(options.mode);
    this.book = new ProposalsBook(options.accountId, venueOfMode(options.mode));
    this.catalog = new InstrumentCatalog(options.instruments);
    this.calendar = options.calendar ?? nyseCalendar();
    this.proposalDecider = createProposalDecider({ autoModeAllows: (proposal) => this.autoVerdict(proposal) });
    this.runners = options.config.strategies.map(
      (strategy) =>
        new StrategyRunner({
          strategy,
          instrument: (symbol) => this.catalog.find(symbol),
          sizing: { riskFraction: options.config.riskFraction },
          maxQuoteAgeMilliseconds: options.maxQuoteAgeMs,
        }),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    const followed = followStore(this.store, {
      handler: (event) => this.apply(event),
      onError: (error) => this.logger.error({ err: error }, 'the proposals service stopped following the store; restart it'),
    });
    this.subscription = followed;
    await followed.caughtUp;
    this.live = true;
    this.caughtUpWithStore();
    // Whatever a crash left half done: exits to complete, abandon or place, conversions without an order.
    this.scheduleReconcile();
    if (this.options.expirySweepIntervalMs > 0) {
      this.sweepTimer = setInterval(() => void this.enqueue(() => this.expireDue()), this.options.expirySweepIntervalMs);
      this.sweepTimer.unref();
    }
    this.logger.info(
      { strategies: this.runners.map((runner) => `${runner.strategy.definition.name}@${runner.strategy.version.version}`), pending: this.book.pendingProposals().length, openPositions: this.book.openPositions().length },
      'proposals service caught up with the store',
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    await this.queue;
    await this.subscription?.stop();
  }

  /** True when no work is queued or running (a simulation settles on it). */
  get idle(): boolean {
    return this.queued === 0;
  }

  /** Store position the book has applied. */
  get checkpoint(): number {
    return this.applied;
  }

  // ---- market data ----------------------------------------------------------------------------

  onQuote(message: QuoteMessage): Promise<void> {
    return this.enqueue(async () => {
      const at = Date.parse(message.timestamp);
      this.clock.observe(at);
      const quote = quoteFromMessage(message);
      for (const runner of this.runners) runner.onQuote(quote);
      this.lastQuoteAt.set(message.symbol, at);
      this.marks.set(message.symbol, quote.bid.plus(quote.ask).div(2));
      await this.expireDue();
      await this.evaluateExits(message.symbol, { at: message.timestamp, bid: quote.bid, ask: quote.ask });
    });
  }

  onBar(message: BarMessage): Promise<void> {
    return this.enqueue(async () => {
      const at = Date.parse(message.timestamp);
      this.clock.observe(at);
      const bar = barFromMessage(message);
      this.marks.set(message.symbol, bar.close);
      await this.expireDue();
      // Exit rules run on quotes; a symbol that has only bars is watched on its closes.
      const quotedAt = this.lastQuoteAt.get(message.symbol);
      if (quotedAt === undefined || at - quotedAt > this.options.maxQuoteAgeMs) {
        await this.evaluateExits(message.symbol, { at: message.timestamp, bid: bar.close, ask: bar.close });
      }
      const equity = this.book.equity(this.marks, message.timestamp);
      for (const runner of this.runners) {
        const name = runner.strategy.definition.name;
        const outcome = runner.onBar(bar, { equity, positions: this.book.strategyPositions(name), sizing: this.sizingCaps(message.symbol, equity) });
        for (const skipped of outcome.skipped) count(this.statistics.skipped, skipped.reason);
        for (const intent of outcome.intents) await this.propose(intent);
      }
    });
  }

  // ---- commands -------------------------------------------------------------------------------

  list(request: ListProposalsRequest): ListProposalsResponse {
    const records = [...this.book.proposals.values()].filter((record) => {
      if (request.status === 'all') return true;
      if (request.status === 'pending') return record.state.status === 'pending';
      return this.book.openProposals.some((open) => open.proposalId === record.created.proposalId);
    });
    records.sort((left, right) => right.created.createdAt.localeCompare(left.created.createdAt) || left.created.proposalId.localeCompare(right.created.proposalId));
    return { proposals: records.slice(0, request.limit).map((record) => this.view(record)) };
  }

  positions(symbol?: string): PositionsResponse {
    return { positions: this.book.openPositions(symbol).map((position) => positionView(position)) };
  }

  /** A person approves (actor `user:<name>`); the proposal becomes an order on the execution path. */
  approve(request: { proposalId: string; actor: string; reason?: string | undefined }): Promise<ApproveProposalResponse> {
    return this.enqueue(() => this.approveNow(request.proposalId, request.actor, request.reason ?? null));
  }

  reject(request: { proposalId: string; actor: string; reason?: string | undefined }): Promise<RejectProposalResponse> {
    return this.enqueue(async () => {
      const record = this.record(request.proposalId);
      await this.decideProposal(request.proposalId, 'reject', { type: 'RejectProposal', proposalId: request.proposalId, actor: request.actor, reason: request.reason ?? null, at: this.now() });
      return { proposal: this.view(record) };
    });
  }

  // ---- proposals ------------------------------------------------------------------------------

  private async propose(intent: ProposalIntent): Promise<void> {
    this.statistics.intents += 1;
    const decidedAt = intent.decidedAt.toISOString();
    const flatten = this.options.config.exits.flattenMinutesBeforeClose;
    const minutesToClose = this.minutesToClose(intent.decidedAt);
    // A position opened inside the end-of-day window would be flattened on its first quote.
    if (flatten !== null && minutesToClose !== null && minutesToClose <= flatten) {
      count(this.statistics.skipped, 'TOO_CLOSE_TO_THE_CLOSE');
      return;
    }
    const proposalId = proposalIdFor(intent.strategy, intent.symbol, intent.side, decidedAt);
    const command: ProposalCommand = {
      type: 'CreateProposal',
      proposalId,
      strategy: intent.strategy,
      strategyVersion: intent.strategyVersion,
      symbol: intent.symbol,
      side: intent.side,
      quantity: intent.quantity,
      entryType: intent.entryType,
      entryPrice: intent.entryPrice,
      stopPrice: intent.stopPrice,
      targetPrice: intent.targetPrice,
      rationale: intent.rationale,
      expiresAt: new Date(intent.decidedAt.getTime() + this.options.config.expiresAfterMs).toISOString(),
      actor: ACTOR,
      at: decidedAt,
      openProposals: this.book.openProposals,
      symbolRegime: this.book.regimeOf(intent.symbol),
    };
    try {
      await this.decideProposal(proposalId, 'create', command);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      count(this.statistics.refused, error.code);
      this.logger.debug({ code: error.code, proposalId, symbol: intent.symbol }, `no proposal: ${error.message}`);
      return;
    }
    this.statistics.created += 1;
    if (this.book.autoMode.status !== 'on') return;
    try {
      await this.approveNow(proposalId, 'auto', null);
      this.statistics.autoApproved += 1;
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (error.code === 'AUTO_APPROVAL_NOT_ALLOWED') this.statistics.autoDeclined += 1;
      else count(this.statistics.refused, error.code);
      this.logger.info({ code: error.code, proposalId }, `proposal ${proposalId} waits for a person: ${error.message}`);
    }
  }

  private async approveNow(proposalId: string, actor: string, reason: string | null): Promise<ApproveProposalResponse> {
    const record = this.record(proposalId);
    const at = this.now();
    try {
      await this.decideProposal(proposalId, 'approve', { type: 'ApproveProposal', proposalId, actor, reason, at, symbolRegime: this.book.regimeOf(record.created.symbol) });
    } catch (error) {
      if (error instanceof DomainError && actor !== 'auto') count(this.statistics.refused, error.code);
      throw error;
    }
    if (actor === 'auto') await this.countAutoApproval(record.created, at);
    await this.decideProposal(proposalId, 'convert', { type: 'ConvertProposal', proposalId, actor: ACTOR, at });
    const placed = await this.placeEntry(record);
    return { proposal: this.view(record), ...placed };
  }

  private async countAutoApproval(proposal: ProposalCreatedData, at: string): Promise<void> {
    try {
      const result = await handleCommand({
        store: this.store,
        streamId: `automode-${this.options.accountId}`,
        decider: autoModeDecider,
        command: { type: 'CountAutoApproval', proposalId: proposal.proposalId, tradingDay: this.tradingDay(at), notional: decString(notionalOf(proposal)), at },
        commandId: `count:${proposal.proposalId}`,
        metadata: { correlationId: proposal.proposalId, actor: ACTOR, ...traceMetadata() },
        occurredAt: new Date(at),
      });
      await this.caughtUp(`automode-${this.options.accountId}`, `count:${proposal.proposalId}`, result.events.length);
    } catch (error) {
      // Approved already: the count is bookkeeping for the daily limit, and a failure to count is loud, not fatal.
      this.logger.error({ err: error, proposalId: proposal.proposalId }, `auto-approval of ${proposal.proposalId} could not be counted against the daily limit`);
    }
  }

  private async placeEntry(record: ProposalRecord): Promise<Pick<ApproveProposalResponse, 'order' | 'problem'>> {
    const proposal = record.created;
    const intentId = record.intentId;
    if (intentId === null) return { order: null, problem: `proposal ${proposal.proposalId} has not been converted` };
    const request: PlaceOrderInput = {
      intentId,
      intentKind: 'proposal',
      symbol: proposal.symbol,
      side: proposal.side,
      type: proposal.entryType,
      quantity: proposal.quantity,
      ...(proposal.entryType === 'limit' ? { limitPrice: proposal.entryPrice } : {}),
      timeInForce: this.options.config.timeInForce,
      strategy: proposal.strategy,
      autoApproved: record.decision?.actor === 'auto',
      actor: record.decision?.actor ?? ACTOR,
    };
    return this.place(request);
  }

  private async place(request: PlaceOrderInput): Promise<Pick<ApproveProposalResponse, 'order' | 'problem'>> {
    this.placeAttempts.set(request.intentId, Date.now());
    try {
      const answer = await this.bus.request<PlaceOrderResponse>(commandSubjects.execution.placeOrder, request, { timeoutMs: this.options.executionTimeoutMs });
      await this.waitForOrder(request.intentId);
      return { order: { orderId: answer.orderId, status: answer.status, ...(answer.reasons ? { reasons: answer.reasons } : {}) } };
    } catch (error) {
      // The intent is recorded; reconciliation places it again (the order id derives from the intent, so never twice).
      const problem = `order for intent ${request.intentId} was not placed: ${error instanceof Error ? error.message : String(error)}`;
      this.logger.error({ err: error, intentId: request.intentId, intentKind: request.intentKind }, problem);
      return { order: null, problem };
    }
  }

  private async expireDue(): Promise<void> {
    const now = this.clock.now().getTime();
    for (const record of this.book.pendingProposals()) {
      if (Date.parse(record.created.expiresAt) > now) continue;
      try {
        await this.decideProposal(record.created.proposalId, 'expire', { type: 'ExpireProposal', proposalId: record.created.proposalId, at: new Date(now).toISOString() });
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        this.logger.warn({ err: error, proposalId: record.created.proposalId }, 'a due proposal could not be expired');
      }
    }
  }

  private async decideProposal(proposalId: string, commandId: string, command: ProposalCommand): Promise<DomainEvent[]> {
    const streamId = proposalStreamId(proposalId);
    const result = await handleCommand({
      store: this.store,
      streamId,
      decider: this.proposalDecider,
      command,
      commandId,
      metadata: { correlationId: proposalId, actor: 'actor' in command ? command.actor : ACTOR, ...traceMetadata() },
      occurredAt: new Date(command.at),
    });
    await this.caughtUp(streamId, commandId, result.events.length);
    return result.events;
  }

  private autoVerdict(proposal: ProposalCreatedData) {
    return autoModeAllows(this.book.autoMode, {
      strategy: proposal.strategy,
      symbol: proposal.symbol,
      notional: decString(notionalOf(proposal)),
      mode: this.options.mode,
      tradingDay: this.tradingDay(this.now()),
    });
  }

  /** Caps from the risk limits in force (and auto-mode's per-trade notional while it is on). */
  private sizingCaps(symbol: string, equity: Decimal): Partial<SizingLimits> {
    const limits = this.book.limits();
    const instrument = limits?.instrument(symbol);
    if (!limits || !instrument) return {};
    const notionalCaps = [instrument.maxOrderNotional, instrument.maxSymbolNotional];
    if (equity.greaterThan(0)) notionalCaps.push(equity.mul(limits.exposure.maxPositionShareOfEquity));
    const autoMode = this.book.autoMode;
    if (autoMode.status === 'on') notionalCaps.push(dec(autoMode.limits.maxNotionalPerTrade, 'autoMode.maxNotionalPerTrade'));
    return { maxQuantity: Decimal.min(instrument.maxOrderQuantity, instrument.maxPositionQuantity), maxNotional: Decimal.min(...notionalCaps) };
  }

  // ---- exits ----------------------------------------------------------------------------------

  private async evaluateExits(symbol: string, quote: ExitQuote): Promise<void> {
    const at = Date.parse(quote.at);
    for (const position of this.book.openPositions(symbol)) {
      if (position.exit.status !== 'open' || position.openedAt === null) continue;
      const exitPosition = exitPositionOf(position);
      const anchor = updateTrailingAnchor(this.anchors.get(position.positionId) ?? startTrailingAnchor(exitPosition), exitPosition.side, quote);
      this.anchors.set(position.positionId, anchor);
      if (position.lastExitEndedAt !== null && at - position.lastExitEndedAt < this.options.config.exits.retryAfterMs) continue;
      const regime = this.book.regimeOf(symbol);
      const decision = evaluateExitRules(
        exitPosition,
        quote,
        { minutesToClose: this.minutesToClose(new Date(at)), lastBreakConfirmedAt: regime ? (lastConfirmedBreak(regime)?.confirmedAt ?? null) : null },
        this.rulesFor(symbol),
        anchor,
      );
      if (!decision) continue;
      const command = exitRequestFor(exitPosition, decision, {
        at: quote.at,
        duringMarketHours: this.marketOpen(new Date(at)),
        wideSpreadBps: this.options.config.exits.wideSpreadBps,
        actor: ACTOR,
      });
      const events = await this.decideExit(position, command, `request:${command.exitIntentId}`);
      if (events === null || events.length === 0) continue;
      this.statistics.exitsRequested += 1;
      this.logger.info({ positionId: position.positionId, rule: decision.rule, detail: decision.detail }, `exit of ${position.proposal.symbol} position ${position.positionId}: ${decision.rule}`);
      await this.placeExit(position, command.exitIntentId);
    }
  }

  private async placeExit(position: ManagedPosition, exitIntentId: string): Promise<void> {
    const intent = this.book.exitIntent(exitIntentId);
    if (!intent) return;
    // An entry still filling would grow the position the exit is closing: it stops first.
    for (const order of this.book.ordersOf(this.book.proposals.get(position.positionId)?.intentId ?? '')) {
      if (order.progress !== 'working') continue;
      try {
        await this.bus.request(commandSubjects.execution.cancelOrder, { orderId: order.orderId, reason: `exit ${exitIntentId} closes the position`, actor: ACTOR }, { timeoutMs: this.options.executionTimeoutMs });
      } catch (error) {
        this.logger.warn({ err: error, orderId: order.orderId }, `entry order ${order.orderId} could not be cancelled before the exit`);
      }
    }
    const data = intent.order;
    await this.place({
      intentId: exitIntentId,
      intentKind: intent.intentKind,
      symbol: data.symbol,
      side: data.side,
      type: data.orderType,
      quantity: data.quantity,
      ...(data.limitPrice ? { limitPrice: data.limitPrice } : {}),
      timeInForce: this.options.config.timeInForce,
      strategy: position.proposal.strategy,
      actor: ACTOR,
    });
  }

  private async decideExit(position: ManagedPosition, command: PositionExitCommand, commandId: string): Promise<DomainEvent[] | null> {
    const streamId = positionExitStreamId(position.positionId);
    try {
      const result = await handleCommand({
        store: this.store,
        streamId,
        decider: positionExitDecider,
        command,
        commandId,
        metadata: { correlationId: position.positionId, actor: ACTOR, ...traceMetadata() },
        occurredAt: new Date(command.at),
      });
      await this.caughtUp(streamId, commandId, result.events.length);
      return result.events;
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      count(this.statistics.exitsRefused, error.code);
      this.logger.debug({ code: error.code, positionId: position.positionId }, error.message);
      return null;
    }
  }

  private rulesFor(symbol: string): ExitRulesConfig {
    const exits = this.options.config.exits;
    const tickSize = dec(this.catalog.find(symbol)?.tickSize ?? '0.01', 'tickSize');
    return {
      trailingStop: exits.trailingStop,
      maxHoldingMinutes: exits.maxHoldingMinutes,
      flattenMinutesBeforeClose: exits.flattenMinutesBeforeClose,
      exitOnConfirmedBreak: exits.exitOnConfirmedBreak,
      execution: exits.execution,
      wideSpreadBps: exits.wideSpreadBps,
      tickSize,
    };
  }

  // ---- reconciliation with the orders ---------------------------------------------------------

  private scheduleReconcile(): void {
    if (this.reconcileQueued || this.closing) return;
    this.reconcileQueued = true;
    void this.enqueue(async () => {
      this.reconcileQueued = false;
      await this.reconcile();
    }).catch((error: unknown) => this.logger.error({ err: error }, 'proposals reconciliation failed'));
  }

  /** Brings exit aggregates in line with their orders, and places intents that never reached execution. */
  private async reconcile(): Promise<void> {
    const at = this.now();
    for (const positionId of this.anchors.keys()) if (this.book.positions.get(positionId)?.closed !== false) this.anchors.delete(positionId);
    for (const resolution of this.book.exitResolutions()) {
      const { position, exitIntentId } = resolution;
      if (resolution.kind === 'complete') {
        await this.decideExit(position, { type: 'CompleteExit', positionId: position.positionId, exitIntentId, at }, `complete:${exitIntentId}`);
      } else if (resolution.kind === 'abandon') {
        await this.decideExit(position, { type: 'AbandonExit', positionId: position.positionId, exitIntentId, reason: resolution.reason, at }, `abandon:${exitIntentId}`);
      } else if (this.mayPlaceAgain(exitIntentId)) {
        await this.placeExit(position, exitIntentId);
      }
    }
    for (const record of this.book.unplacedConversions()) {
      if (record.intentId !== null && this.mayPlaceAgain(record.intentId)) await this.placeEntry(record);
    }
  }

  /** An intent whose placing failed is tried again after a pause, not on every event. */
  private mayPlaceAgain(intentId: string): boolean {
    const last = this.placeAttempts.get(intentId);
    return last === undefined || Date.now() - last > 5_000;
  }

  // ---- the book and read-your-writes ----------------------------------------------------------

  private apply(event: RecordedEvent): void {
    try {
      this.book.apply(event);
    } catch (error) {
      this.logger.error({ err: error, eventId: event.id, type: event.type }, `proposals book refused event ${event.id} at position ${event.position}`);
    }
    this.applied = event.position;
    this.seen.add(event.id);
    if (this.seen.size > SEEN_IDS_KEPT) this.seen.delete(this.seen.values().next().value as string);
    const waiting = this.waiters.get(event.id);
    if (waiting) {
      this.waiters.delete(event.id);
      for (const resolve of waiting) resolve();
    }
    if (this.live && reactsTo(event.type)) this.scheduleReconcile();
  }

  /** Resolves once the book has applied the events a command appended (their ids derive from stream, command and index). */
  private async caughtUp(streamId: string, commandId: string, events: number): Promise<void> {
    const ids = Array.from({ length: events }, (_unused, index) => deterministicId('event', streamId, commandId, index));
    await Promise.all(ids.map((id) => this.waitForEvent(id)));
  }

  private waitForEvent(id: string): Promise<void> {
    if (this.seen.has(id)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.logger.warn({ eventId: id }, `event ${id} did not reach the proposals book within ${this.options.readYourWritesTimeoutMs} ms; deciding on without it`);
        resolve();
      }, this.options.readYourWritesTimeoutMs);
      timer.unref();
      this.waiters.set(id, [
        ...(this.waiters.get(id) ?? []),
        () => {
          clearTimeout(timer);
          resolve();
        },
      ]);
    });
  }

  /** Execution recorded the order (OrderInitialized) before answering; wait until the book has it too. */
  private async waitForOrder(intentId: string): Promise<void> {
    if (this.book.ordersOf(intentId).length > 0) return;
    await this.waitForEvent(deterministicId('event', orderStreamId(orderIdFor(intentId)), 'initialize', 0));
  }

  // ---- plumbing -------------------------------------------------------------------------------

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    this.queued += 1;
    const run = this.queue.then(work);
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run.finally(() => {
      this.queued -= 1;
    });
  }

  private record(proposalId: string): ProposalRecord {
    const record = this.book.proposals.get(proposalId);
    if (!record) throw new DomainError('PROPOSAL_NOT_FOUND', `proposal ${proposalId} does not exist`, { proposalId });
    return record;
  }

  private now(): string {
    return this.clock.now().toISOString();
  }

  private tradingDay(at: string): string {
    try {
      return this.calendar.exchangeDate(new Date(at));
    } catch {
      return at.slice(0, 10);
    }
  }

  private minutesToClose(at: Date): number | null {
    try {
      return this.calendar.minutesToClose(at);
    } catch {
      return null;
    }
  }

  private marketOpen(at: Date): boolean {
    try {
      return this.calendar.isMarketOpen(at);
    } catch {
      return false;
    }
  }

  private view(record: ProposalRecord): ProposalView {
    const proposal = record.created;
    const order = record.intentId === null ? undefined : this.book.ordersOf(record.intentId).at(-1);
    const position = this.book.positions.get(proposal.proposalId);
    return {
      proposalId: proposal.proposalId,
      strategy: proposal.strategy,
      strategyVersion: proposal.strategyVersion,
      symbol: proposal.symbol,
      side: proposal.side,
      quantity: proposal.quantity,
      entryType: proposal.entryType,
      entryPrice: proposal.entryPrice,
      stopPrice: proposal.stopPrice,
      targetPrice: proposal.targetPrice,
      rationale: proposal.rationale,
      createdAt: proposal.createdAt,
      expiresAt: proposal.expiresAt,
      status: record.state.status === 'none' ? 'pending' : record.state.status,
      decidedBy: record.decision?.actor ?? null,
      reason: record.decision?.reason ?? null,
      decidedAt: record.decision?.at ?? null,
      order: order ? { orderId: order.orderId, progress: order.progress, filled: decString(order.filled), endedBecause: order.endedBecause } : null,
      position:
        position && position.entryFilled.greaterThan(0)
          ? {
              quantity: decString(openQuantity(position)),
              averageEntryPrice: decString(averageEntryPrice(position)),
              openedAt: position.openedAt,
              exit: position.exit.status,
              closed: position.closed,
            }
          : null,
    };
  }
}

function exitPositionOf(position: ManagedPosition): ExitPosition {
  return {
    positionId: position.positionId,
    symbol: position.proposal.symbol,
    side: position.side,
    quantity: openQuantity(position),
    entryPrice: averageEntryPrice(position),
    stopPrice: dec(position.proposal.stopPrice),
    targetPrice: position.proposal.targetPrice === null ? null : dec(position.proposal.targetPrice),
    openedAt: position.openedAt!,
  };
}

function positionView(position: ManagedPosition): ManagedPositionView {
  return {
    positionId: position.positionId,
    strategy: position.proposal.strategy,
    symbol: position.proposal.symbol,
    side: position.side,
    quantity: decString(openQuantity(position)),
    averageEntryPrice: decString(averageEntryPrice(position)),
    stopPrice: position.proposal.stopPrice,
    targetPrice: position.proposal.targetPrice,
    openedAt: position.openedAt,
    exit: {
      status: position.exit.status,
      working: position.exit.status === 'exiting' ? { exitIntentId: position.exit.working.exitIntentId, rule: position.exit.working.rule, cause: position.exit.working.cause } : null,
      emergencyExits: position.exit.emergencyExits,
    },
  };
}

function notionalOf(proposal: ProposalCreatedData): Decimal {
  return dec(proposal.quantity).mul(dec(proposal.entryPrice));
}

function count(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

/** Events after which exits or placements may need bringing in line with the orders. */
function reactsTo(type: string): boolean {
  return ['OrderFilled', 'OrderDenied', 'OrderRejected', 'OrderCanceled', 'OrderExpired', 'ExitRequested', 'EmergencyExit', 'ProposalConverted'].includes(type);
}
