import { streamCategory, subjects, type RecordedEvent } from '@tollgate/contracts';

/**
 * The bus: how Tollgate processes talk. Four shapes, one interface, two implementations
 * (NATS + JetStream for deployments, in-process for the embedded single-process default):
 *
 * - domain events: committed events, published by the relay to JetStream (`Nats-Msg-Id` = event id)
 *   and read by durable consumers that dedupe by event id;
 * - core publish/subscribe: market data, high rate, not durable;
 * - request/reply: commands and queries between services, with a timeout and typed errors.
 *
 * Payloads travel as JSON on both implementations (the in-process bus hands each subscriber its own
 * JSON-shaped copy, as the JSON round trip would), so a `Decimal` arrives as its decimal string either way.
 */
export interface Bus {
  readonly kind: 'nats' | 'in-process';

  /** Publishes a committed event on `tollgate.evt.<category>.<Type>`. Idempotent by event id within the duplicate window. */
  publishEvent(event: RecordedEvent): Promise<PublishEventResult>;
  /** Starts (or resumes) the durable consumer `durableName`. Resolves once it is consuming. */
  consumeEvents(options: ConsumeEventsOptions): Promise<BusSubscription>;

  /** Core publish, fire and forget (market data). */
  publish(subject: string, payload: unknown): void;
  /** Core subscription; wildcards `*` and `>` as in NATS. Resolves once the server has it. */
  subscribe<T = unknown>(subject: string, handler: MessageHandler<T>, options?: SubscribeOptions): Promise<BusSubscription>;

  /** Sends a command or query and waits for the reply; rejects with RequestTimeoutError, NoResponderError or RemoteError. */
  request<Res = unknown, Req = unknown>(subject: string, payload: Req, options?: RequestOptions): Promise<Res>;
  /** Answers requests on `subject`; members of one queue group share the load (default group: "rpc"). */
  reply<Req = unknown, Res = unknown>(subject: string, handler: RequestHandler<Req, Res>, options?: SubscribeOptions): Promise<BusSubscription>;

  /** Resolves when everything published so far has reached the server. */
  flush(): Promise<void>;
  /** Stops consumers and subscriptions, then disconnects. */
  close(): Promise<void>;
}

export interface PublishEventResult {
  subject: string;
  /** Sequence in the event stream; for a duplicate, the sequence of the message already stored. */
  sequence: number;
  /** True when the stream already held this event id (within the duplicate window) and dropped this copy. */
  duplicate: boolean;
}

export interface EventDelivery {
  subject: string;
  /** 1 on the first delivery, then 2, 3… on redeliveries after a failure or a crash before the ack. */
  attempt: number;
  headers: Readonly<Record<string, string>>;
}

export type EventHandler = (event: RecordedEvent, delivery: EventDelivery) => Promise<void> | void;

export interface ConsumeEventsOptions {
  /** The name the broker remembers this consumer's progress under: [A-Za-z0-9_-]+. */
  durableName: string;
  /** Event subjects to receive (default: all events), e.g. `subjects.eventsOfCategory('order')`. */
  subjects?: string | readonly string[];
  handler: EventHandler;
  /** Where a new durable consumer starts; an existing one always resumes where it stopped. Default 'all'. */
  deliverFrom?: 'all' | 'new';
  /**
   * The ids already handled, so a redelivery or a relay re-publish is skipped. Default: an in-memory set of
   * the last 100,000 ids. Pass a persistent one when a handler's side effects must survive a restart.
   */
  processed?: ProcessedEventIds;
  /** Delay before an event whose handler threw is redelivered. Default 1,000 ms. */
  retryDelayMs?: number;
  /** Called when a handler throws (the event will be redelivered). */
  onError?: (error: unknown, event: RecordedEvent) => void;
}

/** What a consumer has already handled, by event id. */
export interface ProcessedEventIds {
  has(eventId: string): boolean | Promise<boolean>;
  add(eventId: string): void | Promise<void>;
}

export interface BusMessage {
  subject: string;
  headers: Readonly<Record<string, string>>;
}

export type MessageHandler<T> = (payload: T, message: BusMessage) => void | Promise<void>;
export type RequestHandler<Req, Res> = (payload: Req, message: BusMessage) => Res | Promise<Res>;

export interface SubscribeOptions {
  /** Queue group: each message goes to one member of the group. */
  queue?: string;
}

export interface RequestOptions {
  /** Default: the bus's request timeout (5,000 ms unless configured). */
  timeoutMs?: number;
}

export interface BusSubscription {
  readonly subject: string;
  close(): Promise<void>;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;
export const DEFAULT_RETRY_DELAY_MS = 1_000;
/** JetStream's default duplicate window; the in-process bus uses the same. */
export const DEFAULT_DUPLICATE_WINDOW_MS = 120_000;
export const DEFAULT_REPLY_QUEUE = 'rpc';

/** The subject a committed event is published on. */
export function eventSubject(event: Pick<RecordedEvent, 'streamId' | 'type'>): string {
  return subjects.event(subjectToken(streamCategory(event.streamId)), subjectToken(event.type));
}

/** A subject token cannot hold '.', wildcards or whitespace; anything else passes unchanged. */
function subjectToken(value: string): string {
  return value === '' ? '_' : value.replace(/[.*>\s]/g, '_');
}

/** The service a command subject addresses: `tollgate.cmd.<service>.<name>` → `<service>`. */
export function serviceOfSubject(subject: string): string {
  const tokens = subject.split('.');
  if (tokens[0] === 'tollgate' && tokens.length >= 3) return tokens[1] === 'cmd' ? tokens[2]! : tokens[1]!;
  return tokens[0] ?? subject;
}

export class BusError extends Error {
  override name = 'BusError';
}

/** No reply within the timeout: the service may be down, slow, or the request was lost. */
export class RequestTimeoutError extends BusError {
  override name = 'RequestTimeoutError';
  constructor(
    readonly service: string,
    readonly subject: string,
    readonly timeoutMs: number,
  ) {
    super(`${service} did not reply to ${subject} within ${timeoutMs} ms`);
  }
}

/** Nobody listens on the subject: the service is not running (or not subscribed yet). */
export class NoResponderError extends BusError {
  override name = 'NoResponderError';
  constructor(
    readonly service: string,
    readonly subject: string,
  ) {
    super(`no ${service} instance is listening on ${subject}`);
  }
}

/** The service received the request and its handler failed; carries the remote error's name, code and message. */
export class RemoteError extends BusError {
  override name = 'RemoteError';
  constructor(
    readonly service: string,
    readonly subject: string,
    readonly remote: WireError,
  ) {
    super(`${service} failed ${subject}: ${remote.code && !remote.message.startsWith(remote.code) ? `${remote.code} ` : ''}${remote.message} (${remote.name})`);
  }
}

/** An error as it crosses the wire in a reply. */
export interface WireError {
  name: string;
  message: string;
  code?: string;
  details?: unknown;
}

export type ReplyEnvelope = { ok: true; value?: unknown } | { ok: false; error: WireError };

export function toWireError(error: unknown): WireError {
  if (error instanceof Error) {
    const wire: WireError = { name: error.name, message: error.message };
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') wire.code = code;
    const details = (error as { context?: unknown; issues?: unknown }).context ?? (error as { issues?: unknown }).issues;
    if (details !== undefined) wire.details = details;
    return wire;
  }
  if (isWireError(error)) return error;
  return { name: 'Error', message: typeof error === 'string' ? error : JSON.stringify(error) ?? String(error) };
}

function isWireError(value: unknown): value is WireError {
  return typeof value === 'object' && value !== null && typeof (value as WireError).name === 'string' && typeof (value as WireError).message === 'string';
}

/** Reads a reply envelope; throws RemoteError for an error reply. */
export function openReply<T>(service: string, subject: string, body: string): T {
  const envelope = (body === '' ? { ok: true } : JSON.parse(body)) as ReplyEnvelope;
  if (!envelope.ok) throw new RemoteError(service, subject, envelope.error);
  return envelope.value as T;
}

export function encodeJson(payload: unknown): string {
  return payload === undefined ? '' : JSON.stringify(payload);
}

export function decodeJson<T>(body: string): T {
  return (body === '' ? undefined : JSON.parse(body)) as T;
}
