import type { LoggerService } from '@nestjs/common';
import type { Logger } from '@tollgate/telemetry';

/** Nest's own log lines (bootstrap, handler mapping, errors) as pino JSON lines. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...context: unknown[]): void {
    this.logger.info(fields(context), String(message));
  }
  error(message: unknown, ...context: unknown[]): void {
    this.logger.error(fields(context), message instanceof Error ? message.message : String(message));
  }
  warn(message: unknown, ...context: unknown[]): void {
    this.logger.warn(fields(context), String(message));
  }
  debug(message: unknown, ...context: unknown[]): void {
    this.logger.debug(fields(context), String(message));
  }
  verbose(message: unknown, ...context: unknown[]): void {
    this.logger.trace(fields(context), String(message));
  }
}

/** Nest passes the context name last (and a stack before it for errors). */
function fields(context: unknown[]): Record<string, unknown> {
  const strings = context.filter((value): value is string => typeof value === 'string');
  const result: Record<string, unknown> = {};
  if (strings.length > 0) result.context = strings[strings.length - 1];
  if (strings.length > 1) result.stack = strings[0];
  return result;
}
