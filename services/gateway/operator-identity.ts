import { GatewayHttpError } from './gateway.errors';

/** The header that names the person a request acts for. */
export const ACTOR_HEADER = 'X-Tollgate-Actor';
/** Whoever is at this machine, until the security issue brings real identities. */
export const DEFAULT_ACTOR = 'user:local';

const OPERATOR = /^user:[A-Za-z0-9._@-]{1,64}$/;

/**
 * The operator behind an HTTP request. The gateway speaks for people only: `auto` and
 * `system:<service>` are identities services give themselves on the bus, not something to claim over HTTP.
 */
export function operatorOf(header: string | string[] | undefined): string {
  if (header === undefined) return DEFAULT_ACTOR;
  const value = Array.isArray(header) ? header : [header];
  if (value.length !== 1 || !OPERATOR.test(value[0]!.trim())) {
    throw new GatewayHttpError(400, `${ACTOR_HEADER} was invalid: must be one "user:<name>" (letters, digits, . _ @ -), got ${JSON.stringify(header)}`);
  }
  return value[0]!.trim();
}

/**
 * A command's payload with the operator stamped on it as `actor`, the field every command contract
 * carries. The body cannot speak for someone else: an `actor` in it must be the operator.
 */
export function withActor(payload: unknown, actor: string): Record<string, unknown> {
  if (payload === undefined || payload === null) return { actor };
  if (typeof payload !== 'object' || Array.isArray(payload)) {
    throw new GatewayHttpError(400, 'command body was invalid: (root): must be a JSON object (the gateway adds the actor to it)', {
      issues: ['(root): must be a JSON object'],
    });
  }
  const claimed = (payload as { actor?: unknown }).actor;
  if (claimed !== undefined && claimed !== actor) {
    throw new GatewayHttpError(400, `command body was invalid: actor: was ${JSON.stringify(claimed)} but the request acts for ${actor}; the actor comes from the ${ACTOR_HEADER} header`, {
      issues: [`actor: must be ${actor} (from ${ACTOR_HEADER}) or left out`],
    });
  }
  return { ...(payload as Record<string, unknown>), actor };
}
