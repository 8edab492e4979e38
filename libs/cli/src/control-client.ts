import { userInfo } from 'node:os';
import { createBus, NoResponderError, RemoteError, RequestTimeoutError, serviceOfSubject, type Bus } from '@tollgate/messaging';
import { CommandFailure } from './output';

/**
 * How a CLI process reaches a running Tollgate to send it a command or a query:
 * - NATS_URL set (a deployment): a request straight on the bus;
 * - otherwise (the embedded `tollgate run`, whose PGlite store and in-process bus belong to that one
 *   process): HTTP to its gateway on this machine, `POST /api/commands/:service/:name` for a command
 *   and `POST /api/queries/:service/:name` for a query (docs/gateway.md).
 *
 * A command acts for someone: pass `actor` and the payload carries it as `actor` (over HTTP the gateway
 * stamps it from the X-Tollgate-Actor header). A query passes no actor and travels as it is.
 */
export interface SendCommandOptions {
  /** `user:<name>` for a command (see `currentOperator()`); leave out for a query. */
  actor?: string;
  /** How long to wait for the answer. Default 15 s. */
  timeoutMs?: number;
  /** Send over NATS at this URL. Default: env NATS_URL. */
  natsUrl?: string;
  /**
   * Send to the gateway at this URL, even when NATS_URL is set. Default (without NATS): env
   * TOLLGATE_GATEWAY_URL, else http://127.0.0.1:<TOLLGATE_HTTP_PORT or 8080>.
   */
  gatewayUrl?: string;
  /** Reuse an open bus instead of connecting for this one request (the caller closes it). */
  bus?: Bus;
}

export type ControlChannel = { kind: 'nats'; url: string } | { kind: 'http'; url: string };

export type ControlErrorKind =
  /** Nothing answered where the system should be. */
  | 'unreachable'
  /** The system runs, but no instance of the service listens on the subject. */
  | 'not-running'
  /** No answer in time. */
  | 'timeout'
  /** The service (or the gateway) refused the request: bad input, a rule said no, not allowed. */
  | 'refused'
  /** The service failed while handling it. */
  | 'failed';

/** A command could not be carried out; the message is one line a person can act on. */
export class ControlError extends CommandFailure {
  override name = 'ControlError';
  constructor(
    message: string,
    readonly kind: ControlErrorKind,
    readonly subject: string,
    readonly details: { service?: string; status?: number; code?: string; issues?: string[] } = {},
  ) {
    super(message);
  }
}

const DEFAULT_TIMEOUT_MS = 15_000;
const SUBJECT = /^tollgate\.cmd\.([a-z0-9][a-z0-9-]*)\.([a-z0-9][a-z0-9-]*)$/;

/**
 * Where commands go from this process: an explicit `natsUrl` or `gatewayUrl` (a `--url` flag) first,
 * then NATS when NATS_URL is set, else the local gateway.
 */
export function controlChannel(options: Pick<SendCommandOptions, 'natsUrl' | 'gatewayUrl'> = {}, env: NodeJS.ProcessEnv = process.env): ControlChannel {
  const explicitNats = nonEmpty(options.natsUrl);
  if (explicitNats) return { kind: 'nats', url: explicitNats };
  if (nonEmpty(options.gatewayUrl)) return { kind: 'http', url: localGatewayUrl(options.gatewayUrl, env) };
  const natsUrl = nonEmpty(env.NATS_URL);
  if (natsUrl) return { kind: 'nats', url: natsUrl };
  return { kind: 'http', url: localGatewayUrl(undefined, env) };
}

/** The embedded system's gateway: TOLLGATE_GATEWAY_URL, else http://127.0.0.1:<TOLLGATE_HTTP_PORT or 8080>. */
export function localGatewayUrl(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  const url = nonEmpty(explicit) ?? nonEmpty(env.TOLLGATE_GATEWAY_URL) ?? `http://127.0.0.1:${nonEmpty(env.TOLLGATE_HTTP_PORT) ?? '8080'}`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CommandFailure(`the gateway URL ${JSON.stringify(url)} is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new CommandFailure(`the gateway URL ${url} must start with http:// or https://`);
  return parsed.toString().replace(/\/$/, '');
}

/** The person at the keyboard as an actor: `user:<login name>`. */
export function currentOperator(): string {
  let name = 'local';
  try {
    name = userInfo().username;
  } catch {
    // No passwd entry (some containers): the gateway's default identity is as good as any.
  }
  return `user:${name.replace(/[^A-Za-z0-9._@-]/g, '_').slice(0, 64) || 'local'}`;
}

/**
 * Sends `payload` to `subject` (a `tollgate.cmd.<service>.<name>` from commandSubjects) on the running
 * system and resolves to the service's answer. Fails with a ControlError that says what to do.
 */
export async function sendCommand<Res = unknown>(subject: string, payload: unknown = {}, options: SendCommandOptions = {}): Promise<Res> {
  const match = SUBJECT.exec(subject);
  if (!match) throw new CommandFailure(`subject ${JSON.stringify(subject)} is not a command subject (tollgate.cmd.<service>.<name>)`);
  if (options.actor !== undefined && (typeof payload !== 'object' || payload === null || Array.isArray(payload))) {
    throw new CommandFailure(`the payload for ${subject} must be a JSON object, since it carries the actor`);
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const channel = options.bus ? ({ kind: 'nats', url: 'the given bus' } as const) : controlChannel(options);
  if (channel.kind === 'nats') return viaBus<Res>(subject, payload, options, timeoutMs, channel.url);
  return viaGateway<Res>(channel.url, match[1]!, match[2]!, subject, payload, options.actor, timeoutMs);
}

async function viaBus<Res>(subject: string, payload: unknown, options: SendCommandOptions, timeoutMs: number, natsUrl: string): Promise<Res> {
  const body = options.actor === undefined ? payload : { ...(payload as Record<string, unknown>), actor: options.actor };
  let bus = options.bus;
  if (!bus) {
    try {
      bus = await createBus({ natsUrl, name: 'tollgate-cli', requestTimeoutMs: timeoutMs });
    } catch (error) {
      throw new ControlError(`no running Tollgate at ${natsUrl}: NATS could not be reached (${(error as Error).message})`, 'unreachable', subject);
    }
  }
  try {
    return await bus.request<Res>(subject, body, { timeoutMs });
  } catch (error) {
    if (error instanceof NoResponderError) {
      throw new ControlError(`${error.message}: is the ${error.service} service running?`, 'not-running', subject, { service: error.service });
    }
    if (error instanceof RequestTimeoutError) throw new ControlError(error.message, 'timeout', subject, { service: error.service });
    if (error instanceof RemoteError) {
      const kind = error.remote.name === 'ValidationError' || error.remote.code ? 'refused' : 'failed';
      throw new ControlError(error.remote.message, kind, subject, {
        service: error.service,
        ...(error.remote.code ? { code: error.remote.code } : {}),
        ...(isStrings(error.remote.details) ? { issues: error.remote.details } : {}),
      });
    }
    throw error;
  } finally {
    if (!options.bus) await bus.close().catch(() => undefined);
  }
}

interface GatewayErrorBody {
  error?: unknown;
  service?: unknown;
  code?: unknown;
  issues?: unknown;
}

async function viaGateway<Res>(base: string, service: string, name: string, subject: string, payload: unknown, actor: string | undefined, timeoutMs: number): Promise<Res> {
  const path = `/api/${actor === undefined ? 'queries' : 'commands'}/${service}/${name}`;
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json', ...(actor === undefined ? {} : { 'x-tollgate-actor': actor }) },
      body: JSON.stringify(payload ?? {}),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    if (isTimeout(error)) throw new ControlError(`the gateway at ${base} did not answer ${subject} within ${timeoutMs} ms`, 'timeout', subject, { service });
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
    if (cause?.code === 'ECONNREFUSED') {
      throw new ControlError(`no running Tollgate at ${base}: start it with \`npm start\` (or set NATS_URL to reach a deployment)`, 'unreachable', subject);
    }
    throw new ControlError(`the gateway at ${base} could not be reached: ${String(cause?.message ?? (error as Error).message)}`, 'unreachable', subject);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    throw new ControlError(`${base} answered ${subject} with something that is not JSON (HTTP ${response.status}): is it a Tollgate gateway?`, 'failed', subject, { status: response.status });
  }
  if (response.ok) return body as Res;
  const failure = (body ?? {}) as GatewayErrorBody;
  const message = typeof failure.error === 'string' ? failure.error : `the gateway answered HTTP ${response.status} to ${subject}`;
  const status = response.status;
  const kind: ControlErrorKind = status === 503 ? 'not-running' : status === 504 ? 'timeout' : status < 500 ? 'refused' : 'failed';
  throw new ControlError(message, kind, subject, {
    service: typeof failure.service === 'string' ? failure.service : serviceOfSubject(subject),
    status,
    ...(typeof failure.code === 'string' ? { code: failure.code } : {}),
    ...(isStrings(failure.issues) ? { issues: failure.issues } : {}),
  });
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function nonEmpty(value: string | undefined): string | undefined {
  return value && value.trim() !== '' ? value.trim() : undefined;
}
