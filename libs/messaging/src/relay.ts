import type { RecordedEvent } from '@tollgate/contracts';
import type { EventStore, Subscription } from '@tollgate/event-store';
import { metrics } from '@opentelemetry/api';
import type { Logger } from '@tollgate/telemetry';
import type { Bus } from './bus';
import type { CheckpointStore } from './checkpoint-store';
import { defaultLogger } from './logger';

export interface EventRelayOptions {
  store: EventStore;
  bus: Bus;
  checkpoints: CheckpointStore;
  /** The checkpoint's name. Default 'bus-relay'. */
  name?: string;
  /** Publishes awaiting their ack before the relay waits. Default 256. */
  maxInFlight?: number;
  /** How often the acknowledged position is saved. Default 250 ms; a crash re-publishes at most this much. */
  checkpointIntervalMs?: number;
  /** Pause before reopening after a failed publish. Default 1,000 ms. */
  retryDelayMs?: number;
  logger?: Logger;
}

interface InFlight {
  position: number;
  settled: boolean;
  failed: boolean;
  done: Promise<void>;
}

/**
 * Publishes every committed event to the bus, in position order, from the store (the store is the outbox):
 * `subscribeAll` from the saved checkpoint, then live. Publishes are pipelined (up to `maxInFlight`
 * awaiting acks); the acknowledged position only moves over a contiguous run of acks and is saved
 * periodically, so after a crash the relay re-publishes from a point at or before the last event it had
 * published — duplicates the stream drops by `Nats-Msg-Id` and consumers drop by event id — and loses
 * nothing. A failed publish stops the run and reopens it from the acknowledged position.
 */
export class EventRelay {
  readonly name: string;
  private readonly maxInFlight: number;
  private readonly checkpointIntervalMs: number;
  private readonly retryDelayMs: number;
  private readonly logger: Logger;
  private acknowledged = 0;
  private saved = 0;
  private inFlight: InFlight[] = [];
  private subscription: Subscription | undefined;
  private generation = 0;
  private running = false;
  private checkpointTimer: NodeJS.Timeout | undefined;
  private reopenTimer: NodeJS.Timeout | undefined;
  private saving: Promise<void> = Promise.resolve();
  private readonly commitToAck = metrics.getMeter('@tollgate/messaging').createHistogram('tollgate.relay.commit_to_ack', {
    unit: 'ms',
    description: 'From the event store commit (recordedAt) to the bus acknowledging the publish',
  });

  constructor(private readonly options: EventRelayOptions) {
    this.name = options.name ?? 'bus-relay';
    this.maxInFlight = options.maxInFlight ?? 256;
    this.checkpointIntervalMs = options.checkpointIntervalMs ?? 250;
    this.retryDelayMs = options.retryDelayMs ?? 1_000;
    this.logger = options.logger ?? defaultLogger();
    if (!Number.isInteger(this.maxInFlight) || this.maxInFlight < 1) throw new Error(`maxInFlight must be an integer ≥ 1, got ${this.maxInFlight}`);
  }

  /** Highest position such that it and every position before it are acknowledged by the bus. */
  get publishedPosition(): number {
    return this.acknowledged;
  }

  get savedPosition(): number {
    return this.saved;
  }

  async start(): Promise<void> {
    if (this.running) throw new Error(`relay ${this.name} is already running`);
    this.running = true;
    this.acknowledged = await this.options.checkpoints.load(this.name);
    this.saved = this.acknowledged;
    this.checkpointTimer = setInterval(() => void this.saveCheckpoint(), this.checkpointIntervalMs);
    this.checkpointTimer.unref();
    this.logger.info({ relay: this.name, from: this.acknowledged, bus: this.options.bus.kind }, `relay ${this.name} starts after position ${this.acknowledged}`);
    this.open();
  }

  /** Stops reading, waits for the publishes in flight, and saves the checkpoint. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.generation++;
    clearInterval(this.checkpointTimer);
    clearTimeout(this.reopenTimer);
    await this.subscription?.stop();
    this.subscription = undefined;
    await Promise.all(this.inFlight.map((entry) => entry.done));
    await this.saveCheckpoint();
  }

  private open(): void {
    const generation = ++this.generation;
    this.inFlight = [];
    this.subscription = this.options.store.subscribeAll({
      after: this.acknowledged,
      handler: (event) => this.relay(event, generation),
      onError: (error) => {
        if (generation === this.generation) void this.recover(error, generation);
      },
    });
  }

  private async relay(event: RecordedEvent, generation: number): Promise<void> {
    // Throwing stops this (superseded) subscription; the store then reports it through onError.
    if (generation !== this.generation) throw new SupersededRun();
    const entry: InFlight = { position: event.position, settled: false, failed: false, done: Promise.resolve() };
    entry.done = this.options.bus.publishEvent(event).then(
      () => {
        entry.settled = true;
        this.commitToAck.record(Date.now() - Date.parse(event.recordedAt));
        this.advance();
      },
      (error: unknown) => {
        entry.settled = true;
        entry.failed = true;
        if (generation === this.generation) void this.recover(error, generation);
      },
    );
    this.inFlight.push(entry);
    while (this.inFlight.length >= this.maxInFlight) {
      await this.inFlight[0]!.done;
      if (generation !== this.generation) throw new SupersededRun();
    }
  }

  /** Moves the acknowledged position over the contiguous run of acknowledged publishes. */
  private advance(): void {
    while (this.inFlight.length > 0 && this.inFlight[0]!.settled && !this.inFlight[0]!.failed) {
      this.acknowledged = this.inFlight.shift()!.position;
    }
  }

  private async recover(error: unknown, generation: number): Promise<void> {
    if (error instanceof SupersededRun || generation !== this.generation || !this.running) return;
    this.generation++;
    this.logger.error(
      { err: error, relay: this.name, position: this.acknowledged },
      `relay ${this.name} stopped after position ${this.acknowledged}: ${error instanceof Error ? error.message : String(error)}; retrying in ${this.retryDelayMs} ms`,
    );
    const stopping = this.subscription?.stop();
    this.subscription = undefined;
    await Promise.all(this.inFlight.map((entry) => entry.done));
    this.advance();
    await stopping?.catch(() => undefined);
    if (!this.running) return;
    this.reopenTimer = setTimeout(() => {
      if (this.running) this.open();
    }, this.retryDelayMs);
  }

  private saveCheckpoint(): Promise<void> {
    this.saving = this.saving.then(async () => {
      const position = this.acknowledged;
      if (position <= this.saved) return;
      try {
        await this.options.checkpoints.save(this.name, position);
        this.saved = position;
      } catch (error) {
        this.logger.warn({ err: error, relay: this.name, position }, `relay ${this.name} could not save its checkpoint ${position}; will retry`);
      }
    });
    return this.saving;
  }
}

class SupersededRun extends Error {
  override name = 'SupersededRun';
  constructor() {
    super('relay run superseded');
  }
}
