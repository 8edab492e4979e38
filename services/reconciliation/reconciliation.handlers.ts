import { setTimeout as delay } from 'node:timers/promises';
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { BrokerPort, BrokerUpdate } from '@tollgate/contracts';
import type { ReconciliationPolicies } from '@tollgate/domain/reconciliation';
import type { RetryPolicy } from '@tollgate/domain/sync';
import type { EventStore } from '@tollgate/event-store';
import { InjectEventStore, InjectLogger } from '@tollgate/nest';
import type { Logger } from '@tollgate/telemetry';
import type {
  AcknowledgeBreakRequest,
  BreakChangeResponse,
  ReconcileRequest,
  ReconcileResponse,
  ReconciliationStatusView,
  ResolveBreakRequest,
} from './reconciliation.commands';
import { ReconciliationRunner } from './reconciliation-runner';

export const RECONCILIATION_OPTIONS = Symbol('tollgate:reconciliation-options');
export const RECONCILIATION_BROKER = Symbol('tollgate:reconciliation-broker');

export interface ReconciliationOptions {
  accountId: string;
  /** SIMULATED mode: the venue is the simulated exchange (its account opening is the cash baseline). */
  simulatedVenue: boolean;
  /** Per broker query, before the run records SyncFailed. */
  retry: RetryPolicy;
  policies?: ReconciliationPolicies;
  /** Between periodic runs once trading is ready. */
  syncIntervalMs: number;
  /** Between start-up runs while the broker cannot be read (the sync failed or would not hold still). */
  startupRetryMs: number;
  /** How long the start-up run waits for the broker's update stream before going ahead. */
  streamWaitMs: number;
  visibilityGraceMs: number;
  followUps: number;
}

/**
 * The sync + reconciliation service: at start it records that trading is not ready, then syncs and
 * reconciles (again while the broker cannot be read), on every reconnect of the broker's update stream,
 * periodically, and on demand. Readiness changes are recorded as TradingReadinessChanged; SyncFailed,
 * breaks and ReconciliationPassed are recorded by each run.
 */
@Injectable()
export class ReconciliationHandlers implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly runner: ReconciliationRunner;
  private readonly background = new Set<Promise<unknown>>();
  private unsubscribe: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private periodicQueued = false;
  private closing = false;
  private readonly stopping = new AbortController();

  constructor(
    @InjectEventStore() store: EventStore,
    @InjectLogger() private readonly logger: Logger,
    @Inject(RECONCILIATION_BROKER) private readonly port: BrokerPort,
    @Inject(RECONCILIATION_OPTIONS) private readonly options: ReconciliationOptions,
  ) {
    this.runner = new ReconciliationRunner(store, port, {
      accountId: options.accountId,
      simulatedVenue: options.simulatedVenue,
      retry: options.retry,
      ...(options.policies ? { policies: options.policies } : {}),
      visibilityGraceMs: options.visibilityGraceMs,
      followUps: options.followUps,
      logger,
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.runner.start();
    // Whatever the log said before this start, trading waits for this process's own sync and reconciliation.
    await this.runner.recordReadiness({ startup: true });
    this.unsubscribe = this.port.onUpdate((update) => this.onBrokerUpdate(update));
    // In the background: in one process the simulated exchange answers only once every service listens.
    this.track(this.startUp());
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    this.stopping.abort();
    if (this.timer) clearInterval(this.timer);
    this.unsubscribe?.();
    // The runner first: stopping it cuts its retry waits short, so the background work it runs ends promptly.
    await this.runner.stop();
    await Promise.allSettled([...this.background]);
    await this.port.close().catch(() => undefined);
  }

  // ---- requests -------------------------------------------------------------------------------

  reconcile(request: ReconcileRequest): Promise<ReconcileResponse> {
    return this.runner.run({ trigger: 'on_demand', adopt: request.adopt, requestedBy: request.actor, ...(request.reason ? { reason: request.reason } : {}) });
  }

  status(): ReconciliationStatusView {
    const { state } = this.runner.books.sync;
    return {
      accountId: this.options.accountId,
      broker: this.port.name,
      readiness: this.runner.readiness(),
      sync: {
        fillCursor: state.fillCursor,
        connection: state.connection,
        consecutiveFailures: state.consecutiveFailures,
        totalFailures: state.totalFailures,
        lastCompletedAt: state.lastCompletedAt,
      },
      lastRun: this.runner.lastRun,
      openBreaks: this.runner.openBreakViews(),
    };
  }

  async acknowledgeBreak(request: AcknowledgeBreakRequest): Promise<BreakChangeResponse> {
    return this.runner.acknowledgeBreak(request.breakId, request.actor, request.note);
  }

  async resolveBreak(request: ResolveBreakRequest): Promise<BreakChangeResponse> {
    const answer = await this.runner.resolveBreak(request.breakId, request.actor, request.reason);
    // Whether the difference is really gone is for the next run to say (it reopens a break if not).
    this.track(this.runner.run({ trigger: 'on_demand' }));
    return answer;
  }

  // ---- triggers -------------------------------------------------------------------------------

  private async startUp(): Promise<void> {
    const port = this.port as BrokerPort & { whenStreamListening?: (timeoutMs?: number) => Promise<boolean> };
    const listening = port.whenStreamListening ? await port.whenStreamListening(this.options.streamWaitMs) : true;
    // A disconnect recorded by an earlier process says nothing about this process's connection.
    if (listening && this.runner.books.sync.state.connection === 'disconnected') await this.runner.recordConnection('reconnected');
    while (!this.closing) {
      try {
        const answer = await this.runner.run({ trigger: 'startup' });
        if (answer.status !== 'unknown') break;
      } catch (error) {
        this.logger.error({ err: error }, 'the start-up sync and reconciliation failed; trying again');
      }
      await delay(this.options.startupRetryMs, undefined, { signal: this.stopping.signal, ref: false }).catch(() => undefined);
    }
    if (this.closing) return;
    this.timer = setInterval(() => this.periodic(), this.options.syncIntervalMs);
    this.timer.unref();
  }

  /** One periodic run at a time: while one waits or runs (a slow broker), the next tick adds nothing. */
  private periodic(): void {
    if (this.periodicQueued || this.closing) return;
    this.periodicQueued = true;
    this.track(this.runner.run({ trigger: 'periodic' }).finally(() => (this.periodicQueued = false)));
  }

  private onBrokerUpdate(update: BrokerUpdate): void {
    if (this.closing) return;
    if (update.kind === 'disconnected') {
      this.logger.warn({ reason: update.reason }, 'the broker update stream is down: trading is not ready until it is back and synced');
      this.track(this.runner.recordConnection('disconnected', update.reason));
    } else if (update.kind === 'reconnected') {
      // Fills made while the stream was down come back through the sync's backfill.
      this.track(this.runner.recordConnection('reconnected').then(() => this.runner.run({ trigger: 'reconnect' })));
    }
  }

  private track(work: Promise<unknown>): void {
    this.background.add(work);
    void work
      .catch((error: unknown) => this.logger.error({ err: error }, 'reconciliation background work failed'))
      .finally(() => this.background.delete(work));
  }
}
