import { HttpException } from '@nestjs/common';
import { ValidationError } from '@tollgate/kernel';
import { NoResponderError, RemoteError, RequestTimeoutError, serviceOfSubject } from '@tollgate/messaging';

/** The JSON body of every error the gateway answers. */
export interface GatewayErrorBody {
  error: string;
  /** The service and subject a forwarded request was for. */
  service?: string;
  subject?: string;
  /** A remote DomainError's code, e.g. `QUANTITY_EXCEEDS_MAXIMUM`. */
  code?: string;
  /** One `field: problem` line per invalid field. */
  issues?: string[];
}

/** An HTTP answer the gateway decided on itself (unknown command, missing service, bad header). */
export class GatewayHttpError extends Error {
  override name = 'GatewayHttpError';
  constructor(
    readonly status: number,
    message: string,
    readonly details: Omit<GatewayErrorBody, 'error'> = {},
  ) {
    super(message);
  }
}

/** The subject a friendly route needs is not in `commandSubjects`: the service has not been built yet. */
export function serviceMissing(subject: string): GatewayHttpError {
  const service = serviceOfSubject(subject);
  return new GatewayHttpError(503, `the ${service} service does not offer ${subject} yet (it is not in commandSubjects)`, { service, subject });
}

/**
 * How a failure becomes an HTTP answer. Bus failures name the service and the subject:
 * nobody listening → 503, no reply in time → 504, the service refused the input → 400, a business
 * rule refused it (a DomainError, which has a code) → 422, or 404 when its code says `…_NOT_FOUND`;
 * anything else the service failed with → 502.
 */
export function toHttpError(error: unknown): { status: number; body: GatewayErrorBody } {
  if (error instanceof GatewayHttpError) return { status: error.status, body: { error: error.message, ...error.details } };
  if (error instanceof ValidationError) return { status: 400, body: { error: error.message, issues: error.issues } };
  if (error instanceof NoResponderError) return { status: 503, body: { error: error.message, service: error.service, subject: error.subject } };
  if (error instanceof RequestTimeoutError) return { status: 504, body: { error: error.message, service: error.service, subject: error.subject } };
  if (error instanceof RemoteError) {
    const { remote } = error;
    const status = remote.name === 'ValidationError' ? 400 : remote.code?.endsWith('_NOT_FOUND') ? 404 : remote.code ? 422 : 502;
    const body: GatewayErrorBody = { error: error.message, service: error.service, subject: error.subject };
    if (remote.code) body.code = remote.code;
    if (Array.isArray(remote.details) && remote.details.every((issue) => typeof issue === 'string')) body.issues = remote.details as string[];
    return { status, body };
  }
  if (error instanceof HttpException) {
    // Nest's own: an unknown route (404) or a body that was not JSON (400, from the body parser).
    const response = error.getResponse();
    const message = typeof response === 'string' ? response : (response as { message?: unknown }).message;
    const text = Array.isArray(message) ? message.join('; ') : String(message ?? error.message);
    return { status: error.getStatus(), body: { error: error.getStatus() === 400 ? `request body was not valid JSON: ${text}` : text } };
  }
  if (isClientHttpError(error)) return { status: error.status, body: { error: `request was refused: ${error.message}` } };
  const message = error instanceof Error ? error.message : String(error);
  return { status: 500, body: { error: `the gateway failed: ${message}` } };
}

/** An http-errors error the body parser raises for the client's request (a body over the size limit, a bad charset). */
function isClientHttpError(error: unknown): error is Error & { status: number } {
  const status = (error as { status?: unknown } | null)?.status;
  return error instanceof Error && typeof status === 'number' && status >= 400 && status < 500 && (error as { expose?: unknown }).expose === true;
}
