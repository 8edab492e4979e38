import type { RuntimeConfig } from '@tollgate/application';

export const GATEWAY_OPTIONS = Symbol('tollgate:gateway-options');

export interface GatewayOptions {
  /** Interface to listen on. Default 127.0.0.1 (env TOLLGATE_HTTP_HOST): the gateway has no authentication yet. */
  host: string;
  /** Default: the runtime configuration's httpPort (env TOLLGATE_HTTP_PORT, 8080). 0 picks a free port. */
  port: number;
  /** How long a command (place, cancel, approve, kill…) may take before the answer is 504. */
  commandTimeoutMs: number;
  /** How long a query (lists, positions, state) may take before the answer is 504. */
  queryTimeoutMs: number;
  /** Open Server-Sent Event streams at most; each one follows the store on its own. */
  maxEventStreams: number;
  /** Comment line sent on idle event streams so proxies and browsers keep them open. */
  streamHeartbeatMs: number;
  /** Shown by /api/health. */
  mode: RuntimeConfig['mode'];
  accountId: string;
}

export function gatewayOptionsFrom(config: RuntimeConfig, overrides: Partial<GatewayOptions> = {}, env: NodeJS.ProcessEnv = process.env): GatewayOptions {
  return {
    host: env.TOLLGATE_HTTP_HOST?.trim() || '127.0.0.1',
    port: config.httpPort,
    commandTimeoutMs: 10_000,
    queryTimeoutMs: 5_000,
    maxEventStreams: 64,
    streamHeartbeatMs: 15_000,
    mode: config.mode,
    accountId: config.accountId,
    ...overrides,
  };
}

/** Whether `host` only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}
