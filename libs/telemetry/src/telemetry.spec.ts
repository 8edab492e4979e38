import { Writable } from 'node:stream';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, SpanKind, trace } from '@opentelemetry/api';
import {
  contextFromMetadata,
  createLogger,
  currentTraceId,
  extractTraceContext,
  extractTraceHeaders,
  injectTraceContext,
  injectTraceHeaders,
  readSpanFile,
  startTelemetry,
  traceMetadata,
} from './index';

const spanFile = join(mkdtempSync(join(tmpdir(), 'tollgate-telemetry-')), 'spans.jsonl');
const telemetry = startTelemetry({ serviceName: 'telemetry-spec', inMemory: true, spanFile });
afterAll(() => telemetry.shutdown());

class MapHeaders {
  readonly values = new Map<string, string>();
  get(key: string): string {
    return this.values.get(key) ?? '';
  }
  set(key: string, value: string): void {
    this.values.set(key, value);
  }
}

describe('telemetry', () => {
  it('returns the one process-wide instance on a second start', () => {
    expect(startTelemetry({ serviceName: 'other' })).toBe(telemetry);
  });

  it('carries a span across a header map: the extracted context parents the receiving span', () => {
    const sender = telemetry.tracer.startSpan('send', { kind: SpanKind.PRODUCER });
    const headers = new MapHeaders();
    injectTraceHeaders(headers, trace.setSpan(context.active(), sender));
    sender.end();
    expect(headers.get('traceparent')).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);

    const receiver = telemetry.tracer.startSpan('receive', { kind: SpanKind.CONSUMER }, extractTraceHeaders(headers));
    receiver.end();
    const records = telemetry.finishedSpans();
    const sent = records.find((span) => span.spanId === sender.spanContext().spanId)!;
    const received = records.find((span) => span.spanId === receiver.spanContext().spanId)!;
    expect(received.traceId).toBe(sent.traceId);
    expect(received.parentSpanId).toBe(sent.spanId);
    expect(received.kind).toBe('consumer');
    expect(sent.service).toBe('telemetry-spec');
  });

  it('round-trips trace context through event metadata and plain carriers', () => {
    const span = telemetry.tracer.startSpan('decide');
    const ctx = trace.setSpan(context.active(), span);
    const metadata = traceMetadata(ctx);
    expect(metadata.traceparent).toContain(span.spanContext().traceId);
    expect(currentTraceId(contextFromMetadata(metadata))).toBe(span.spanContext().traceId);
    expect(currentTraceId(extractTraceContext(injectTraceContext({}, ctx)))).toBe(span.spanContext().traceId);
    span.end();
  });

  it('injects nothing outside a span, and extracting nothing leaves the base context', () => {
    expect(traceMetadata(context.active())).toEqual({});
    expect(injectTraceContext({})).toEqual({});
    expect(currentTraceId(extractTraceContext({}))).toBeUndefined();
    expect(currentTraceId(contextFromMetadata({}))).toBeUndefined();
  });

  it('writes finished spans to the span file', () => {
    const span = telemetry.tracer.startSpan('to-file');
    span.end();
    expect(readSpanFile(spanFile).map((record) => record.spanId)).toContain(span.spanContext().spanId);
  });

  it('logs JSON lines with the service name and the active trace id', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger({ serviceName: 'log-spec', destination });
    const span = telemetry.tracer.startSpan('logged');
    context.with(trace.setSpan(context.active(), span), () => logger.info({ orderId: 'o-1' }, 'placed'));
    logger.info('outside');
    span.end();
    const [inside, outside] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(inside).toMatchObject({ service: 'log-spec', level: 'info', msg: 'placed', orderId: 'o-1', trace_id: span.spanContext().traceId });
    expect(outside!.trace_id).toBeUndefined();
  });
});
