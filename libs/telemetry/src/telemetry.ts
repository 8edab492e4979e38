import { metrics, trace, type Meter, type Tracer } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { IMetricReader } from '@opentelemetry/sdk-metrics';
import {
  BatchSpanProcessor,
  InMemorySpanExporter,
  NoopSpanProcessor,
  SimpleSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { createLogger, type Logger } from './logger';
import { SpanFileExporter, toSpanRecord, type SpanRecord } from './span-record';

export interface TelemetryOptions {
  serviceName: string;
  /** OTLP/HTTP (protobuf) endpoint for traces. Default: env OTEL_EXPORTER_OTLP_ENDPOINT. */
  otlpEndpoint?: string;
  /** Append each finished span as a JSON line to this file. Default: env TOLLGATE_SPAN_FILE. */
  spanFile?: string;
  /** Keep finished spans in memory, for `finishedSpans()` (tests). */
  inMemory?: boolean;
  /** Serve Prometheus metrics on this port (`/metrics`). Default: env TOLLGATE_METRICS_PORT; none when unset. */
  metricsPort?: number;
  /** Log level. Default: env TOLLGATE_LOG_LEVEL, else 'info'. */
  logLevel?: string;
}

export interface Telemetry {
  readonly serviceName: string;
  readonly logger: Logger;
  readonly tracer: Tracer;
  readonly meter: Meter;
  /** Where the exporters send spans, for the start-up log line and `--help`-style reports. */
  readonly exporters: string[];
  /** Spans finished so far (only with `inMemory`). */
  finishedSpans(): SpanRecord[];
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

let running: Telemetry | undefined;

/**
 * Wires OpenTelemetry for this process, once: a tracer provider (always, so trace ids exist for logs and
 * propagation even with no exporter), W3C trace-context propagation, the exporters chosen by options/env,
 * and a pino logger. A second call returns the first process-wide instance: the SDK registers globals.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  if (running) return running;
  const serviceName = options.serviceName;
  const otlpEndpoint = options.otlpEndpoint ?? nonEmpty(process.env.OTEL_EXPORTER_OTLP_ENDPOINT);
  const spanFile = options.spanFile ?? nonEmpty(process.env.TOLLGATE_SPAN_FILE);
  const metricsPort = options.metricsPort ?? parsePort(process.env.TOLLGATE_METRICS_PORT);

  const spanProcessors: SpanProcessor[] = [];
  const exporters: string[] = [];
  if (otlpEndpoint) {
    spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url: otlpTracesUrl(otlpEndpoint) })));
    exporters.push(`otlp ${otlpEndpoint}`);
  }
  if (spanFile) {
    spanProcessors.push(new SimpleSpanProcessor(new SpanFileExporter(spanFile, serviceName)));
    exporters.push(`file ${spanFile}`);
  }
  const memory = options.inMemory ? new InMemorySpanExporter() : undefined;
  if (memory) {
    spanProcessors.push(new SimpleSpanProcessor(memory));
    exporters.push('memory');
  }
  // With no processor the SDK would fall back to its env defaults (an OTLP exporter to localhost) or
  // register no tracer at all; a no-op processor keeps real, propagatable span ids and exports nothing.
  if (spanProcessors.length === 0) spanProcessors.push(new NoopSpanProcessor());

  const metricReaders: IMetricReader[] = [];
  if (metricsPort !== undefined) {
    metricReaders.push(new PrometheusExporter({ port: metricsPort }));
    exporters.push(`prometheus :${metricsPort}/metrics`);
  }

  const sdk = new NodeSDK({
    serviceName,
    autoDetectResources: Boolean(otlpEndpoint),
    spanProcessors,
    metricReaders,
    // The SDK would otherwise build an OTLP log exporter from env defaults; logs go through pino.
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();

  const logger = createLogger({ serviceName, ...(options.logLevel ? { level: options.logLevel } : {}) });
  const telemetry: Telemetry = {
    serviceName,
    logger,
    tracer: trace.getTracer(serviceName),
    meter: metrics.getMeter(serviceName),
    exporters,
    finishedSpans: () => (memory ? memory.getFinishedSpans().map((span) => toSpanRecord(span, serviceName)) : []),
    async forceFlush() {
      await Promise.all(spanProcessors.map((processor) => processor.forceFlush()));
    },
    async shutdown() {
      if (running === telemetry) running = undefined;
      await sdk.shutdown();
      logger.flush();
    },
  };
  running = telemetry;
  return telemetry;
}

/** The process's telemetry, if `startTelemetry` ran. */
export function currentTelemetry(): Telemetry | undefined {
  return running;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value && value.trim() !== '' ? value.trim() : undefined;
}

function parsePort(value: string | undefined): number | undefined {
  if (!nonEmpty(value)) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`TOLLGATE_METRICS_PORT must be a port number (0-65535), got ${JSON.stringify(value)}`);
  }
  return port;
}

/** OTEL_EXPORTER_OTLP_ENDPOINT is the base URL; the traces signal lives under /v1/traces. */
function otlpTracesUrl(endpoint: string): string {
  return endpoint.endsWith('/v1/traces') ? endpoint : `${endpoint.replace(/\/+$/, '')}/v1/traces`;
}
