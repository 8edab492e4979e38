import { createLogger, currentTelemetry, type Logger } from '@tollgate/telemetry';

let fallback: Logger | undefined;

/** The process's telemetry logger, or a plain one when telemetry was not started (tests, scripts). */
export function defaultLogger(): Logger {
  const telemetry = currentTelemetry();
  if (telemetry) return telemetry.logger;
  fallback ??= createLogger({ serviceName: 'tollgate' });
  return fallback;
}
