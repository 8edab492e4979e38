import { commandSubjects, type EmergencyExitOrder } from '@tollgate/contracts';
import type { ExchangeCalendar } from '@tollgate/domain/calendar';
import { positionExitDecider, type PositionExitCommand } from '@tollgate/domain/exit-rules';
import { emergencyStopDecider, positionKey, type EmergencyStopCommand, type ExitPricing } from '@tollgate/domain/kill-switch';
import { terminalStatuses } from '@tollgate/domain/order';
import { dec, decString, Rounding } from '@tollgate/kernel';
import type { Bus } from '@tollgate/messaging';
import type { Logger } from '@tollgate/telemetry';
import type { RiskEventWriter } from './event-writer';
import type { RiskProjection } from './risk-projection';
import { emergencyPositionId, riskStreams } from './risk-streams';

export interface EmergencyStopRunnerOptions {
  /** How long the stop waits for the cancels in its scope to be confirmed before it sends exits anyway. */
  cancelWaitMs: number;
  /** How long the stop keeps working before it concludes and says what is left. */
  deadlineMs: number;
  pollMs: number;
}

const ACTOR = 'system:risk';

/**
 * Carries out a started emergency stop: waits until every cancel in the scope is confirmed (otherwise
 * the working orders still count and an exit is not "reducing"), then submits each collared exit
 * through the execution path as an `EmergencyExit` of its position, records progress whenever an exit
 * ends or a position moves (re-planning an exit that ended unfilled, up to the stop's attempts), and
 * completes flat — or at the deadline, incomplete with an alert saying what is left.
 */
export class EmergencyStopRunner {
  private readonly running = new Map<string, Promise<void>>();
  private readonly phases = new Map<string, string>();
  private closing = false;

  constructor(
    private readonly bus: Bus,
    private readonly projection: RiskProjection,
    private readonly writer: RiskEventWriter,
    private readonly logger: Logger,
    private readonly calendar: ExchangeCalendar,
    private readonly options: EmergencyStopRunnerOptions,
  ) {}

  phase(stopId: string): string {
    const stop = this.projection.emergencyStops.get(stopId);
    if (stop?.state.status === 'completed') return `completed ${stop.outcome ?? ''}`.trim();
    return this.phases.get(stopId) ?? (stop ? 'not running in this process' : 'unknown');
  }

  /** Runs (or resumes, after a restart) a stop; a second call for a running stop joins it. */
  run(stopId: string): Promise<void> {
    let run = this.running.get(stopId);
    if (!run) {
      run = this.drive(stopId)
        .catch((error: unknown) => this.logger.error({ err: error, stopId }, `emergency stop ${stopId} failed while running; it must be concluded by a person`))
        .finally(() => this.running.delete(stopId));
      this.running.set(stopId, run);
    }
    return run;
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.allSettled([...this.running.values()]);
  }

  pricingFor(symbols: Iterable<string>): Record<string, ExitPricing> {
    const pricing: Record<string, ExitPricing> = {};
    const book = this.projection.book;
    for (const symbol of symbols) {
      const reference = book.referencePrice(symbol);
      const tickSize = book.tickSize(symbol);
      const collar = book.accountLimits?.instrument(symbol)?.collar;
      if (reference && tickSize && collar) pricing[symbol] = { mid: reference.mid, tickSize, collarPercent: collar.percent };
    }
    return pricing;
  }

  private async drive(stopId: string): Promise<void> {
    const deadline = Date.now() + this.options.deadlineMs;
    const stop = () => this.projection.emergencyStops.get(stopId);
    const started = stop();
    if (!started) throw new Error(`emergency stop ${stopId} is not in the store`);
    const scope = started.started.scope;

    this.phases.set(stopId, 'waiting for the cancels in scope');
    const cancelDeadline = Date.now() + this.options.cancelWaitMs;
    while (this.projection.workingOrdersInScope(scope).length > 0 && Date.now() < cancelDeadline && !this.closing) await this.pause();
    const stillWorking = this.projection.workingOrdersInScope(scope).length;
    if (stillWorking > 0) this.logger.error({ stopId, stillWorking }, `emergency stop ${stopId}: ${stillWorking} orders in ${scope} were not confirmed cancelled; sending exits anyway`);

    this.phases.set(stopId, 'exits working');
    for (const order of started.flattenOrders) await this.submit(stopId, order);

    let lastWorking = this.workingExits(stopId);
    let lastPositions = this.positionsFingerprint(scope);
    while (!this.closing) {
      const current = stop();
      if (!current || current.state.status !== 'running') break;
      const positions = this.projection.positionsInScope(scope);
      const working = this.workingExits(stopId);
      const fingerprint = this.positionsFingerprint(scope);
      const exitEnded = [...lastWorking].some((id) => !working.has(id));
      if (positions.length === 0 || exitEnded || fingerprint !== lastPositions) {
        const now = this.projection.clock.now().toISOString();
        const command: EmergencyStopCommand = {
          type: 'RecordEmergencyStopProgress',
          positions,
          workingExitOrders: [...working],
          pricing: this.pricingFor(positions.map((position) => position.symbol)),
          at: now,
        };
        const result = await this.decide(stopId, command);
        for (const event of result) {
          if (event.type === 'EmergencyStopProgress') for (const order of event.data.flattenOrders) await this.submit(stopId, order);
          if (event.type === 'EmergencyStopCompleted' && event.data.outcome === 'flat') await this.completeExits(stopId);
        }
        lastWorking = this.workingExits(stopId);
        lastPositions = fingerprint;
        continue;
      }
      if (Date.now() > deadline) {
        await this.decide(stopId, { type: 'ConcludeEmergencyStop', positions, at: this.projection.clock.now().toISOString() });
        break;
      }
      await this.pause();
    }
    this.phases.delete(stopId);
  }

  private async decide(stopId: string, command: EmergencyStopCommand) {
    const result = await this.writer.run({
      streamId: riskStreams.emergencyStop(stopId),
      decider: emergencyStopDecider,
      command,
      actor: ACTOR,
      correlationId: stopId,
      at: new Date(command.at),
    });
    await this.projection.settle();
    return result.events;
  }

  /** Exit orders of the stop that may still fill: not yet recorded by execution, or not in a terminal status. */
  private workingExits(stopId: string): Set<string> {
    const working = new Set<string>();
    const stop = this.projection.emergencyStops.get(stopId);
    for (const planned of stop?.flattenOrders ?? []) {
      const order = this.projection.orderByIntent(planned.clientOrderId);
      if (!order || !terminalStatuses.includes(order.state.status as never)) working.add(planned.clientOrderId);
    }
    return working;
  }

  private positionsFingerprint(scope: string): string {
    return this.projection
      .positionsInScope(scope)
      .map((position) => `${positionKey(position)}=${String(position.quantity)}`)
      .sort()
      .join(',');
  }

  /** Records the exit as its position's EmergencyExit (abandoning an earlier attempt), then sends it through execution. */
  private async submit(stopId: string, order: EmergencyExitOrder): Promise<void> {
    if (this.projection.orderByIntent(order.clientOrderId)) return;
    const positionId = emergencyPositionId(stopId, order);
    const at = this.projection.clock.now();
    const reference = this.projection.book.referencePrice(order.symbol);
    const spreadBps =
      reference?.bid && reference.ask && reference.mid.greaterThan(0) ? decString(Rounding.basisPoints(reference.ask.minus(reference.bid).div(reference.mid).times(10_000))) : null;
    const exit = async (command: PositionExitCommand) =>
      this.writer.run({ streamId: riskStreams.positionExit(positionId), decider: positionExitDecider, command, actor: ACTOR, correlationId: stopId, commandId: `${command.type}:${order.clientOrderId}`, at });
    const previous = this.projection.emergencyStops
      .get(stopId)
      ?.flattenOrders.filter((planned) => positionKey(planned) === positionKey(order) && planned.attempt === order.attempt - 1)[0];
    try {
      if (previous) await exit({ type: 'AbandonExit', positionId, exitIntentId: previous.clientOrderId, reason: `attempt ${previous.attempt} ended without flattening the position`, at: at.toISOString() });
    } catch (error) {
      this.logger.warn({ err: error, stopId, positionId }, `emergency stop ${stopId}: the earlier exit of ${positionId} could not be abandoned`);
    }
    await exit({
      type: 'ForceEmergencyExit',
      positionId,
      exitIntentId: order.clientOrderId,
      symbol: order.symbol,
      side: order.side,
      quantity: dec(order.quantity),
      orderType: 'limit',
      limitPrice: dec(order.limitPrice),
      detail: `emergency stop ${stopId} (attempt ${order.attempt}): collared marketable limit`,
      actor: ACTOR,
      at: at.toISOString(),
      cause: 'emergency_stop',
      spreadBps: spreadBps === null ? null : dec(spreadBps),
      duringMarketHours: this.marketOpen(at),
    });
    try {
      await this.bus.request(
        commandSubjects.execution.placeOrder,
        {
          intentId: order.clientOrderId,
          intentKind: 'emergency',
          symbol: order.symbol,
          side: order.side,
          type: 'limit',
          quantity: order.quantity,
          limitPrice: order.limitPrice,
          timeInForce: order.timeInForce,
          strategy: order.strategy,
          actor: ACTOR,
        },
        { timeoutMs: 10_000 },
      );
    } catch (error) {
      // The order may or may not exist now; progress sees it (or its absence) and re-plans.
      this.logger.error({ err: error, stopId, clientOrderId: order.clientOrderId }, `emergency stop ${stopId}: exit for ${order.symbol} was not placed`);
    }
  }

  private async completeExits(stopId: string): Promise<void> {
    const stop = this.projection.emergencyStops.get(stopId);
    if (!stop) return;
    const latest = new Map<string, EmergencyExitOrder>();
    for (const order of stop.flattenOrders) {
      const key = positionKey(order);
      if ((latest.get(key)?.attempt ?? 0) < order.attempt) latest.set(key, order);
    }
    const at = this.projection.clock.now().toISOString();
    for (const order of latest.values()) {
      const positionId = emergencyPositionId(stopId, order);
      await this.writer
        .run({
          streamId: riskStreams.positionExit(positionId),
          decider: positionExitDecider,
          command: { type: 'CompleteExit', positionId, exitIntentId: order.clientOrderId, at },
          actor: ACTOR,
          correlationId: stopId,
          commandId: `CompleteExit:${order.clientOrderId}`,
          at: new Date(at),
        })
        .catch((error: unknown) => this.logger.warn({ err: error, positionId }, `emergency stop ${stopId}: exit of ${positionId} could not be completed`));
    }
  }

  private marketOpen(at: Date): boolean {
    try {
      return this.calendar.isMarketOpen(at);
    } catch {
      return false;
    }
  }

  private pause(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, this.options.pollMs).unref());
  }
}
