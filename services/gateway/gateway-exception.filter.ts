import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Logger } from '@tollgate/telemetry';
import type { Request, Response } from 'express';
import { toHttpError } from './gateway.errors';

/** Every failure answers JSON `{ error, service?, subject?, code?, issues? }` with the status toHttpError chose. */
@Catch()
export class GatewayExceptionFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const { status, body } = toHttpError(exception);
    const fields = { method: request.method, path: request.path, status, ...(body.subject ? { subject: body.subject } : {}) };
    // A 500 is the gateway's own bug and gets its stack; a service that is down or slow is an operational fact.
    if (status === 500) this.logger.error({ ...fields, err: exception }, body.error);
    else if (status >= 500) this.logger.warn(fields, body.error);
    else this.logger.debug(fields, body.error);
    if (response.headersSent) {
      response.end();
      return;
    }
    response.status(status).json(body);
  }
}
