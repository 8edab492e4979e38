import type { NextFunction, Request, Response } from 'express';
import type { GatewayErrorBody } from './gateway.errors';
import { isLoopback } from './gateway.options';

/**
 * Guards a gateway with no authentication that listens on this machine only (docs/gateway.md):
 * - the Host header must name this machine, so a web page cannot reach it through DNS rebinding;
 * - a request with a body must be JSON, which a cross-site form cannot send without a CORS
 *   preflight, and the gateway grants none;
 * - the dashboard may not be framed and runs only its own scripts.
 */
export function localOnly(listenHost: string): (request: Request, response: Response, next: NextFunction) => void {
  const checkHost = isLoopback(listenHost);
  return (request, response, next) => {
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('X-Frame-Options', 'DENY');
    response.setHeader('Referrer-Policy', 'no-referrer');
    response.setHeader('Content-Security-Policy', "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
    if (checkHost && !isLoopback(hostnameOf(request.headers.host))) {
      refuse(response, 421, `Host ${JSON.stringify(request.headers.host ?? '')} was refused: the gateway answers only to localhost, 127.0.0.1 or [::1]`);
      return;
    }
    if (!['GET', 'HEAD', 'OPTIONS'].includes(request.method) && !request.is('application/json')) {
      refuse(response, 415, `Content-Type ${JSON.stringify(request.headers['content-type'] ?? '')} was refused: send the body as JSON (Content-Type: application/json)`);
      return;
    }
    next();
  };
}

/** `127.0.0.1:8080` → `127.0.0.1`, `[::1]:8080` → `::1`. */
function hostnameOf(host: string | undefined): string {
  const match = /^(?:\[([^\]]+)\]|([^:]+))(?::\d+)?$/.exec(host?.trim() ?? '');
  return (match?.[1] ?? match?.[2] ?? '').toLowerCase();
}

function refuse(response: Response, status: number, error: string): void {
  const body: GatewayErrorBody = { error };
  response.status(status).json(body);
}
