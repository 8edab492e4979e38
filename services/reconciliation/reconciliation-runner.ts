import { setTimeout as delay } from 'node:timers/promises';
import { handleCommand } from '@tollgate/application';
import { crashAt, CRASH_POINTS, runBrokerSync } from '@tollgate/brokers';
import type { BrokerOrder, BrokerPort, EventInput, ReconciliationBreakClass, RecordedEvent, SyncTrigger } from '@tollgate/contracts';
import { orderDecider, orderStreamId, type OrderCommand } from '@tollgate/domain/order';
import {
  decideBreak,
  defaultPolicies,
  evolveBreak,
  initialBreakState,
  OurBooks,
  reconcile,
  withoutInFlight,
  type BreakCommand,
  type BreakEvent,
  type BreakState,
  type ReconciliationEvent,
  type ReconciliationOutcome,
  type ReconciliationPolicies,
  type ReconciliationTolerances,
} from '@tollgate/domain/reconciliation';
import { decideSync, tradingReadiness, unknown, type ReconciliationStanding, type RetryPolicy, type SyncCommand, type SyncEvent } from '@tollgate/domain/sync';
import { WrongExpectedVersionError, type EventStore, type Subscription } from '@tollgate/event-store';
import { deterministicId, DomainError, newId } from '@tollgate/kernel';
import type { BreakChangeResponse, OpenBreakView, ReadinessView, ReconcileResponse, SyncSummary } from './reconciliation.commands';

export const RECONCILIATION_ACTOR = 'system:reconciliation';

/** What the runner logs; pino's shape. */
export interface RunnerLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface ReconciliationRunnerOptions {
  /** Tollgate's name for the account (`account:<id>` scopes, stream ids). */
  accountId: string;
  /** The broker is the simulated exchange: its account opening is the cash baseline. */
  simulatedVenue?: boolean;
  retry: RetryPolicy;
  policies?: ReconciliationPolicies;
  tolerances?: ReconciliationTolerances;
  /** How long after a send the broker may still not show an order. */
  visibilityGraceMs?: number;
  /** Runs after one that adopted something, to confirm the adjustment closed the difference. */
  followUps?: number;
  /** Attempts of a run whose append lost a race with another writer of the sync stream. */
  appendAttempts?: number;
  now?: () => Date;
  logger?: RunnerLogger;
  /**
   * Whether runs record TradingReadinessChanged (default true). Off for a one-off standalone run: the
   * service's own start-up decides readiness, not an operator's check.
   */
  recordsReadiness?: boolean;
}

export interface RunRequest {
  trigger: SyncTrigger;
  /** Classes whose broker truth is adopted in this run (an operator's decision, with a reason). */
  adopt?: readonly ReconciliationBreakClass[];
  requestedBy?: string;
  reason?: string;
}

const silent: RunnerLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * Sync and reconciliation for one account, without Nest: the service runs it at start-up, on every
 * stream reconnect and periodically; `tollgate reconcile --standalone` runs it once. Runs are serialized.
 *
 * One run: catch up with the store → snapshot our books → sync (fills since the cursor, snapshot, lookups,
 * adoption; SyncCompleted and the adopted fills in one append) → apply what lookups say about orders we
 * hold as working (cancelled or expired at the broker) → reconcile our books, as of the snapshot plus the
 * fills the sync fetched, against the broker's snapshot → append breaks, adjustments, quarantines or
 * ReconciliationPassed → record readiness when it changed.
 */
export class ReconciliationRunner {
  readonly books: OurBooks;
  private subscription: Subscription | undefined;
  private waiters: Array<{ position: number; resolve: () => void }> = [];
  private queue: Promise<unknown> = Promise.resolve();
  private standing: ReconciliationStanding = { latest: null, passedSinceStartup: false };
  private lastResponse: ReconcileResponse | null = null;
  private readonly logger: RunnerLogger;
  private readonly now: () => Date;
  private stopped = false;
  private readonly stopping = new AbortController();

  constructor(
    private readonly store: EventStore,
    readonly port: BrokerPort,
    private readonly options: ReconciliationRunnerOptions,
  ) {
    this.books = new OurBooks(options.accountId, { simulatedVenue: options.simulatedVenue ?? false });
    this.logger = options.logger ?? silent;
    this.now = options.now ?? (() => new Date());
  }

  /** Follows the store (history, then live) and resolves once caught up with its head. */
  async start(): Promise<void> {
    this.subscription = this.store.subscribeAll({
      after: 0,
      handler: (event) => this.onEvent(event),
      onError: (error) => this.logger.error({ err: error }, 'reconciliation stopped following the store'),
    });
    await this.caughtUp();
    for (const refused of this.books.refused.splice(0)) this.logger.error(refused, `our books refused event at position ${refused.position}`);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    await this.queue.catch(() => undefined);
    await this.subscription?.stop();
    this.subscription = undefined;
    for (const waiter of this.waiters.splice(0)) waiter.resolve();
  }

  private onEvent(event: RecordedEvent): void {
    this.books.apply({
      streamId: event.streamId,
      streamVersion: event.streamVersion,
      position: event.position,
      type: event.type,
      data: event.data,
      occurredAt: event.occurredAt,
    });
    if (this.waiters.length === 0) return;
    const due = this.waiters.filter((waiter) => waiter.position <= event.position);
    this.waiters = this.waiters.filter((waiter) => waiter.position > event.position);
    for (const waiter of due) waiter.resolve();
  }

  /** Resolves once our books hold every event the store had committed when this was called. */
  private async caughtUp(): Promise<void> {
    const head = await this.store.headPosition();
    if (this.books.position >= head || this.stopped) return;
    await new Promise<void>((resolve) => this.waiters.push({ position: head, resolve }));
  }

  // ---- readiness ------------------------------------------------------------------------------

  readiness(): ReadinessView {
    return tradingReadiness(this.books.sync.state, this.standing);
  }

  get lastRun(): ReconcileResponse | null {
    return this.lastResponse;
  }

  openBreakViews(): OpenBreakView[] {
    return this.books.openBreaks().map((item) => ({
      breakId: item.breakId,
      class: item.class,
      symbol: item.symbol,
      field: item.field,
      ours: item.ours,
      broker: item.broker,
      policy: item.policy,
      status: this.books.breakState(item.breakId).status === 'acknowledged' ? 'acknowledged' : 'open',
    }));
  }

  /**
   * Records TradingReadinessChanged when readiness differs from the last recorded one. `force` records a
   * not-ready answer even if it matches (every start of the service says so: trading waits for it).
   */
  async recordReadiness(options: { startup?: boolean } = {}): Promise<ReadinessView> {
    if (this.options.recordsReadiness === false) return this.readiness();
    await this.caughtUp();
    const readiness: ReadinessView = options.startup
      ? { ready: false, reasons: ['the start-up sync and reconciliation have not passed'] }
      : this.readiness();
    const { last, version } = this.books.readiness;
    if (last && last.ready === readiness.ready && sameList(last.reasons, readiness.reasons)) return readiness;
    const at = this.now().toISOString();
    const id = deterministicId('TradingReadinessChanged', this.options.accountId, version + 1);
    try {
      await this.store.append(this.books.readinessStreamId, version === 0 ? 'no-stream' : version, [
        this.input(id, 'TradingReadinessChanged', { accountId: this.options.accountId, broker: this.port.name, ...readiness, at }, at, id),
      ]);
    } catch (error) {
      // Another process recorded readiness meanwhile; the next run records ours if it still differs.
      if (!(error instanceof WrongExpectedVersionError)) throw error;
    }
    if (!options.startup) this.logger.info({ ready: readiness.ready, reasons: readiness.reasons }, readiness.ready ? 'trading is ready' : 'trading is not ready');
    return readiness;
  }

  /** The broker's stream went down or came back: recorded on the sync stream (a reconnect requires a new sync). */
  async recordConnection(kind: 'disconnected' | 'reconnected', reason = ''): Promise<void> {
    const base = { accountId: this.options.accountId, broker: this.port.name, now: this.now().toISOString() };
    const command: SyncCommand = kind === 'disconnected' ? { ...base, type: 'RecordDisconnect', reason } : { ...base, type: 'RecordReconnect' };
    await this.appendSync(command);
    await this.recordReadiness();
  }

  private async appendSync(command: SyncCommand): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      await this.caughtUp();
      const { state, version } = this.books.sync;
      const events = decideSync(command, state);
      if (events.length === 0) return;
      try {
        await this.store.append(this.books.syncStreamId, version === 0 ? 'no-stream' : version, events.map((event) => this.produced(event, command.accountId)));
        return;
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError) || attempt >= 5) throw error;
      }
    }
  }

  // ---- runs -----------------------------------------------------------------------------------

  /** Sync + reconcile, serialized with every other run; a run that adopted something is followed by one that checks it. */
  run(request: RunRequest): Promise<ReconcileResponse> {
    const work = this.queue.then(() => this.runWithFollowUps(request));
    this.queue = work.catch(() => undefined);
    return work;
  }

  private async runWithFollowUps(request: RunRequest): Promise<ReconcileResponse> {
    let runs = 1;
    let response = await this.runOnce(request);
    // The adjustment has to reach our books before a run can pass; the follow-up runs with the policies in force.
    while (response.adopted && runs <= (this.options.followUps ?? 2)) {
      runs += 1;
      response = await this.runOnce({ trigger: request.trigger });
    }
    const answer: ReconcileResponse = { ...response.answer, runs };
    this.lastResponse = answer;
    await this.recordReadiness();
    return { ...answer, readiness: this.readiness() };
  }

  private async runOnce(request: RunRequest): Promise<{ answer: ReconcileResponse; adopted: boolean }> {
    const attempts = this.options.appendAttempts ?? 3;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.attempt(request);
      } catch (error) {
        // Another writer moved the sync stream between our read and our append: decide again on fresh state.
        if (!(error instanceof WrongExpectedVersionError) || attempt >= attempts) throw error;
        this.logger.warn({ err: error, attempt }, 'sync append lost a race with another writer; running again');
      }
    }
  }

  private async attempt(request: RunRequest): Promise<{ answer: ReconcileResponse; adopted: boolean }> {
    const started = Date.now();
    await this.caughtUp();
    const base = this.books.snapshot();
    const { state: syncState, version: syncVersion } = this.books.sync;
    const syncId = newId();
    const unknownSubmits = this.books.unknownSubmits();
    const result = await runBrokerSync({
      port: this.port,
      accountId: this.options.accountId,
      syncId,
      trigger: request.trigger,
      state: syncState,
      ledger: {
        isOurClientOrderId: (id) => this.books.isOurClientOrderId(id),
        isRecorded: (fillId) => this.books.hasFill(fillId),
        ourOpenClientOrderIds: this.books.workingClientOrderIds(),
      },
      unknownSubmits,
      retry: this.options.retry,
      visibilityGraceMs: this.options.visibilityGraceMs ?? 5_000,
      now: this.now,
      // Stopping cuts a retry's wait short by failing the run: nothing is appended, so a shutdown never records a SyncFailed.
      sleep: (milliseconds) => delay(milliseconds, undefined, { signal: this.stopping.signal, ref: false }),
    });
    crashAt(CRASH_POINTS.syncBeforeAppend);
    await this.store.append(
      this.books.syncStreamId,
      syncVersion === 0 ? 'no-stream' : syncVersion,
      result.events.map((event) => this.produced(event, syncId)),
    );
    const completed = result.events.find((event) => event.type === 'SyncCompleted');
    const failed = result.events.find((event) => event.type === 'SyncFailed');
    const sync: SyncSummary = {
      syncId,
      trigger: request.trigger,
      outcome: result.outcome,
      fillsFetched: completed?.type === 'SyncCompleted' ? completed.data.fillsFetched : 0,
      fillsAdopted: completed?.type === 'SyncCompleted' ? completed.data.fillsAdopted : 0,
      foreignFills: completed?.type === 'SyncCompleted' ? completed.data.foreignFills : 0,
      unknownSubmits: unknownSubmits.length,
      ordersClosedFromLookup: 0,
      durationMs: 0,
      ...(failed?.type === 'SyncFailed' ? { failure: { query: failed.data.query, attempts: failed.data.attempts, lastError: failed.data.lastError } } : {}),
    };
    if (result.outcome === 'failed') {
      this.logger.warn({ syncId, failure: sync.failure }, `sync failed: ${sync.failure?.query} did not answer after ${sync.failure?.attempts} attempts`);
    }

    // What the broker says about orders we hold as working, applied to the order (its own decider refuses anything illegal).
    sync.ordersClosedFromLookup = await this.closeOrdersFromLookups(result.orderUpdates);
    await this.caughtUp();

    const reconciliationId = newId();
    const now = this.now().toISOString();
    const fetched = new Set(result.brokerView.known ? result.brokerView.value.fills.map((fill) => fill.fillId) : []);
    const { view, inFlight } = this.books.ledgerView(base, fetched);
    const policies: ReconciliationPolicies = { ...(this.options.policies ?? defaultPolicies) };
    const notes: Partial<Record<ReconciliationBreakClass, string>> = {};
    for (const adopted of request.adopt ?? []) {
      policies[adopted] = 'adopt';
      notes[adopted] = `adopted on request of ${request.requestedBy ?? 'an operator'}: ${request.reason ?? 'no reason given'}`;
    }
    if (!this.books.hasCashBaseline) {
      // Nothing in our books says what cash the account started with: the broker's figure becomes the opening balance, explicitly.
      policies.cash_mismatch = 'adopt';
      notes.cash_mismatch = 'opening balance: Tollgate held no cash figure for this account';
    }
    const outcome = reconcile({
      reconciliationId,
      accountId: this.options.accountId,
      broker: this.port.name,
      now,
      ours: view,
      brokerView: result.brokerView.known ? { known: true, value: withoutInFlight(result.brokerView.value, inFlight) } : unknown(result.brokerView.reason),
      openBreaks: this.books.openBreaks(),
      policies,
      ...(this.options.tolerances ? { tolerances: this.options.tolerances } : {}),
      adoptionNotes: notes,
    });
    crashAt(CRASH_POINTS.reconcileBeforeAppend);
    await this.appendOutcome(outcome, reconciliationId);
    await this.caughtUp();

    const adopted = outcome.events.some((event) => event.type === 'PositionAdjusted' || event.type === 'CashAdjusted' || event.type === 'BrokerFillAdopted');
    this.standing = {
      latest: { status: outcome.status, halt: outcome.halt, checkedAt: now },
      passedSinceStartup: this.standing.passedSinceStartup || outcome.status === 'passed' || (outcome.status === 'breaks' && !outcome.halt && !adopted),
    };
    if (outcome.status !== 'passed') {
      this.logger.warn(
        { reconciliationId, status: outcome.status, breaks: outcome.report.breaks, reason: outcome.report.reason },
        outcome.status === 'unknown' ? `reconciliation could not read the broker: ${outcome.report.reason}` : `reconciliation found ${outcome.report.breaks.length} break(s)`,
      );
    }
    sync.durationMs = Date.now() - started;
    return {
      adopted,
      answer: {
        ...outcome.report,
        status: outcome.status,
        halt: outcome.halt,
        openBreakIds: outcome.openBreaks.map((item) => item.breakId),
        sync,
        readiness: this.readiness(),
        runs: 1,
      },
    };
  }

  /** Orders we hold at the venue that the broker says were cancelled or expired: applied through the order decider. */
  private async closeOrdersFromLookups(orders: readonly BrokerOrder[]): Promise<number> {
    let closed = 0;
    const atVenue = new Map(this.books.ordersAtVenue().map((order) => [order.clientOrderId, order]));
    for (const order of orders) {
      const ours = atVenue.get(order.clientOrderId);
      if (!ours || (order.status !== 'canceled' && order.status !== 'expired')) continue;
      const now = this.now();
      // The same command ids execution uses for a lookup: whichever applies it first, it is applied once.
      const [command, commandId]: [OrderCommand, string] =
        order.status === 'canceled'
          ? [{ type: 'CancelOrder', data: { via: 'lookup' }, metadata: { now } }, `lookup-cancel:${order.brokerOrderId}`]
          : [{ type: 'ExpireOrder', data: { via: 'lookup' }, metadata: { now } }, `lookup-expire:${order.brokerOrderId}`];
      try {
        const handled = await handleCommand({
          store: this.store,
          streamId: orderStreamId(ours.orderId),
          decider: orderDecider,
          command,
          commandId,
          metadata: { correlationId: ours.orderId, actor: RECONCILIATION_ACTOR },
          occurredAt: now,
        });
        if (handled.events.length > 0) closed += 1;
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        this.logger.warn({ err: error, orderId: ours.orderId }, `order ${ours.orderId}: the broker's ${order.status} was refused by the order`);
      }
    }
    return closed;
  }

  /** Appends a run's events stream by stream, in the order decided; every id is derived, so a retry writes nothing twice. */
  private async appendOutcome(outcome: ReconciliationOutcome, reconciliationId: string): Promise<void> {
    const batches: Array<{ streamId: string; events: ReconciliationEvent[] }> = [];
    for (const event of outcome.events) {
      const streamId = this.streamOf(event);
      const last = batches.at(-1);
      if (last && last.streamId === streamId && event.type !== 'BrokerFillAdopted') last.events.push(event);
      else batches.push({ streamId, events: [event] });
    }
    for (const batch of batches) {
      const fresh = batch.events.filter((event) => !(event.type === 'BrokerFillAdopted' && this.books.hasFill(event.data.fillId)));
      if (fresh.length === 0) continue;
      await this.store.append(batch.streamId, 'any', fresh.map((event) => this.produced(event, reconciliationId)));
    }
  }

  private streamOf(event: ReconciliationEvent): string {
    switch (event.type) {
      case 'ReconciliationBreakOpened':
      case 'ReconciliationBreakAcknowledged':
      case 'ReconciliationBreakResolved':
        return `reconciliationbreak-${event.data.breakId}`;
      case 'BrokerFillAdopted':
        return this.books.syncStreamId;
      default:
        return `reconciliation-${this.options.accountId}`;
    }
  }

  // ---- a break's life cycle, by a person ------------------------------------------------------

  async acknowledgeBreak(breakId: string, by: string, note: string): Promise<BreakChangeResponse> {
    return this.changeBreak({ type: 'AcknowledgeBreak', breakId, by, note, now: this.now().toISOString() });
  }

  /** A person resolves a break (they fixed it at the broker, or decided it is no difference). A later run reopens it if it is still there. */
  async resolveBreak(breakId: string, by: string, reason: string): Promise<BreakChangeResponse> {
    return this.changeBreak({ type: 'ResolveBreak', breakId, resolution: 'manual', reason, adjustmentEventId: null, by, now: this.now().toISOString() });
  }

  private async changeBreak(command: BreakCommand): Promise<BreakChangeResponse> {
    const handled = await handleCommand<BreakCommand, BreakEvent, BreakState>({
      store: this.store,
      streamId: `reconciliationbreak-${command.breakId}`,
      decider: { decide: decideBreak, evolve: evolveBreak, initialState: initialBreakState },
      command,
      commandId: newId(),
      metadata: { correlationId: command.breakId, actor: 'by' in command ? command.by : RECONCILIATION_ACTOR },
      occurredAt: this.now(),
    });
    await this.caughtUp();
    const status = handled.state.status;
    if (status === 'none') throw new DomainError('BREAK_NOT_FOUND', `break ${command.breakId} was never opened`);
    return { breakId: command.breakId, status };
  }

  // ---- plumbing -------------------------------------------------------------------------------

  private produced(event: SyncEvent | ReconciliationEvent, correlationId: string): EventInput {
    // An adopted fill is the same event whichever run adopts it: its correlation is the fill itself.
    return this.input(event.id, event.type, event.data, event.occurredAt, event.type === 'BrokerFillAdopted' ? event.data.fillId : correlationId);
  }

  /** Metadata carries nothing run-specific but the correlation id, so re-deciding the same fact writes byte-identical events. */
  private input(id: string, type: string, data: unknown, occurredAt: string, correlationId: string): EventInput {
    return { id, type, data, occurredAt, metadata: { correlationId, causationId: null, actor: RECONCILIATION_ACTOR } };
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, index) => item === b[index]);
}
