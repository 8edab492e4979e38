import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import pino from 'pino';

export type Logger = pino.Logger;

export interface LoggerOptions {
  serviceName: string;
  /** Default: env TOLLGATE_LOG_LEVEL, else 'info'. */
  level?: string;
  /** Default: stdout. Tests pass a stream to read the lines back. */
  destination?: pino.DestinationStream;
}

/**
 * JSON lines with the service name and, inside a span, its trace and span ids, so a log line can be
 * joined to the trace that produced it.
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? process.env.TOLLGATE_LOG_LEVEL ?? 'info',
      base: { service: options.serviceName, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin() {
        const spanContext = trace.getSpanContext(context.active());
        return spanContext && isSpanContextValid(spanContext) ? { trace_id: spanContext.traceId, span_id: spanContext.spanId } : {};
      },
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
