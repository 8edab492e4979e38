/** Who or what caused an event: `user:<name>`, `auto`, or `system:<service>`. */
export type Actor = string;

export interface EventMetadata {
  /** The workflow this event belongs to (e.g. the proposal or manual-order id). */
  correlationId: string;
  /** The event or command that directly caused this one. */
  causationId: string | null;
  actor: Actor;
  /** W3C trace context, so one trace follows an order across services. */
  traceparent?: string;
  tracestate?: string;
}

/** An event as a producer hands it to the store. */
export interface EventInput<Type extends string = string, Data = unknown> {
  id: string;
  type: Type;
  /** Defaults to the latest schema version registered for the type. */
  schemaVersion?: number;
  data: Data;
  metadata: EventMetadata;
  /** When it happened (venue or decision time), ISO-8601 UTC. */
  occurredAt: string;
}

/** An event as the store holds it. */
export interface RecordedEvent<Type extends string = string, Data = unknown> {
  id: string;
  streamId: string;
  /** 1-based version within the stream. */
  streamVersion: number;
  /** Dense, gap-free position in the global log (assigned in commit-safe order). */
  position: number;
  type: Type;
  schemaVersion: number;
  data: Data;
  metadata: EventMetadata;
  occurredAt: string;
  /** clock_timestamp() at insert, never now(). */
  recordedAt: string;
}

/** Streams are named `<category>-<id>`, e.g. `order-5f0c…`; the category routes subjects. */
export function streamCategory(streamId: string): string {
  const dash = streamId.indexOf('-');
  return dash === -1 ? streamId : streamId.slice(0, dash);
}

export function streamName(category: string, id: string): string {
  if (category.includes('-')) throw new Error(`stream category ${category} must not contain '-'`);
  return `${category}-${id}`;
}
