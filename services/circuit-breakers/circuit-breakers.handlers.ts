import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { followStore, handleCommand, type FollowedStore } from '@tollgate/application';
import { breakerName, streamCategory, type BreakerName, type EventInput, type QuoteMessage, type RecordedEvent } from '@tollgate/contracts';
import { autoModeDecider, autoModeReaction } from '@tollgate/domain/auto-mode';
import { nyseCalendar } from '@tollgate/domain/calendar';
import {
  breakerDecider,
  evolveBreakerBoard,
  initialBreakerBoard,
  observeFailingSafe,
  type BreakerBoard,
  type BreakerEvent,
  type BreakerMeasurements,
} from '@tollgate/domain/circuit-breaker';
import { WrongExpectedVersionError, type EventStore } from '@tollgate/event-store';
import { deterministicId, newId } from '@tollgate/kernel';
import { InjectEventStore, InjectLogger } from '@tollgate/nest';
import { traceMetadata, type Logger } from '@tollgate/telemetry';
import { riskStreams } from '../risk/risk-streams';
import { BreakerMonitor } from './breaker-monitor';
import type { BreakerScopeView, BreakerView, ResetBreakerRequest } from './circuit-breakers.commands';

export const CIRCUIT_BREAKERS_OPTIONS = Symbol('tollgate:circuit-breakers-options');

export interface CircuitBreakersOptions {
  accountId: string;
  mode: 'SIMULATED' | 'SANDBOX_PAPER' | 'LIVE';
  /** How often breakers are re-read without a new event (cool-downs, wall-clock staleness) and high-water marks stored. */
  tickMs: number;
}

const ACTOR = 'system:circuit-breaker';
const BREAKER_EVENT_TYPES = new Set(['CircuitBreakerTripped', 'CircuitBreakerReset', 'EquityHighWaterMarkRaised', 'TradingStateChanged', 'WorkingOrdersCancelRequested', 'AlertRaised']);
const AUTO_MODE_TRIGGERS = new Set(['CircuitBreakerTripped', 'KillSwitchEngaged', 'ReconciliationBreakOpened', 'SyncFailed']);
const BREAKER_LIMIT_KEYS: Record<BreakerName, string | null> = {
  daily_loss: 'dailyLoss',
  drawdown: 'drawdown',
  consecutive_losses: 'consecutiveLosses',
  reject_rate: 'rejectRate',
  broker_error_rate: 'brokerErrorRate',
  market_data_stale: 'marketDataStale',
  sync_failure: 'syncFailure',
  reconciliation_break: 'reconciliationBreak',
  clock_skew: 'clockSkew',
  evaluation_error: null,
};

interface ScopeBoard {
  board: BreakerBoard;
  /** The stream version the board folds (events we appended included). */
  version: number;
}

/**
 * The circuit breakers (C9, C11, C12, C14; RTS 6 Art. 17). Measures from the store and quotes
 * (BreakerMonitor), reads every breaker on each change that can move one — a quote for a held symbol
 * moves equity, so the daily loss trips with no trade — and appends what the breaker decider says to
 * the scope's trading-state stream: trip, state change, cancel intent (HALTED) and alert, in one append.
 * Measuring that throws halts (observeFailingSafe). Any trip, kill switch, reconciliation break or sync
 * failure turns auto-mode off. High-water marks are stored at most once per tick.
 */
@Injectable()
export class CircuitBreakersHandlers implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly monitor: BreakerMonitor;
  private readonly boards = new Map<string, ScopeBoard>();
  private readonly pendingHighWaterMarks = new Map<string, BreakerEvent>();
  private subscription: FollowedStore | undefined;
  private live = false;
  private chain: Promise<void> = Promise.resolve();
  private scheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private lastMeasurements: BreakerMeasurements = {};
  private evaluatedAt: string | null = null;
  private closing = false;
  private autoModeEnabledAt = -1;
  private autoModeTriggerAfterEnable: RecordedEvent | null = null;

  constructor(
    @InjectEventStore() private readonly store: EventStore,
    @InjectLogger() private readonly logger: Logger,
    @Inject(CIRCUIT_BREAKERS_OPTIONS) private readonly options: CircuitBreakersOptions,
  ) {
    this.monitor = new BreakerMonitor({ accountId: options.accountId, mode: options.mode, calendar: nyseCalendar() });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = followStore(this.store, {
      handler: (event) => this.apply(event),
      onCaughtUp: () => {
        this.live = true;
      },
      onError: (error) => this.logger.error({ err: error }, 'circuit breakers stopped following the store; restart the service'),
    });
    await this.subscription.caughtUp;
    if (this.autoModeTriggerAfterEnable) this.turnAutoModeOff(this.autoModeTriggerAfterEnable);
    this.schedule();
    this.timer = setInterval(() => {
      this.schedule();
      this.enqueue(() => this.flushHighWaterMarks());
    }, this.options.tickMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    if (this.timer) clearInterval(this.timer);
    await this.chain;
    await this.flushHighWaterMarks().catch(() => undefined);
    await this.subscription?.stop();
  }

  onQuote(quote: QuoteMessage): void {
    if (this.monitor.onQuote(quote) && this.live) this.schedule();
  }

  /** Resolves once every evaluation scheduled so far has run (for tests and drills). */
  async settled(): Promise<void> {
    while (this.scheduled) await new Promise((resolve) => setImmediate(resolve));
    await this.chain;
  }

  // ---- operator -----------------------------------------------------------------------------------

  list(scope?: string): BreakerScopeView[] {
    const scopes = new Set<string>([this.monitor.scope, ...this.boards.keys()]);
    return [...scopes]
      .filter((candidate) => !scope || candidate === scope)
      .filter((candidate) => candidate === this.monitor.scope || Object.keys(this.boards.get(candidate)?.board.tripped ?? {}).length > 0)
      .map((candidate) => this.view(candidate));
  }

  async reset(request: ResetBreakerRequest): Promise<BreakerScopeView> {
    const scope = request.scope ?? this.monitor.scope;
    await this.enqueue(async () => {
      await this.decideAndAppend(scope, { type: 'ResetBreaker', scope, breaker: request.breaker, actor: request.actor, role: request.role, reason: request.reason, at: this.monitor.clock.now().toISOString() }, request.requestId);
    }, { callerHandles: true });
    return this.view(scope);
  }

  private view(scope: string): BreakerScopeView {
    const entry = this.boards.get(scope) ?? { board: initialBreakerBoard(), version: 0 };
    const configuredKeys = scope === this.monitor.scope ? (this.monitor.limits ?? {}) : {};
    const breakers: BreakerView[] = breakerName.options.map((name) => {
      const tripped = entry.board.tripped[name];
      const key = BREAKER_LIMIT_KEYS[name];
      return {
        breaker: name,
        configured: key === null || (configuredKeys as Record<string, unknown>)[key] !== undefined,
        tripped: tripped !== undefined,
        action: tripped?.action ?? ((key && (configuredKeys as Record<string, { action?: string } | undefined>)[key]?.action) || (name === 'evaluation_error' ? 'HALTED' : null)),
        value: tripped?.value ?? null,
        bound: tripped?.bound ?? null,
        trippedAt: tripped?.at ?? null,
        coolDownMs: tripped?.coolDownMs ?? null,
      };
    });
    return {
      scope,
      tradingStatus: entry.board.tradingStatus,
      tradingCause: entry.board.tradingCause,
      highWaterMark: entry.board.highWaterMark,
      breakers,
      measurements: scope === this.monitor.scope ? (this.lastMeasurements as BreakerScopeView['measurements']) : {},
      evaluatedAt: scope === this.monitor.scope ? this.evaluatedAt : null,
    };
  }

  // ---- folding and evaluating -------------------------------------------------------------------

  private apply(event: RecordedEvent): void {
    try {
      if (streamCategory(event.streamId) === 'tradingstate' && BREAKER_EVENT_TYPES.has(event.type)) this.foldBoard(event);
      const changed = this.monitor.apply(event);
      this.watchAutoMode(event);
      if (this.live && changed) this.schedule();
    } catch (error) {
      // Measuring broke on this event: the breakers must fail safe rather than go blind.
      this.logger.error({ err: error, eventId: event.id, type: event.type }, `circuit breakers could not apply ${event.type}; halting`);
      if (this.live) this.enqueue(() => this.reportFailure(error));
    }
  }

  private foldBoard(event: RecordedEvent): void {
    const scope = event.streamId.slice('tradingstate-'.length);
    const entry = this.boards.get(scope) ?? { board: initialBreakerBoard(), version: 0 };
    // Our own appends are folded when made; the store delivers them again later.
    if (event.streamVersion <= entry.version) return;
    entry.board = evolveBreakerBoard(entry.board, { type: event.type, data: event.data } as BreakerEvent);
    entry.version = event.streamVersion;
    this.boards.set(scope, entry);
  }

  private watchAutoMode(event: RecordedEvent): void {
    if (event.streamId === riskStreams.autoMode(this.options.accountId)) {
      if (event.type === 'AutoModeEnabled') {
        this.autoModeEnabledAt = event.position;
        this.autoModeTriggerAfterEnable = null;
      }
      if (event.type === 'AutoModeDisabled') this.autoModeEnabledAt = -1;
      return;
    }
    if (!AUTO_MODE_TRIGGERS.has(event.type)) return;
    if (this.live) this.turnAutoModeOff(event);
    else if (this.autoModeEnabledAt >= 0 && event.position > this.autoModeEnabledAt) this.autoModeTriggerAfterEnable = event;
  }

  /** Auto-mode never turns itself back on; each trigger event turns it off once (its id names the command). */
  private turnAutoModeOff(trigger: RecordedEvent): void {
    const command = autoModeReaction({ type: trigger.type, data: trigger.data }, this.monitor.clock.now().toISOString());
    if (!command) return;
    this.enqueue(async () => {
      await handleCommand({
        store: this.store,
        streamId: riskStreams.autoMode(this.options.accountId),
        decider: autoModeDecider,
        command: { ...command, actor: ACTOR },
        commandId: `auto-mode-off:${trigger.id}`,
        metadata: { correlationId: trigger.metadata.correlationId, causationId: trigger.id, actor: ACTOR, ...traceMetadata() },
        occurredAt: new Date(command.at),
      });
    });
  }

  private schedule(): void {
    if (this.scheduled || this.closing) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.enqueue(() => this.evaluate());
    });
  }

  /** Runs work after everything queued before it; a failure is logged unless the caller takes it (an operator's refused reset). */
  private enqueue(work: () => Promise<void>, { callerHandles = false } = {}): Promise<void> {
    const run = this.chain.then(work);
    this.chain = run.catch((error: unknown) => {
      if (!callerHandles) this.logger.error({ err: error }, 'a circuit-breaker step failed');
    });
    return run;
  }

  private async evaluate(): Promise<void> {
    const limits = this.monitor.limits;
    // No limits: default deny already stops every order; there is nothing to measure against.
    if (!limits || this.closing) return;
    const scope = this.monitor.scope;
    const at = this.monitor.clock.now().toISOString();
    const command = observeFailingSafe({ scope, limits, workingOrdersInScope: this.monitor.workingOrders(), at }, () => this.monitor.measure());
    if (command.type === 'ObserveBreakers') this.lastMeasurements = command.measurements;
    this.evaluatedAt = at;
    await this.decideAndAppend(scope, command);
  }

  private async reportFailure(error: unknown): Promise<void> {
    const scope = this.monitor.scope;
    await this.decideAndAppend(scope, {
      type: 'ReportBreakerEvaluationFailure',
      scope,
      error: error instanceof Error ? error.message : String(error),
      workingOrdersInScope: this.monitor.workingOrders(),
      at: this.monitor.clock.now().toISOString(),
    });
  }

  /** Decides on the board as folded, appends under its version; a concurrent writer means reload and decide again. */
  private async decideAndAppend(scope: string, command: Parameters<typeof breakerDecider.decide>[0], requestId?: string): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      const entry = this.boards.get(scope) ?? { board: initialBreakerBoard(), version: 0 };
      const events = breakerDecider.decide(command, entry.board);
      if (events.length === 0) return;
      const board = events.reduce(evolveBreakerBoard, entry.board);
      if (events.every((event) => event.type === 'EquityHighWaterMarkRaised')) {
        entry.board = board;
        this.boards.set(scope, entry);
        this.pendingHighWaterMarks.set(scope, events.at(-1)!);
        return;
      }
      const pending = this.pendingHighWaterMarks.get(scope);
      const toAppend = pending && !events.some((event) => event.type === 'EquityHighWaterMarkRaised') ? [pending, ...events] : events;
      try {
        await this.append(scope, entry.version, toAppend, requestId ?? newId(), command.type === 'ResetBreaker' ? command.actor : ACTOR);
      } catch (error) {
        if (error instanceof WrongExpectedVersionError && attempt < 5) {
          await this.reloadBoard(scope);
          continue;
        }
        throw error;
      }
      this.pendingHighWaterMarks.delete(scope);
      this.boards.set(scope, { board, version: entry.version + toAppend.length });
      const trips = events.filter((event) => event.type === 'CircuitBreakerTripped');
      if (trips.length > 0) this.logger.warn({ scope, trips: trips.map((event) => event.data) }, `circuit breaker tripped in ${scope}`);
      return;
    }
  }

  private async flushHighWaterMarks(): Promise<void> {
    for (const [scope, event] of [...this.pendingHighWaterMarks]) {
      const entry = this.boards.get(scope) ?? { board: initialBreakerBoard(), version: 0 };
      try {
        await this.append(scope, entry.version, [event], newId(), ACTOR);
        entry.version += 1;
        this.boards.set(scope, entry);
        if (this.pendingHighWaterMarks.get(scope) === event) this.pendingHighWaterMarks.delete(scope);
      } catch (error) {
        if (error instanceof WrongExpectedVersionError) await this.reloadBoard(scope);
        else throw error;
      }
    }
  }

  private async append(scope: string, version: number, events: readonly BreakerEvent[], commandId: string, actor: string): Promise<void> {
    const streamId = riskStreams.tradingState(scope);
    const inputs: EventInput[] = events.map((event, index) => ({
      id: deterministicId('event', streamId, commandId, index),
      type: event.type,
      data: event.data,
      metadata: { correlationId: commandId, causationId: null, actor, ...traceMetadata() },
      occurredAt: (event.data as { at: string }).at,
    }));
    await this.store.append(streamId, version === 0 ? 'no-stream' : version, inputs);
  }

  private async reloadBoard(scope: string): Promise<void> {
    const events = await this.store.readStream(riskStreams.tradingState(scope));
    let board = initialBreakerBoard();
    for (const event of events) if (BREAKER_EVENT_TYPES.has(event.type)) board = evolveBreakerBoard(board, { type: event.type, data: event.data } as BreakerEvent);
    const pending = this.pendingHighWaterMarks.get(scope);
    if (pending) board = evolveBreakerBoard(board, pending);
    this.boards.set(scope, { board, version: events.at(-1)?.streamVersion ?? 0 });
  }
}
