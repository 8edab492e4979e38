import { existsSync, readFileSync } from 'node:fs';
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { AggregateDecider, DomainEvent, HandledCommand } from '@tollgate/application';
import {
  denial,
  denialRecord,
  renderDenial,
  type AlertRaisedData,
  type DrillCompletedData,
  type EventInput,
  type QuoteMessage,
  type RecordedEvent,
  type RiskCheckRequest,
  type RiskCheckResponse,
  type RiskLimits,
  type WorkingOrdersCancelRequestedData,
} from '@tollgate/contracts';
import { autoModeDecider } from '@tollgate/domain/auto-mode';
import { nyseCalendar } from '@tollgate/domain/calendar';
import type { Instrument } from '@tollgate/domain/instrument';
import { emergencyStopDecider, killSwitchDecider, type EmergencyStopEvent } from '@tollgate/domain/kill-switch';
import { clientOrderIdFor } from '@tollgate/domain/order';
import { overrideDecider } from '@tollgate/domain/override';
import { parseRiskLimitsText, PreTradeRiskEngine, riskLimitsDecider, strategyExecutionDecider, type OrderCheckRequest } from '@tollgate/domain/risk';
import { tradingStateDecider } from '@tollgate/domain/trading-state';
import { WrongExpectedVersionError, type EventStore } from '@tollgate/event-store';
import { deterministicId, DomainError, newId, ValidationError } from '@tollgate/kernel';
import type { Bus } from '@tollgate/messaging';
import { InjectBus, InjectEventStore, InjectLogger } from '@tollgate/nest';
import { traceMetadata, type Logger } from '@tollgate/telemetry';
import { EmergencyStopRunner, type EmergencyStopRunnerOptions } from './emergency-stop.runner';
import { onlyEvents, RiskEventWriter } from './event-writer';
import type {
  AutoModeOffRequest,
  AutoModeOnRequest,
  EmergencyStopRequest,
  EmergencyStopView,
  EnableStrategyRequest,
  KillRequest,
  KillResponse,
  LimitsSetRequest,
  LimitsView,
  OverrideApproveRequest,
  OverrideRequestRequest,
  OverrideView,
  RecordDrillRequest,
  ReleaseRequest,
  ReleaseResponse,
  RiskStateView,
  SetTradingStateRequest,
} from './risk.commands';
import { RiskProjection, type TrackedOrder } from './risk-projection';
import { riskStreams } from './risk-streams';
import { ScopeCanceller } from './scope-canceller';

export const RISK_OPTIONS = Symbol('tollgate:risk-options');

export interface RiskOptions {
  accountId: string;
  mode: 'SIMULATED' | 'SANDBOX_PAPER' | 'LIVE';
  instruments: readonly Instrument[];
  /**
   * A limits file applied by `system:bootstrap` at the first start in SIMULATED or SANDBOX_PAPER when no
   * limits exist yet (default deny would otherwise stop every order). Its `default` account stands for the
   * configured one. false: never seed. LIVE is never seeded, whatever is passed: real money trades only
   * under limits a person set.
   */
  seedLimitsFile: string | false;
  emergencyStop: EmergencyStopRunnerOptions;
  /** Fault injection for the drills' own tests only (never from configuration): see ScopeCanceller. */
  faults: { killSwitchDoesNotCancel?: boolean };
}

const ACTOR = 'system:risk';
const BOOTSTRAP_ACTOR = 'system:bootstrap';
const TRADING_STATE_EVENT = ['TradingStateChanged'];
const SEEDED_LIMITS_EFFECTIVE_AT = '1970-01-01T00:00:00.000Z';

/**
 * The risk service: every order passes `check` before it can reach a broker. It holds the live risk
 * book (folded from the store, exact at start, then live; quotes from the market-data subjects), answers
 * the pre-trade check in memory, and owns the operator controls: kill switch, emergency stop, limits,
 * trading state, strategy re-enable, overrides and auto-mode. Each control is load → decide → append on
 * its aggregate; each command answers once the book has folded its own events (read your writes).
 */
@Injectable()
export class RiskHandlers implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly projection: RiskProjection;
  private readonly engine = new PreTradeRiskEngine();
  private readonly writer: RiskEventWriter;
  private readonly canceller: ScopeCanceller;
  private readonly emergency: EmergencyStopRunner;
  private alertQueue: Promise<void> = Promise.resolve();
  private readonly strategyChecks = new Map<string, Promise<void>>();
  private closing = false;

  constructor(
    @InjectEventStore() private readonly store: EventStore,
    @InjectBus() private readonly bus: Bus,
    @InjectLogger() private readonly logger: Logger,
    @Inject(RISK_OPTIONS) private readonly options: RiskOptions,
  ) {
    this.projection = new RiskProjection(store, logger, { accountId: options.accountId, mode: options.mode, instruments: options.instruments });
    this.writer = new RiskEventWriter(store);
    this.canceller = new ScopeCanceller(bus, this.projection, logger, { killSwitchDoesNotCancel: options.faults.killSwitchDoesNotCancel ?? false });
    this.emergency = new EmergencyStopRunner(bus, this.projection, this.writer, logger, nyseCalendar(), options.emergencyStop);
    this.projection.onEvent = (event, live) => this.react(event, live);
    this.projection.onOrderChanged = (order, live) => this.reactToOrder(order, live);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.projection.start();
    await this.seedLimits();
    // Whatever a kill switch or a halt should have cancelled while we were down goes now.
    this.canceller.sweep();
    for (const [stopId, stop] of this.projection.emergencyStops) if (stop.state.status === 'running') void this.emergency.run(stopId);
    this.logger.info(
      { accountId: this.options.accountId, checkpoint: this.projection.checkpoint, limits: this.projection.limitsChange !== null, killSwitches: Object.keys(this.projection.killSwitch.engaged) },
      'risk service caught up with the store',
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    this.canceller.close();
    await this.emergency.close();
    await Promise.allSettled([this.alertQueue, ...this.strategyChecks.values()]);
    await this.projection.stop();
  }

  // ---- the pre-trade check --------------------------------------------------------------------

  /** Answers in memory; an allowed order counts against every limit from this moment. */
  async check(request: RiskCheckRequest): Promise<RiskCheckResponse> {
    const { order, context } = request;
    this.projection.learnFromCheck(order.clientOrderId, order.strategy);
    if (!this.projection.isLive || this.closing) {
      return { allowed: false, reasons: [renderDenial(denial('RISK_CHECK_FAILED', { error: 'the risk service is not caught up with the store' }))] };
    }
    if (context.mode !== this.options.mode) {
      return { allowed: false, reasons: [renderDenial(denial('ORDER_INVALID', { field: 'mode', problem: `the risk service runs in ${this.options.mode}, the order came from ${context.mode}` }))] };
    }
    const checkRequest: OrderCheckRequest = {
      action: order.action,
      accountId: order.accountId,
      strategy: order.strategy,
      intentId: order.intentId,
      intentQuantity: order.intentQuantity ?? null,
      clientOrderId: order.clientOrderId,
      ...(order.replacesClientOrderId ? { replacesClientOrderId: order.replacesClientOrderId } : {}),
      symbol: order.symbol,
      side: order.side,
      type: order.type,
      quantity: order.quantity,
      limitPrice: order.limitPrice ?? null,
      stopPrice: order.stopPrice ?? null,
      origin: order.origin,
      autoApproved: order.autoApproved,
      overrideId: order.overrideId ?? null,
      at: new Date(order.at),
    };
    const decision = this.engine.check(checkRequest, this.projection.book);
    if (decision.verdict === 'deny') {
      this.raise(decision.alerts, order.clientOrderId);
      return { allowed: false, reasons: decision.reasons.map(renderDenial) };
    }
    if (decision.override) {
      // The override is spent before the order goes: once, for this order only.
      try {
        await this.writer.run({
          streamId: riskStreams.override(decision.override.overrideId),
          decider: overrideDecider,
          command: { type: 'UseOverride', clientOrderId: order.clientOrderId, waived: decision.override.waived.map(denialRecord), at: order.at },
          actor: ACTOR,
          commandId: `use:${order.clientOrderId}`,
          correlationId: order.intentId,
          at: checkRequest.at,
        });
        await this.projection.settle();
      } catch (error) {
        const problem = error instanceof DomainError ? error.code : error instanceof Error ? error.message : String(error);
        return { allowed: false, reasons: [renderDenial(denial('OVERRIDE_NOT_VALID', { override: decision.override.overrideId, problem }))] };
      }
    }
    this.projection.book.activity.recordAllowed(checkRequest);
    this.projection.recordAllowed(checkRequest);
    return { allowed: true };
  }

  onQuote(quote: QuoteMessage): void {
    this.projection.onQuote(quote);
  }

  // ---- kill switch ----------------------------------------------------------------------------

  async kill(request: KillRequest): Promise<KillResponse> {
    const at = this.projection.clock.now();
    // Cancels go out at once, beside the record of the switch: the latency that matters is to the venue.
    this.canceller.cancelScopeNow(request.scope, `kill switch ${request.scope}`);
    const result = await this.decideAndSettle(request, {
      streamId: riskStreams.killSwitch,
      decider: killSwitchDecider,
      command: { type: 'EngageKillSwitch', scope: request.scope, actor: request.actor, reason: request.reason, restingOrders: this.projection.restingOrders(), at: at.toISOString() },
      at,
    });
    const engaged = result.events.find((event) => event.type === 'KillSwitchEngaged');
    return {
      scope: request.scope,
      engaged: this.projection.killSwitch.engaged[request.scope] !== undefined,
      ordersToCancel: engaged && engaged.type === 'KillSwitchEngaged' ? engaged.data.ordersToCancel.length : 0,
      changed: result.events.length > 0,
    };
  }

  async release(request: ReleaseRequest): Promise<ReleaseResponse> {
    const at = this.projection.clock.now();
    await this.decideAndSettle(request, {
      streamId: riskStreams.killSwitch,
      decider: killSwitchDecider,
      command: { type: 'ReleaseKillSwitch', scope: request.scope, actor: request.actor, role: request.role, reason: request.reason, at: at.toISOString() },
      at,
    });
    return { scope: request.scope, released: true };
  }

  // ---- emergency stop -------------------------------------------------------------------------

  async emergencyStop(request: EmergencyStopRequest): Promise<EmergencyStopView> {
    const stopId = request.requestId ? deterministicId('tollgate.emergency-stop', request.requestId) : newId();
    const at = this.projection.clock.now();
    this.canceller.cancelScopeNow(request.scope, `emergency stop ${stopId}`);
    const positions = this.projection.positionsInScope(request.scope);
    for (let attempt = 1; ; attempt += 1) {
      const killStream = await this.store.readStream(riskStreams.killSwitch);
      const killVersion = killStream.at(-1)?.streamVersion ?? 0;
      const events = emergencyStopDecider.decide(
        {
          type: 'StartEmergencyStop',
          stopId,
          scope: request.scope,
          actor: request.actor,
          reason: request.reason,
          positions,
          pricing: this.emergency.pricingFor(positions.map((position) => position.symbol)),
          killSwitch: this.projection.killSwitch,
          restingOrders: this.projection.restingOrders(),
          maxAttempts: request.maxAttempts,
          at: at.toISOString(),
        },
        { status: 'idle' },
      );
      // The kill switch's share goes to its own stream first: no exit is planned without the switch on.
      const killEvents = events.filter((event) => event.type === 'KillSwitchEngaged' || (event.type === 'AlertRaised' && event.data.source === 'kill-switch'));
      const stopEvents = events.filter((event) => !killEvents.includes(event));
      try {
        await this.writer.append(riskStreams.killSwitch, killVersion, killEvents, { actor: request.actor, commandId: `emergency-stop:${stopId}`, correlationId: stopId, at });
      } catch (error) {
        if (error instanceof WrongExpectedVersionError && attempt < 5) continue;
        throw error;
      }
      await this.writer.append(riskStreams.emergencyStop(stopId), 'no-stream', stopEvents as EmergencyStopEvent[], { actor: request.actor, commandId: `emergency-stop:${stopId}`, correlationId: stopId, at });
      break;
    }
    await this.projection.settle();
    void this.emergency.run(stopId);
    return this.emergencyStopView(stopId)!;
  }

  emergencyStopStatus(stopId: string | undefined): EmergencyStopView[] {
    const ids = stopId ? [stopId] : [...this.projection.emergencyStops.keys()];
    const views = ids.map((id) => this.emergencyStopView(id)).filter((view): view is EmergencyStopView => view !== null);
    if (stopId && views.length === 0) throw new DomainError('EMERGENCY_STOP_NOT_FOUND', `emergency stop ${stopId} does not exist`);
    return views;
  }

  private emergencyStopView(stopId: string): EmergencyStopView | null {
    const stop = this.projection.emergencyStops.get(stopId);
    if (!stop) return null;
    return {
      stopId,
      scope: stop.started.scope,
      status: stop.state.status === 'completed' ? 'completed' : 'running',
      ...(stop.outcome ? { outcome: stop.outcome } : {}),
      startedAt: stop.started.at,
      actor: stop.started.actor,
      reason: stop.started.reason,
      flattenOrders: stop.flattenOrders,
      remaining: stop.remaining,
      phase: this.emergency.phase(stopId),
    };
  }

  // ---- limits, trading state, strategies ------------------------------------------------------

  limitsShow(): LimitsView {
    const change = this.projection.limitsChange;
    if (!change) return { configured: false, limits: null };
    return { configured: true, limits: change.limits, effectiveAt: change.effectiveAt, changedBy: change.actor, reason: change.reason, changes: this.projection.limitsChanges };
  }

  async limitsSet(request: LimitsSetRequest): Promise<LimitsView> {
    const at = this.projection.clock.now();
    await this.decideAndSettle(request, {
      streamId: riskStreams.limits,
      decider: riskLimitsDecider,
      command: { type: 'ChangeRiskLimits', limits: request.limits, actor: request.actor, role: request.role, reason: request.reason, at: at.toISOString() },
      at,
    });
    return this.limitsShow();
  }

  async setTradingState(request: SetTradingStateRequest): Promise<RiskStateView['tradingStates'][number]> {
    const at = this.projection.clock.now();
    await this.decideAndSettle(request, {
      streamId: riskStreams.tradingState(request.scope),
      decider: onlyEvents(tradingStateDecider, TRADING_STATE_EVENT),
      command: { type: 'ChangeTradingState', scope: request.scope, to: request.to, actor: request.actor, role: request.role, reason: request.reason, at: at.toISOString() },
      at,
    });
    const state = this.projection.tradingBoard.get(request.scope);
    return { scope: request.scope, status: state?.status ?? 'ACTIVE', cause: state?.cause ?? 'initial', since: state?.since ?? null };
  }

  async enableStrategy(request: EnableStrategyRequest): Promise<{ strategy: string; status: string }> {
    const at = this.projection.clock.now();
    await this.decideAndSettle(request, {
      streamId: riskStreams.strategy(request.strategy),
      decider: strategyExecutionDecider,
      command: { type: 'EnableStrategy', strategy: request.strategy, actor: request.actor, role: request.role, reason: request.reason, at: at.toISOString() },
      at,
    });
    return { strategy: request.strategy, status: this.projection.strategies.get(request.strategy)?.status ?? 'enabled' };
  }

  // ---- overrides and auto-mode ----------------------------------------------------------------

  async overrideRequest(request: OverrideRequestRequest): Promise<OverrideView> {
    const overrideId = request.overrideId ?? newId();
    const at = this.projection.clock.now();
    await this.decideAndSettle(request, {
      streamId: riskStreams.override(overrideId),
      decider: overrideDecider,
      command: {
        type: 'RequestOverride',
        overrideId,
        clientOrderId: clientOrderIdFor(request.intentId, request.attempt),
        intentId: request.intentId,
        accountId: this.options.accountId,
        symbol: request.symbol,
        side: request.side,
        quantity: request.quantity,
        controls: request.controls,
        requestedBy: request.actor,
        reason: request.reason,
        expiresAt: new Date(at.getTime() + request.expiresInMs).toISOString(),
        at: at.toISOString(),
      },
      commandId: `request:${overrideId}`,
      correlationId: request.intentId,
      at,
    });
    return this.overrideView(overrideId);
  }

  async overrideApprove(request: OverrideApproveRequest): Promise<OverrideView> {
    const at = this.projection.clock.now();
    if (!this.projection.overrides.has(request.overrideId)) throw new DomainError('OVERRIDE_NOT_FOUND', `override ${request.overrideId} does not exist`);
    await this.decideAndSettle(request, {
      streamId: riskStreams.override(request.overrideId),
      decider: overrideDecider,
      command: { type: 'ApproveOverride', approvedBy: request.actor, role: request.role, at: at.toISOString() },
      at,
    });
    return this.overrideView(request.overrideId);
  }

  private overrideView(overrideId: string): OverrideView {
    const state = this.projection.overrides.get(overrideId);
    if (!state || state.status === 'none') throw new DomainError('OVERRIDE_NOT_FOUND', `override ${overrideId} does not exist`);
    return {
      overrideId,
      status: state.status,
      clientOrderId: state.request.clientOrderId,
      controls: [...state.request.controls],
      expiresAt: state.request.expiresAt,
      requestedBy: state.request.requestedBy,
      ...('approvedBy' in state ? { approvedBy: state.approvedBy } : {}),
    };
  }

  async autoModeOn(request: AutoModeOnRequest): Promise<RiskStateView['autoMode']> {
    const at = this.projection.clock.now();
    await this.decideAndSettle(request, {
      streamId: riskStreams.autoMode(this.options.accountId),
      decider: autoModeDecider,
      command: {
        type: 'EnableAutoMode',
        accountId: this.options.accountId,
        mode: this.options.mode,
        actor: request.actor,
        role: request.role,
        reason: request.reason,
        limits: this.projection.book.accountLimits?.autoMode ?? null,
        // Operations computes readiness gates later; until then none passes, so only SIMULATED turns on.
        readinessGate: null,
        at: at.toISOString(),
      },
      at,
    });
    return this.state().autoMode;
  }

  async autoModeOff(request: AutoModeOffRequest): Promise<RiskStateView['autoMode']> {
    const at = this.projection.clock.now();
    await this.decideAndSettle(request, {
      streamId: riskStreams.autoMode(this.options.accountId),
      decider: autoModeDecider,
      command: { type: 'DisableAutoMode', cause: 'operator', detail: request.reason, actor: request.actor, at: at.toISOString() },
      at,
    });
    return this.state().autoMode;
  }

  async recordDrill(request: RecordDrillRequest): Promise<{ recorded: true }> {
    const report: DrillCompletedData = request.report;
    const at = new Date();
    await this.writer.append(riskStreams.drills(report.drill), 'any', [{ type: 'DrillCompleted', data: report }], { actor: request.actor, commandId: newId(), at });
    return { recorded: true };
  }

  /**
   * An operator control: decided on its aggregate, appended as the requesting actor, and answered only
   * once the book has folded it (read your writes). A repeated `requestId` writes nothing new.
   */
  private async decideAndSettle<Command, Event extends DomainEvent, State>(
    request: { actor: string; requestId?: string },
    input: { streamId: string; decider: AggregateDecider<Command, Event, State>; command: Command; at: Date; commandId?: string; correlationId?: string },
  ): Promise<HandledCommand<Event, State>> {
    // A command id of the control's own (an override's request) stands over the caller's requestId.
    const result = await this.writer.run({ actor: request.actor, ...(request.requestId ? { commandId: request.requestId } : {}), ...input });
    await this.projection.settle();
    return result;
  }

  // ---- state ------------------------------------------------------------------------------------

  state(): RiskStateView {
    const projection = this.projection;
    const autoMode = projection.autoMode;
    const limits = projection.limitsChange;
    return {
      accountId: this.options.accountId,
      mode: this.options.mode,
      tradingStates: this.tradingStateRows(),
      readiness: this.readinessView(),
      killSwitches: Object.entries(projection.killSwitch.engaged).map(([scope, engagement]) => ({ scope, ...engagement })),
      breakers: [...projection.breakerBoards.entries()].flatMap(([scope, board]) =>
        Object.entries(board.tripped).map(([breaker, tripped]) => ({ scope, breaker, value: tripped!.value, bound: tripped!.bound, action: tripped!.action, at: tripped!.at, coolDownMs: tripped!.coolDownMs })),
      ),
      disabledStrategies: [...projection.strategies.entries()].flatMap(([strategy, state]) => (state.status === 'disabled' ? [{ strategy, cause: state.cause, since: state.since }] : [])),
      autoMode:
        autoMode.status === 'on'
          ? { status: 'on', mode: autoMode.mode, enabledBy: autoMode.enabledBy }
          : { status: 'off', lastDisabled: autoMode.lastDisabled },
      limits: limits ? { configured: true, effectiveAt: limits.effectiveAt, changedBy: limits.actor, reason: limits.reason, changes: projection.limitsChanges } : { configured: false },
      emergencyStops: [...projection.emergencyStops.keys()].map((stopId) => this.emergencyStopView(stopId)!).filter(Boolean),
      workingOrders: projection.book.workingById.size,
      positions: projection.allPositions().map((position) => ({ strategy: position.strategy, symbol: position.symbol, quantity: position.quantity.toFixed() })),
      equity: projection.equity?.toFixed() ?? null,
      referencePrices: projection.referenceSymbols().map((symbol) => {
        const reference = projection.book.referencePrice(symbol)!;
        return { symbol, mid: reference.mid.toFixed(), at: new Date(reference.atMs).toISOString() };
      }),
      checkpoint: projection.checkpoint,
    };
  }

  /** One row per source that holds a scope: the board's (people, breakers) and the account's readiness. */
  private tradingStateRows(): RiskStateView['tradingStates'] {
    const projection = this.projection;
    const rows: RiskStateView['tradingStates'] = [...projection.tradingBoard.entries()].map(([scope, state]) => ({ scope, status: state.status, cause: state.cause, since: state.since }));
    const readiness = projection.readinessState();
    if (readiness) {
      rows.push({ scope: projection.accountTradingScope, status: readiness.status, cause: readiness.cause, since: projection.readiness?.at ?? null, reason: readiness.reason, source: 'readiness' });
    }
    return rows;
  }

  private readinessView(): RiskStateView['readiness'] {
    const recorded = this.projection.readiness;
    return {
      enforced: this.projection.readinessState() !== null,
      ready: recorded?.ready ?? null,
      reasons: recorded ? [...recorded.reasons] : [],
      at: recorded?.at ?? null,
    };
  }

  // ---- reactions ------------------------------------------------------------------------------

  private react(event: RecordedEvent, live: boolean): void {
    if (!live || this.closing) return;
    switch (event.type) {
      case 'KillSwitchEngaged':
        this.canceller.sweep();
        return;
      case 'TradingStateChanged':
        if ((event.data as { to: string }).to === 'HALTED') this.canceller.sweep();
        return;
      case 'WorkingOrdersCancelRequested': {
        const data = event.data as WorkingOrdersCancelRequestedData;
        this.canceller.cancelListed(data.clientOrderIds, `${data.cause} (${data.scope})`);
        this.canceller.sweep();
        return;
      }
      default:
        return;
    }
  }

  private reactToOrder(order: TrackedOrder, live: boolean): void {
    if (!live || this.closing) return;
    this.canceller.consider(order);
    const last = order.state;
    if (last.status !== 'NotInitialized' && order.strategy && 'fills' in last && last.fills.filledQuantity.greaterThan(0)) this.observeFills(order.strategy);
  }

  /** C6: more than N fills of a strategy within the window disables it until a person re-enables it. */
  private observeFills(strategy: string): void {
    const throttle = this.projection.book.accountLimits?.throttles.repeatedExecution;
    const state = this.projection.strategies.get(strategy);
    if (!throttle || state?.status === 'disabled') return;
    const previous = this.strategyChecks.get(strategy) ?? Promise.resolve();
    const next = previous
      .then(async () => {
        const at = this.projection.clock.now();
        await this.writer.run({
          streamId: riskStreams.strategy(strategy),
          decider: strategyExecutionDecider,
          command: { type: 'ObserveStrategyFills', strategy, fillTimes: [...(this.projection.strategyFillTimes.get(strategy) ?? [])], maxFills: throttle.maxFills, windowMs: throttle.windowMs, at: at.toISOString() },
          actor: ACTOR,
          at,
        });
      })
      .catch((error: unknown) => this.logger.error({ err: error, strategy }, `the repeated-execution throttle of ${strategy} could not be evaluated`));
    this.strategyChecks.set(strategy, next);
  }

  /** Alerts of denials are recorded in order, off the check's path. */
  private raise(alerts: readonly AlertRaisedData[], clientOrderId: string): void {
    if (alerts.length === 0) return;
    const inputs: EventInput[] = alerts.map((alert) => ({
      id: deterministicId('risk.alert', alert.dedupeKey, clientOrderId),
      type: 'AlertRaised',
      data: alert,
      metadata: { correlationId: clientOrderId, causationId: null, actor: ACTOR, ...traceMetadata() },
      occurredAt: alert.at,
    }));
    this.alertQueue = this.alertQueue
      .then(() => this.store.append(riskStreams.alerts(this.options.accountId), 'any', inputs))
      .then(() => undefined)
      .catch((error: unknown) => this.logger.error({ err: error, alerts }, 'a risk alert could not be recorded'));
  }

  /**
   * Default deny stops every order until limits exist; in SIMULATED and SANDBOX_PAPER the first start
   * applies a sensible file (SANDBOX_PAPER's is more conservative). LIVE never gets limits nobody chose.
   */
  private async seedLimits(): Promise<void> {
    const file = this.options.seedLimitsFile;
    const mode = this.options.mode;
    if (this.projection.limitsChange !== null) return;
    if (mode === 'LIVE') {
      this.logger.warn({ accountId: this.options.accountId }, "no risk limits are configured for LIVE and none are seeded: every order is denied until a person sets them with 'tollgate limits set'");
      return;
    }
    if (file === false) return;
    if (!existsSync(file)) {
      this.logger.warn({ file }, `no limits are configured and the seed file ${file} does not exist: every order is denied until 'tollgate limits set'`);
      return;
    }
    let limits: RiskLimits;
    try {
      limits = forAccount(parseRiskLimitsText(readFileSync(file, 'utf8')), this.options.accountId);
    } catch (error) {
      const detail = error instanceof ValidationError ? error.issues.join('; ') : error instanceof Error ? error.message : String(error);
      this.logger.error({ file }, `the seed limits file ${file} was refused: ${detail}; every order is denied until 'tollgate limits set'`);
      return;
    }
    const at = this.projection.clock.now();
    try {
      await this.writer.append(
        riskStreams.limits,
        'no-stream',
        // In force from the start of the record: a simulation may replay market time from any year.
        [{ type: 'RiskLimitsChanged', data: { actor: BOOTSTRAP_ACTOR, reason: `default ${mode} limits seeded from ${file} at first start (no limits existed)`, effectiveAt: SEEDED_LIMITS_EFFECTIVE_AT, limits } }],
        { actor: BOOTSTRAP_ACTOR, commandId: 'seed-limits', at },
      );
    } catch (error) {
      // Another process seeded (or an operator set limits) first: theirs stand.
      if (!(error instanceof WrongExpectedVersionError)) throw error;
    }
    await this.projection.settle();
    this.logger.info({ file, accountId: this.options.accountId }, `seeded the default ${mode} risk limits`);
  }
}

/** The seed file's `default` account stands for whichever account this system runs. */
function forAccount(limits: RiskLimits, accountId: string): RiskLimits {
  if (limits.accounts[accountId] || !limits.accounts.default) return limits;
  const { default: template, ...others } = limits.accounts;
  return { ...limits, accounts: { ...others, [accountId]: template } };
}
