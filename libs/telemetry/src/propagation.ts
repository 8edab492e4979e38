import { ROOT_CONTEXT, context as contextApi, trace, isSpanContextValid, type Context, type TextMapGetter, type TextMapSetter } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { traceHeaders } from '@tollgate/contracts';

/**
 * W3C trace context (`traceparent`, `tracestate`) in and out of message headers and event metadata.
 * No OpenTelemetry instrumentation exists for NATS in JavaScript, so the bus calls these helpers itself.
 * The W3C propagator is used directly (not the global one) so the helpers behave the same whether or
 * not `startTelemetry` ran in this process.
 */
const propagator = new W3CTraceContextPropagator();

/** The subset of nats' `MsgHdrs` the helpers need; nats returns '' for a missing header. */
export interface HeaderMap {
  get(key: string): string;
  set(key: string, value: string): void;
}

/** Plain string headers, as the in-process bus carries them. */
export type TraceCarrier = Record<string, string>;

const recordSetter: TextMapSetter<TraceCarrier> = { set: (carrier, key, value) => void (carrier[key] = value) };
const recordGetter: TextMapGetter<Readonly<Record<string, string | undefined>>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};
const headerSetter: TextMapSetter<HeaderMap> = { set: (headers, key, value) => headers.set(key, value) };
const headerGetter: TextMapGetter<HeaderMap> = {
  keys: () => [traceHeaders.traceparent, traceHeaders.tracestate],
  get: (headers, key) => headers.get(key) || undefined,
};

/** Writes the trace context of `ctx` (default: the active one) into `carrier`; no-op without a valid span. */
export function injectTraceContext(carrier: TraceCarrier = {}, ctx: Context = contextApi.active()): TraceCarrier {
  propagator.inject(ctx, carrier, recordSetter);
  return carrier;
}

/** The context a message's trace continues in; `base` (default: root) when the carrier has no traceparent. */
export function extractTraceContext(carrier: Readonly<Record<string, string | undefined>> | undefined, base: Context = ROOT_CONTEXT): Context {
  return carrier ? propagator.extract(base, carrier, recordGetter) : base;
}

export function injectTraceHeaders(headers: HeaderMap, ctx: Context = contextApi.active()): HeaderMap {
  propagator.inject(ctx, headers, headerSetter);
  return headers;
}

export function extractTraceHeaders(headers: HeaderMap | undefined, base: Context = ROOT_CONTEXT): Context {
  return headers ? propagator.extract(base, headers, headerGetter) : base;
}

/** The `traceparent`/`tracestate` fields for an event's metadata, from the active (or given) context. */
export function traceMetadata(ctx: Context = contextApi.active()): { traceparent?: string; tracestate?: string } {
  const carrier = injectTraceContext({}, ctx);
  const fields: { traceparent?: string; tracestate?: string } = {};
  if (carrier[traceHeaders.traceparent]) fields.traceparent = carrier[traceHeaders.traceparent];
  if (carrier[traceHeaders.tracestate]) fields.tracestate = carrier[traceHeaders.tracestate];
  return fields;
}

/** The context an event was produced in, from its metadata; `base` when it carries none. */
export function contextFromMetadata(
  metadata: { traceparent?: string; tracestate?: string } | undefined,
  base: Context = ROOT_CONTEXT,
): Context {
  if (!metadata?.traceparent) return base;
  return extractTraceContext({ traceparent: metadata.traceparent, tracestate: metadata.tracestate }, base);
}

/** Trace id of the active span, for logs and error reports. */
export function currentTraceId(ctx: Context = contextApi.active()): string | undefined {
  const spanContext = trace.getSpanContext(ctx);
  return spanContext && isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
}
