import type { EventInput, RecordedEvent } from '@tollgate/contracts';
import type { AppendResult, EventStore, ExpectedVersion, ReadAllOptions, ReadStreamOptions, SqlEventStore, SubscribeAllOptions, Subscription } from '@tollgate/event-store';
import type {
  Bus,
  BusSubscription,
  ConsumeEventsOptions,
  MessageHandler,
  PublishEventResult,
  RequestHandler,
  RequestOptions,
  SubscribeOptions,
} from '@tollgate/messaging';

/**
 * Knowing when a step of a simulation is over. Every service reacts asynchronously — a quote fills an
 * order at the exchange, the fill is stored, execution applies it, the store's subscribers fold it,
 * the proposals service completes an exit… — and the next market event must not arrive before all of
 * that has happened, or two runs would interleave differently and decide differently.
 *
 * The bus and the store are wrapped so every request, handler, append and read counts as work in
 * flight; `settle()` returns once nothing is in flight, everything appended is sealed and every store
 * subscriber has folded it, the participants say they are idle, and a few turns of the event loop
 * changed none of that. Work between two such operations only ever waits on promises (microtasks),
 * which the turns drain.
 */
export class ActivityTracker {
  private inFlight = 0;
  private counter = 0;

  get busy(): boolean {
    return this.inFlight > 0;
  }

  /** Grows with every operation; unchanged over a quiet interval means nothing happened in it. */
  get activity(): number {
    return this.counter;
  }

  touch(): void {
    this.counter += 1;
  }

  track<T>(work: () => Promise<T> | T): Promise<T> {
    this.inFlight += 1;
    this.counter += 1;
    let result: Promise<T>;
    try {
      result = Promise.resolve(work());
    } catch (error) {
      result = Promise.reject(error);
    }
    return result.finally(() => {
      this.inFlight -= 1;
      this.counter += 1;
    });
  }
}

/** The bus with every request and every handler's run counted. */
export class TrackedBus implements Bus {
  readonly kind: Bus['kind'];

  constructor(
    readonly inner: Bus,
    private readonly tracker: ActivityTracker,
  ) {
    this.kind = inner.kind;
  }

  publishEvent(event: RecordedEvent): Promise<PublishEventResult> {
    return this.tracker.track(() => this.inner.publishEvent(event));
  }

  consumeEvents(options: ConsumeEventsOptions): Promise<BusSubscription> {
    return this.inner.consumeEvents({ ...options, handler: (event, delivery) => this.tracker.track(() => options.handler(event, delivery)) });
  }

  publish(subject: string, payload: unknown): void {
    this.tracker.touch();
    this.inner.publish(subject, payload);
  }

  subscribe<T = unknown>(subject: string, handler: MessageHandler<T>, options?: SubscribeOptions): Promise<BusSubscription> {
    return this.inner.subscribe<T>(subject, (payload, message) => this.tracker.track(() => handler(payload, message)), options);
  }

  request<Res = unknown, Req = unknown>(subject: string, payload: Req, options?: RequestOptions): Promise<Res> {
    return this.tracker.track(() => this.inner.request<Res, Req>(subject, payload, options));
  }

  reply<Req = unknown, Res = unknown>(subject: string, handler: RequestHandler<Req, Res>, options?: SubscribeOptions): Promise<BusSubscription> {
    return this.inner.reply<Req, Res>(subject, (payload, message) => this.tracker.track(() => handler(payload, message)), options);
  }

  flush(): Promise<void> {
    return this.inner.flush();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** The store with every operation counted, and how far each subscriber has folded. */
export class TrackedStore implements EventStore {
  private readonly subscribers = new Set<{ position: number }>();
  private appendCount = 0;

  constructor(
    readonly inner: SqlEventStore,
    private readonly tracker: ActivityTracker,
  ) {}

  append(streamId: string, expectedVersion: ExpectedVersion, events: readonly EventInput[]): Promise<AppendResult> {
    this.appendCount += 1;
    return this.tracker.track(() => this.inner.append(streamId, expectedVersion, events));
  }

  /** Appends asked for so far (settled or not). */
  get appends(): number {
    return this.appendCount;
  }

  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return this.tracker.track(() => this.inner.readStream(streamId, options));
  }

  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.tracker.track(() => this.inner.readAll(options));
  }

  headPosition(): Promise<number> {
    return this.tracker.track(() => this.inner.headPosition());
  }

  subscribeAll(options: SubscribeAllOptions): Subscription {
    const subscriber = { position: options.after };
    this.subscribers.add(subscriber);
    const subscription = this.inner.subscribeAll({
      ...options,
      handler: (event) =>
        this.tracker.track(async () => {
          await options.handler(event);
          subscriber.position = event.position;
        }),
    });
    return {
      stop: async () => {
        this.subscribers.delete(subscriber);
        await subscription.stop();
      },
    };
  }

  /** The lowest position every subscriber has folded up to. */
  get slowestSubscriber(): number {
    let slowest = Number.POSITIVE_INFINITY;
    for (const subscriber of this.subscribers) slowest = Math.min(slowest, subscriber.position);
    return slowest;
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const pause = (milliseconds: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, milliseconds));

export class Settler {
  private settledAt = -1;
  private appendsSettled = -1;

  constructor(
    private readonly tracker: ActivityTracker,
    private readonly store: TrackedStore,
    /** Each says whether its own queue is empty (services with internal work queues). */
    private readonly participants: Array<() => boolean> = [],
  ) {}

  add(idle: () => boolean): void {
    this.participants.push(idle);
  }

  /** Resolves once everything the step set off has happened (see ActivityTracker). */
  async settle(): Promise<void> {
    let waitedForSubscribers = 0;
    for (;;) {
      await turn();
      if (this.tracker.busy || !this.participants.every((idle) => idle())) continue;
      const before = this.tracker.activity;
      // Nothing at all happened since the last settle: nothing to wait for.
      if (before === this.settledAt) return;
      const appends = this.store.appends;
      // Subscribers were caught up at the last settle; only an append since can put them behind.
      if (appends !== this.appendsSettled) {
        await this.store.inner.whenSealed();
        const head = await this.store.inner.headPosition();
        if (this.store.slowestSubscriber < head) {
          // Subscribers are woken by the seal and usually fold within a few turns; past that, stop spinning.
          waitedForSubscribers += 1;
          if (waitedForSubscribers > 20) await pause(1);
          continue;
        }
      }
      await turn();
      await turn();
      if (!this.tracker.busy && this.tracker.activity === before && this.store.appends === appends && this.participants.every((idle) => idle())) {
        this.settledAt = before;
        this.appendsSettled = appends;
        return;
      }
    }
  }
}
