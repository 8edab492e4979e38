import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { EVENT_STREAM, subjects, type RecordedEvent } from '@tollgate/contracts';
import { contextFromMetadata, extractTraceHeaders, injectTraceHeaders, type Logger } from '@tollgate/telemetry';
import {
  AckPolicy,
  DeliverPolicy,
  ErrorCode,
  RetentionPolicy,
  StorageType,
  connect,
  headers as natsHeaders,
  nanos,
  type ConsumerConfig,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  type NatsError,
  type Subscription,
} from 'nats';
import {
  DEFAULT_DUPLICATE_WINDOW_MS,
  DEFAULT_REPLY_QUEUE,
  DEFAULT_REQUEST_TIMEOUT_MS,
  NoResponderError,
  RequestTimeoutError,
  decodeJson,
  encodeJson,
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
import { normalizeEventFilters } from './in-process-bus';
import { defaultLogger } from './logger';
import { assertName, assertSubject, assertSubjectPattern, subjectMatches } from './subject-match';
import { inSpan, messagingAttributes, SpanKind } from './tracing';

export interface NatsBusOptions {
  /** NATS server URL(s), e.g. nats://127.0.0.1:4222 (comma-separated for several). */
  url: string;
  /**
   * Isolates one deployment or test run on a shared server: subjects go out as `<namespace>.<subject>` and
   * the event stream is `TOLLGATE_EVENTS_<namespace>`. Callers keep using the plain subjects.
   */
  namespace?: string;
  /** Connection name shown by the server (`nats server report connections`). */
  name?: string;
  requestTimeoutMs?: number;
  /** JetStream duplicate window for new streams. Default 2 minutes. */
  duplicateWindowMs?: number;
  /** How long the stream keeps events (the store keeps them forever). Default 7 days. */
  streamMaxAgeMs?: number;
  /** Wait for the ack of each JetStream publish at most this long. Default 5,000 ms. */
  publishTimeoutMs?: number;
  logger?: Logger;
}

const NAMESPACE = /^[A-Za-z0-9_-]+$/;
const ENCODER = new TextEncoder();
const DECODER = new TextDecoder();

/** Connects to NATS and makes sure the event stream exists. */
export async function connectNatsBus(options: NatsBusOptions): Promise<NatsBus> {
  if (options.namespace !== undefined && !NAMESPACE.test(options.namespace)) {
    throw new Error(`namespace ${JSON.stringify(options.namespace)} must match [A-Za-z0-9_-]+`);
  }
  let connection: NatsConnection;
  try {
    connection = await connect({
      servers: options.url.split(',').map((server) => server.trim()),
      ...(options.name ? { name: options.name } : {}),
      maxReconnectAttempts: -1,
    });
  } catch (error) {
    throw new Error(`cannot connect to NATS at ${options.url} (NATS_URL): ${error instanceof Error ? error.message : String(error)}`);
  }
  const bus = new NatsBus(connection, await connection.jetstreamManager(), options);
  try {
    await bus.ensureEventStream();
  } catch (error) {
    await connection.close();
    throw error;
  }
  return bus;
}

/** The bus on NATS: core NATS for market data and request/reply, JetStream for domain events. */
export class NatsBus implements Bus {
  readonly kind = 'nats' as const;
  readonly streamName: string;
  private readonly prefix: string;
  private readonly js: JetStreamClient;
  private readonly requestTimeoutMs: number;
  private readonly publishTimeoutMs: number;
  private readonly logger: Logger;
  private readonly consumers = new Set<{ close(): Promise<void> }>();
  private readonly activeDurables = new Set<string>();
  private closing: Promise<void> | undefined;

  constructor(
    readonly connection: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly options: NatsBusOptions,
  ) {
    this.prefix = options.namespace ? `${options.namespace}.` : '';
    this.streamName = options.namespace ? `${EVENT_STREAM}_${options.namespace}` : EVENT_STREAM;
    this.js = connection.jetstream();
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.publishTimeoutMs = options.publishTimeoutMs ?? 5_000;
    this.logger = options.logger ?? defaultLogger();
  }

  /** Creates the event stream when missing; an existing stream is left as its operator configured it. */
  async ensureEventStream(): Promise<void> {
    try {
      await this.jsm.streams.info(this.streamName);
      return;
    } catch (error) {
      if (!isNotFound(error)) throw new Error(`cannot read JetStream stream ${this.streamName}: ${describe(error)}`);
    }
    try {
      await this.jsm.streams.add({
        name: this.streamName,
        subjects: [this.wire(subjects.allEvents)],
        retention: RetentionPolicy.Limits,
        storage: StorageType.File,
        duplicate_window: nanos(this.options.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS),
        max_age: nanos(this.options.streamMaxAgeMs ?? 7 * 24 * 3_600_000),
      });
    } catch (error) {
      // Another process may have created it between our info and add.
      await this.jsm.streams.info(this.streamName).catch(() => {
        throw new Error(`cannot create JetStream stream ${this.streamName}: ${describe(error)}`);
      });
    }
  }

  /** Deletes this bus's event stream (test clean-up, or a namespace being retired). */
  async deleteEventStream(): Promise<void> {
    await this.jsm.streams.delete(this.streamName).catch((error: unknown) => {
      if (!isNotFound(error)) throw error;
    });
  }

  // ---- domain events ----

  async publishEvent(event: RecordedEvent): Promise<PublishEventResult> {
    const subject = eventSubject(event);
    const parent = contextFromMetadata(event.metadata, context.active());
    return inSpan(
      `publish ${subject}`,
      SpanKind.PRODUCER,
      parent,
      messagingAttributes(subject, { 'messaging.message.id': event.id, 'tollgate.event.type': event.type, 'tollgate.event.position': event.position }),
      async (span, spanContext) => {
        const headers = injectTraceHeaders(natsHeaders(), spanContext) as MsgHdrs;
        const ack = await this.js.publish(this.wire(subject), ENCODER.encode(JSON.stringify(event)), {
          msgID: event.id,
          headers,
          timeout: this.publishTimeoutMs,
          expect: { streamName: this.streamName },
        });
        if (ack.duplicate) span.setAttribute('tollgate.duplicate', true);
        return { subject, sequence: ack.seq, duplicate: ack.duplicate };
      },
    );
  }

  async consumeEvents(options: ConsumeEventsOptions): Promise<BusSubscription> {
    assertName(options.durableName, 'durableName');
    if (this.activeDurables.has(options.durableName)) throw new Error(`durable consumer ${options.durableName} is already consuming on this bus`);
    const filters = normalizeEventFilters(options.subjects);
    // nats-server 2.9 takes one filter subject per consumer: several filters read all events and filter here.
    const serverFilter = filters.length === 1 ? filters[0]! : subjects.allEvents;
    this.activeDurables.add(options.durableName);
    let messages: ConsumerMessages;
    try {
      await this.ensureConsumer(options.durableName, this.wire(serverFilter), options.deliverFrom ?? 'all');
      const consumer = await this.js.consumers.get(this.streamName, options.durableName);
      messages = await consumer.consume({ max_messages: 1_000 });
    } catch (error) {
      this.activeDurables.delete(options.durableName);
      throw error;
    }
    const deliverer = new EventDeliverer(options, this.logger);
    let stopping = false;
    const loop = (async () => {
      for await (const message of messages) {
        if (stopping) {
          // Pulled but not handled: hand it back now rather than after the ack wait.
          message.nak();
          continue;
        }
        const subject = this.unwire(message.subject);
        if (!filters.some((filter) => subjectMatches(filter, subject))) {
          message.ack();
          continue;
        }
        let event: RecordedEvent;
        try {
          event = JSON.parse(message.string()) as RecordedEvent;
        } catch (error) {
          this.logger.error({ err: error, subject, sequence: message.seq }, `consumer ${options.durableName}: message ${message.seq} is not an event; dropped`);
          message.term();
          continue;
        }
        const outcome = await deliverer.deliver(event, { subject, attempt: message.info.deliveryCount, headers: headerRecord(message.headers) });
        if (outcome === 'failed') message.nak(deliverer.retryDelayMs);
        else message.ack();
      }
      if (!stopping) this.logger.error({ consumer: options.durableName }, `consumer ${options.durableName} stopped receiving: its message iterator ended`);
    })().catch((error: unknown) => {
      this.logger.error({ err: error, consumer: options.durableName }, `consumer ${options.durableName} stopped: ${error instanceof Error ? error.message : String(error)}`);
    });
    const handle = {
      close: async () => {
        if (stopping) return loop;
        stopping = true;
        const closed = messages.close();
        await loop;
        await closed;
        this.activeDurables.delete(options.durableName);
        this.consumers.delete(handle);
      },
    };
    this.consumers.add(handle);
    return { subject: filters.join(','), close: handle.close };
  }

  private async ensureConsumer(durableName: string, filterSubject: string, deliverFrom: 'all' | 'new'): Promise<void> {
    try {
      const info = await this.jsm.consumers.info(this.streamName, durableName);
      if (info.config.filter_subject !== filterSubject) {
        await this.jsm.consumers.update(this.streamName, durableName, { filter_subject: filterSubject }).catch((error: unknown) => {
          throw new Error(
            `durable consumer ${durableName} exists with filter ${info.config.filter_subject ?? '(none)'}, not ${filterSubject}, and cannot be changed: ${describe(error)}`,
          );
        });
      }
      return;
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    const config: Partial<ConsumerConfig> = {
      durable_name: durableName,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: deliverFrom === 'new' ? DeliverPolicy.New : DeliverPolicy.All,
      filter_subject: filterSubject,
      ack_wait: nanos(30_000),
      max_ack_pending: 2_000,
    };
    await this.jsm.consumers.add(this.streamName, config);
  }

  // ---- core publish / subscribe ----

  publish(subject: string, payload: unknown): void {
    assertSubject(subject);
    const headers = trace.getSpan(context.active()) ? (injectTraceHeaders(natsHeaders()) as MsgHdrs) : undefined;
    this.connection.publish(this.wire(subject), ENCODER.encode(encodeJson(payload)), headers ? { headers } : undefined);
  }

  async subscribe<T = unknown>(subject: string, handler: MessageHandler<T>, options: SubscribeOptions = {}): Promise<BusSubscription> {
    assertSubjectPattern(subject);
    const subscription = this.connection.subscribe(this.wire(subject), {
      ...(options.queue ? { queue: options.queue } : {}),
      callback: (error, message) => {
        if (error) return this.logger.error({ err: error, subject }, `subscription on ${subject} failed`);
        const busMessage = this.busMessage(message);
        const parent = extractTraceHeaders(message.headers, ROOT_CONTEXT);
        const run = async () => handler(decodeJson<T>(DECODER.decode(message.data)), busMessage);
        const result = busMessage.headers.traceparent
          ? inSpan(`process ${busMessage.subject}`, SpanKind.CONSUMER, parent, messagingAttributes(busMessage.subject), async () => run())
          : context.with(parent, run);
        void Promise.resolve(result).catch((failure: unknown) => this.logger.error({ err: failure, subject: busMessage.subject }, `subscriber on ${subject} failed`));
      },
    });
    await this.connection.flush();
    return this.handle(subject, subscription);
  }

  // ---- request / reply ----

  async request<Res = unknown, Req = unknown>(subject: string, payload: Req, options: RequestOptions = {}): Promise<Res> {
    assertSubject(subject);
    const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
    const service = serviceOfSubject(subject);
    return inSpan(`send ${subject}`, SpanKind.CLIENT, context.active(), messagingAttributes(subject, { 'rpc.service': service }), async (_span, spanContext) => {
      const headers = injectTraceHeaders(natsHeaders(), spanContext) as MsgHdrs;
      let reply: Msg;
      try {
        reply = await this.connection.request(this.wire(subject), ENCODER.encode(encodeJson(payload)), { timeout: timeoutMs, headers });
      } catch (error) {
        const code = (error as NatsError).code;
        if (code === ErrorCode.Timeout) throw new RequestTimeoutError(service, subject, timeoutMs);
        if (code === ErrorCode.NoResponders) throw new NoResponderError(service, subject);
        throw error;
      }
      return openReply<Res>(service, subject, DECODER.decode(reply.data));
    });
  }

  async reply<Req = unknown, Res = unknown>(subject: string, handler: RequestHandler<Req, Res>, options: SubscribeOptions = {}): Promise<BusSubscription> {
    assertSubjectPattern(subject);
    const subscription = this.connection.subscribe(this.wire(subject), {
      queue: options.queue ?? DEFAULT_REPLY_QUEUE,
      callback: (error, message) => {
        if (error) return this.logger.error({ err: error, subject }, `reply subscription on ${subject} failed`);
        void this.answer(message, handler);
      },
    });
    await this.connection.flush();
    return this.handle(subject, subscription);
  }

  private async answer<Req, Res>(message: Msg, handler: RequestHandler<Req, Res>): Promise<void> {
    const busMessage = this.busMessage(message);
    const parent = extractTraceHeaders(message.headers, ROOT_CONTEXT);
    let envelope: ReplyEnvelope;
    try {
      const value = await inSpan(
        `process ${busMessage.subject}`,
        SpanKind.SERVER,
        parent,
        messagingAttributes(busMessage.subject, { 'rpc.service': serviceOfSubject(busMessage.subject) }),
        async () => handler(decodeJson<Req>(DECODER.decode(message.data)), busMessage),
      );
      envelope = { ok: true, value };
    } catch (error) {
      envelope = { ok: false, error: toWireError(error) };
    }
    if (!message.reply) return;
    try {
      message.respond(ENCODER.encode(JSON.stringify(envelope)));
    } catch (error) {
      this.logger.error({ err: error, subject: busMessage.subject }, `cannot reply on ${busMessage.subject}`);
    }
  }

  async flush(): Promise<void> {
    await this.connection.flush();
  }

  async close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.consumers].map((consumer) => consumer.close()));
      if (!this.connection.isClosed()) await this.connection.drain();
    })();
    return this.closing;
  }

  // ---- internals ----

  private wire(subject: string): string {
    return this.prefix + subject;
  }

  private unwire(subject: string): string {
    return this.prefix && subject.startsWith(this.prefix) ? subject.slice(this.prefix.length) : subject;
  }

  private busMessage(message: Msg): BusMessage {
    return { subject: this.unwire(message.subject), headers: headerRecord(message.headers) };
  }

  private handle(subject: string, subscription: Subscription): BusSubscription {
    return {
      subject,
      close: async () => {
        if (!subscription.isClosed()) await subscription.drain();
      },
    };
  }
}

function headerRecord(headers: MsgHdrs | undefined): Record<string, string> {
  const record: Record<string, string> = {};
  if (!headers) return record;
  for (const [key, values] of headers) {
    if (values[0] !== undefined) record[key.toLowerCase() === 'traceparent' || key.toLowerCase() === 'tracestate' ? key.toLowerCase() : key] = values[0];
  }
  return record;
}

function isNotFound(error: unknown): boolean {
  const apiError = (error as { api_error?: { code?: number } }).api_error;
  return apiError?.code === 404 || /not found/i.test(describe(error));
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
