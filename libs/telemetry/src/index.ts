export { startTelemetry, currentTelemetry, type Telemetry, type TelemetryOptions } from './telemetry';
export { createLogger, type Logger, type LoggerOptions } from './logger';
export { SpanFileExporter, readSpanFile, toSpanRecord, type SpanRecord } from './span-record';
export {
  injectTraceContext,
  extractTraceContext,
  injectTraceHeaders,
  extractTraceHeaders,
  traceMetadata,
  contextFromMetadata,
  currentTraceId,
  type HeaderMap,
  type TraceCarrier,
} from './propagation';
