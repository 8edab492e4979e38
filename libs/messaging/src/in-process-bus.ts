import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { subjects, type RecordedEvent } from '@tollgate/contracts';
import { contextFromMetadata, extractTraceContext, injectTraceContext, type Logger } from '@tollgate/telemetry';
import {
  DEFAULT_DUPLICATE_WINDOW_MS,
  DEFAULT_REPLY_QUEUE,
  DEFAULT_REQUEST_TIMEOUT_MS,
  NoResponderError,
  RequestTimeoutError,
  eventSubject,
  openReply,
  serviceOfSubject,
  toWireError,
  type Bus,
  type BusMessage,
  type BusSubscription,
  type ConsumeEventsOptions,
  type MessageHandler,
  type PublishEventResult,
  type ReplyEnvelope,
  type RequestHandler,
  type RequestOptions,
  type SubscribeOptions,
} from './bus';
import { EventDeliverer } from './event-delivery';
import { defaultLogger } from './logger';
import { copyJsonValue, toJsonValue, type JsonValue } from './json-value';
import { assertName, assertSubject, assertSubjectPattern, subjectMatches } from './subject-match';
import { SubscriptionIndex } from './subscription-index';
import { inSpan, messagingAttributes, SpanKind } from './tracing';

export interface InProcessBusOptions {
  requestTimeoutMs?: number;
  /** Same meaning as JetStream's duplicate window. Default 2 minutes. */
  duplicateWindowMs?: number;
  /** Events kept for consumers that start later with deliverFrom 'all', beyond what registered consumers still need. Default 10,000. */
  retainedEvents?: number;
  /** Hard cap, like a stream limit: a consumer more than this far behind loses the oldest events (and catches up from the store). Default 1,000,000. */
  maxRetainedEvents?: number;
  logger?: Logger;
}

interface CoreSubscription {
  pattern: string;
  queue?: string;
  /** Receives its own copy of the payload; for reply subscriptions it returns the reply body. */
  receive(payload: JsonValue | undefined, message: BusMessage): Promise<string | undefined> | void;
}

interface PendingDelivery {
  recipients: readonly CoreSubscription[];
  snapshot: JsonValue | undefined;
  message: BusMessage;
}

/** The headers of a message published outside any span; frozen because every such message shares them. */
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

interface StoredEvent {
  sequence: number;
  subject: string;
  body: string;
  headers: Record<string, string>;
}

interface Redelivery {
  sequence: number;
  attempt: number;
  dueAt: number;
}

interface DurableConsumer {
  name: string;
  filters: string[];
  /** Next sequence not yet delivered. */
  cursor: number;
  redeliveries: Redelivery[];
  active?: ActiveConsumer;
}

interface ActiveConsumer {
  stopped: boolean;
  wake: () => void;
  done: Promise<void>;
}

/**
 * The bus for the embedded single-process default: the same interface and delivery guarantees as the NATS
 * bus, in memory. Core messages go to every matching subscription and to one member per queue group;
 * requests time out or fail with the same errors; events form one ordered stream with a duplicate window
 * on the event id, and durable consumers keep their position while the process lives, get failed events
 * redelivered, and dedupe by event id. Payloads arrive as they would from the wire: each subscriber gets
 * its own JSON-shaped copy (see json-value.ts), so none can change what another one or the publisher sees.
 */
export class InProcessBus implements Bus {
  readonly kind = 'in-process' as const;
  private readonly requestTimeoutMs: number;
  private readonly duplicateWindowMs: number;
  private readonly retainedEvents: number;
  private readonly maxRetainedEvents: number;
  private readonly logger: Logger;
  private readonly core = new SubscriptionIndex<CoreSubscription>();
  /** Published core messages not yet handed to their subscribers, in publish order. */
  private readonly pending: PendingDelivery[] = [];
  private drainScheduled = false;
  private readonly events: StoredEvent[] = [];
  private firstSequence = 1;
  private nextSequence = 1;
  private readonly recentIds = new Map<string, { sequence: number; at: number }>();
  private readonly consumers = new Map<string, DurableConsumer>();
  private closed = false;

  constructor(options: InProcessBusOptions = {}) {
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.duplicateWindowMs = options.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS;
    this.retainedEvents = options.retainedEvents ?? 10_000;
    this.maxRetainedEvents = Math.max(this.retainedEvents, options.maxRetainedEvents ?? 1_000_000);
    this.logger = options.logger ?? defaultLogger();
  }

  // ---- domain events ----

  async publishEvent(event: RecordedEvent): Promise<PublishEventResult> {
    this.assertOpen();
    const subject = eventSubject(event);
    const parent = contextFromMetadata(event.metadata, context.active());
    return inSpan(
      `publish ${subject}`,
      SpanKind.PRODUCER,
      parent,
      messagingAttributes(subject, { 'messaging.message.id': event.id, 'tollgate.event.type': event.type, 'tollgate.event.position': event.position }),
      async (span, spanContext) => {
        const now = Date.now();
        this.forgetExpiredIds(now);
        const known = this.recentIds.get(event.id);
        if (known) {
          span.setAttribute('tollgate.duplicate', true);
          return { subject, sequence: known.sequence, duplicate: true };
        }
        const sequence = this.nextSequence++;
        this.events.push({ sequence, subject, body: JSON.stringify(event), headers: injectTraceContext({}, spanContext) });
        this.recentIds.set(event.id, { sequence, at: now });
        for (const consumer of this.consumers.values()) consumer.active?.wake();
        this.trimEvents();
        return { subject, sequence, duplicate: false };
      },
    );
  }

  async consumeEvents(options: ConsumeEventsOptions): Promise<BusSubscription> {
    this.assertOpen();
    assertName(options.durableName, 'durableName');
    const filters = normalizeFilters(options.subjects);
    let consumer = this.consumers.get(options.durableName);
    if (consumer?.active) throw new Error(`durable consumer ${options.durableName} is already consuming on this bus`);
    if (!consumer) {
      consumer = {
        name: options.durableName,
        filters,
        cursor: options.deliverFrom === 'new' ? this.nextSequence : this.firstSequence,
        redeliveries: [],
      };
      this.consumers.set(options.durableName, consumer);
    } else {
      consumer.filters = filters;
    }
    const deliverer = new EventDeliverer(options, this.logger);
    const active = this.startPump(consumer, deliverer);
    consumer.active = active;
    return {
      subject: filters.join(','),
      close: async () => {
        active.stopped = true;
        active.wake();
        await active.done;
        if (consumer.active === active) delete consumer.active;
      },
    };
  }

  private startPump(consumer: DurableConsumer, deliverer: EventDeliverer): ActiveConsumer {
    let wakeUp: (() => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    const active: ActiveConsumer = {
      stopped: false,
      wake: () => wakeUp?.(),
      done: Promise.resolve(),
    };
    const sleep = (untilMs: number | undefined) =>
      new Promise<void>((resolve) => {
        wakeUp = () => {
          wakeUp = undefined;
          if (timer) clearTimeout(timer);
          resolve();
        };
        if (untilMs !== undefined) timer = setTimeout(() => wakeUp?.(), Math.max(0, untilMs - Date.now()));
      });
    active.done = (async () => {
      // Deliveries start on a later tick, like messages arriving from a server.
      await new Promise<void>((resolve) => setImmediate(resolve));
      while (!active.stopped) {
        const next = this.nextDelivery(consumer);
        if (!next) {
          await sleep(earliest(consumer.redeliveries));
          continue;
        }
        const { stored, attempt } = next;
        const outcome = await deliverer.deliver(JSON.parse(stored.body) as RecordedEvent, { subject: stored.subject, attempt, headers: stored.headers });
        if (outcome === 'failed') {
          consumer.redeliveries.push({ sequence: stored.sequence, attempt: attempt + 1, dueAt: Date.now() + deliverer.retryDelayMs });
        }
        this.trimEvents();
      }
    })();
    return active;
  }

  /** The next due redelivery, else the next new matching event; advances the cursor past non-matching ones. */
  private nextDelivery(consumer: DurableConsumer): { stored: StoredEvent; attempt: number } | undefined {
    const now = Date.now();
    const dueIndex = consumer.redeliveries.findIndex((redelivery) => redelivery.dueAt <= now);
    if (dueIndex >= 0) {
      const [due] = consumer.redeliveries.splice(dueIndex, 1);
      const stored = this.eventAt(due!.sequence);
      if (stored) return { stored, attempt: due!.attempt };
    }
    // Events a lagging consumer lost to the retention cap: it catches up from the store.
    if (consumer.cursor < this.firstSequence) consumer.cursor = this.firstSequence;
    while (consumer.cursor < this.nextSequence) {
      const stored = this.eventAt(consumer.cursor);
      consumer.cursor++;
      if (stored && consumer.filters.some((filter) => subjectMatches(filter, stored.subject))) return { stored, attempt: 1 };
    }
    return undefined;
  }

  private eventAt(sequence: number): StoredEvent | undefined {
    return this.events[sequence - this.firstSequence];
  }

  /** Drops events every registered consumer is done with, keeping the last `retainedEvents` for late starters (never more than `maxRetainedEvents`). */
  private trimEvents(): void {
    let needed = this.nextSequence;
    for (const consumer of this.consumers.values()) {
      needed = Math.min(needed, consumer.cursor, ...consumer.redeliveries.map((redelivery) => redelivery.sequence));
    }
    const keepFrom = Math.max(Math.min(needed, this.nextSequence - this.retainedEvents), this.nextSequence - this.maxRetainedEvents);
    if (keepFrom > this.firstSequence) {
      this.events.splice(0, keepFrom - this.firstSequence);
      this.firstSequence = keepFrom;
    }
  }

  private forgetExpiredIds(now: number): void {
    for (const [id, seen] of this.recentIds) {
      if (now - seen.at < this.duplicateWindowMs) break;
      this.recentIds.delete(id);
    }
  }

  // ---- core publish / subscribe ----

  publish(subject: string, payload: unknown): void {
    this.assertOpen();
    const recipients = this.core.recipients(subject);
    // Taken now, whoever listens: the publisher may change its object once publish returns, and a payload
    // JSON cannot carry fails here as it does on the NATS bus.
    const snapshot = toJsonValue(payload);
    if (recipients.length === 0) return;
    this.pending.push({ recipients, snapshot, message: { subject, headers: this.outgoingHeaders() } });
    // Delivered on a later microtask, like a message arriving from a server. One microtask drains every
    // message published until it runs: with OpenTelemetry's AsyncLocalStorage active, each queueMicrotask
    // costs about 1 µs (an AsyncResource), more than the rest of a delivery. Handlers do not depend on the
    // microtask's inherited context: each runs in the root context or its message's trace context.
    if (!this.drainScheduled) {
      this.drainScheduled = true;
      queueMicrotask(() => this.drain());
    }
  }

  async subscribe<T = unknown>(subject: string, handler: MessageHandler<T>, options: SubscribeOptions = {}): Promise<BusSubscription> {
    this.assertOpen();
    assertSubjectPattern(subject);
    const failed = (error: unknown, on: BusMessage) => this.logger.error({ err: error, subject: on.subject }, `subscriber on ${subject} failed`);
    return this.addCore({
      pattern: subject,
      ...(options.queue ? { queue: options.queue } : {}),
      receive: (payload, message) => {
        if (message.headers.traceparent) {
          const parent = extractTraceContext(message.headers, ROOT_CONTEXT);
          void inSpan(`process ${message.subject}`, SpanKind.CONSUMER, parent, messagingAttributes(message.subject), async () => handler(payload as T, message)).catch(
            (error: unknown) => failed(error, message),
          );
          return;
        }
        // No trace to continue, so the handler runs in the root context. Deliveries normally already run
        // there (the drain inherits the context of a publisher outside any span); entering it anyway cost
        // an AsyncLocalStorage run per message.
        if (context.active() === ROOT_CONTEXT) runHandler(handler, payload as T, message, failed);
        else context.with(ROOT_CONTEXT, () => runHandler(handler, payload as T, message, failed));
      },
    });
  }

  // ---- request / reply ----

  async request<Res = unknown, Req = unknown>(subject: string, payload: Req, options: RequestOptions = {}): Promise<Res> {
    this.assertOpen();
    assertSubject(subject);
    const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
    const service = serviceOfSubject(subject);
    return inSpan(`send ${subject}`, SpanKind.CLIENT, context.active(), messagingAttributes(subject, { 'rpc.service': service }), async (_span, spanContext) => {
      const replies = this.dispatchRequest(subject, toJsonValue(payload), injectTraceContext({}, spanContext));
      if (replies.length === 0) throw new NoResponderError(service, subject);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new RequestTimeoutError(service, subject, timeoutMs)), timeoutMs);
      });
      try {
        // Like NATS: the first reply wins; subscribers that do not reply leave the request to time out.
        const answered = replies.map((reply) => reply.then((body) => (body === undefined ? new Promise<string>(() => {}) : body)));
        const body = await Promise.race([Promise.any(answered), timeout]);
        return openReply<Res>(service, subject, body);
      } finally {
        clearTimeout(timer);
      }
    });
  }

  async reply<Req = unknown, Res = unknown>(subject: string, handler: RequestHandler<Req, Res>, options: SubscribeOptions = {}): Promise<BusSubscription> {
    this.assertOpen();
    assertSubjectPattern(subject);
    return this.addCore({
      pattern: subject,
      queue: options.queue ?? DEFAULT_REPLY_QUEUE,
      receive: async (payload, message) => {
        const parent = extractTraceContext(message.headers, ROOT_CONTEXT);
        let envelope: ReplyEnvelope;
        try {
          const value = await inSpan(`process ${message.subject}`, SpanKind.SERVER, parent, messagingAttributes(message.subject, { 'rpc.service': serviceOfSubject(message.subject) }), async () =>
            handler(payload as Req, message),
          );
          envelope = { ok: true, value };
        } catch (error) {
          envelope = { ok: false, error: toWireError(error) };
        }
        return JSON.stringify(envelope);
      },
    });
  }

  async flush(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(
      [...this.consumers.values()].map(async (consumer) => {
        const active = consumer.active;
        if (!active) return;
        active.stopped = true;
        active.wake();
        await active.done;
      }),
    );
    this.core.clear();
  }

  // ---- internals ----

  private addCore(subscription: CoreSubscription): BusSubscription {
    this.core.add(subscription);
    return { subject: subscription.pattern, close: async () => this.core.remove(subscription) };
  }

  /** Delivers pending messages in publish order, including any the handlers publish meanwhile. */
  private drain(): void {
    let delivered = 0;
    try {
      while (delivered < this.pending.length) {
        const { recipients, snapshot, message } = this.pending[delivered++]!;
        this.deliver(recipients, snapshot, message);
      }
    } finally {
      this.pending.splice(0, delivered);
      // Only if delivery itself failed (deliver catches what handlers throw) are messages left: keep going.
      if (this.pending.length > 0) queueMicrotask(() => this.drain());
      else this.drainScheduled = false;
    }
  }

  /**
   * Hands each recipient of a published message its own copy: the last one gets the snapshot itself, which
   * nobody else holds, so a message with one subscriber is copied once in all (in `publish`).
   */
  private deliver(recipients: readonly CoreSubscription[], snapshot: JsonValue | undefined, message: BusMessage): void {
    const last = recipients.length - 1;
    for (let index = 0; index <= last; index++) {
      const subscription = recipients[index]!;
      try {
        // A reply subscription answers a publish too; nobody waits for that answer.
        subscription.receive(index === last ? snapshot : copyJsonValue(snapshot), message)?.catch((error: unknown) => this.subscriberFailed(subscription, message, error));
      } catch (error) {
        this.subscriberFailed(subscription, message, error);
      }
    }
  }

  private subscriberFailed(subscription: CoreSubscription, message: BusMessage, error: unknown): void {
    this.logger.error({ err: error, subject: message.subject }, `subscriber on ${subscription.pattern} failed`);
  }

  /** Delivers a request to every matching plain subscription and one member per queue group; returns the reply promises. */
  private dispatchRequest(subject: string, snapshot: JsonValue | undefined, headers: Record<string, string>): Array<Promise<string | undefined>> {
    const recipients = this.core.recipients(subject);
    const message: BusMessage = { subject, headers };
    const last = recipients.length - 1;
    return recipients.map(
      (subscription, index) =>
        new Promise<string | undefined>((resolve) => {
          queueMicrotask(() => {
            try {
              Promise.resolve(subscription.receive(index === last ? snapshot : copyJsonValue(snapshot), message)).then(
                (reply) => resolve(reply ?? undefined),
                () => resolve(undefined),
              );
            } catch (error) {
              this.subscriberFailed(subscription, message, error);
              resolve(undefined);
            }
          });
        }),
    );
  }

  private outgoingHeaders(): Readonly<Record<string, string>> {
    return trace.getSpan(context.active()) ? injectTraceContext({}) : NO_HEADERS;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the in-process bus is closed');
  }
}

/** Runs a core subscriber's handler; what it throws or rejects with goes to `failed`, never to the publisher or the next subscriber. */
function runHandler<T>(handler: MessageHandler<T>, payload: T, message: BusMessage, failed: (error: unknown, message: BusMessage) => void): void {
  try {
    const result: unknown = handler(payload, message);
    // Checked rather than wrapped in Promise.resolve: most handlers return nothing, and a promise per message adds up.
    if (isThenable(result)) result.then(undefined, (error: unknown) => failed(error, message));
  } catch (error) {
    failed(error, message);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === 'function';
}

function normalizeFilters(filter: string | readonly string[] | undefined): string[] {
  const filters = filter === undefined ? [subjects.allEvents] : typeof filter === 'string' ? [filter] : [...filter];
  if (filters.length === 0) throw new Error('subjects must name at least one event subject');
  for (const pattern of filters) {
    assertSubjectPattern(pattern, 'subjects');
    if (!subjectMatches(subjects.allEvents, pattern.replace(/\*|>/g, 'x'))) {
      throw new Error(`subjects ${JSON.stringify(pattern)} is not an event subject (expected under ${subjects.allEvents})`);
    }
  }
  return filters;
}

function earliest(redeliveries: Redelivery[]): number | undefined {
  return redeliveries.length === 0 ? undefined : Math.min(...redeliveries.map((redelivery) => redelivery.dueAt));
}

export { normalizeFilters as normalizeEventFilters };
