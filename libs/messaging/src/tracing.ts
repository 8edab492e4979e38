import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';

/** Spans the bus records itself (no OpenTelemetry instrumentation exists for NATS in JavaScript). */
export const tracer = {
  get: () => trace.getTracer('@tollgate/messaging'),
};

export const messagingAttributes = (subject: string, extra: Attributes = {}): Attributes => ({
  'messaging.system': 'nats',
  'messaging.destination.name': subject,
  ...extra,
});

/** Runs `work` in a new span (child of `parent`), records a failure on it, and ends it. */
export async function inSpan<T>(
  name: string,
  kind: SpanKind,
  parent: Context,
  attributes: Attributes,
  work: (span: Span, spanContext: Context) => Promise<T>,
): Promise<T> {
  const span = tracer.get().startSpan(name, { kind, attributes }, parent);
  const spanContext = trace.setSpan(parent, span);
  try {
    return await context.with(spanContext, () => work(span, spanContext));
  } catch (error) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    throw error;
  } finally {
    span.end();
  }
}

export { SpanKind };
