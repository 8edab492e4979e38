/**
 * Faults a crash-safety drill injects into the sandbox: answer a request with an error instead of
 * processing it, or process it and then lose or delay the answer (the client cannot know the outcome).
 */
export type FaultAction =
  /** Answer with `status` (e.g. 500, 503, 429) without processing the request. */
  | 'status'
  /** Process the request, then answer with `status` anyway: the worst case for a client. */
  | 'status_after_processing'
  /** Process the request, then cut the connection without an answer. */
  | 'drop_after_processing'
  /** Wait `delayMs`, then process and answer. */
  | 'delay_before_processing'
  /** Process at once, answer after `delayMs` (a client with a shorter time-out sees a time-out). */
  | 'delay_after_processing';

export interface FaultRule {
  id: number;
  /** HTTP method to match, e.g. `POST`; any when absent. */
  method: string | null;
  /** Path prefix to match, e.g. `/v2/orders`; any `/v2/` path when absent. */
  path: string | null;
  action: FaultAction;
  status: number | null;
  delayMs: number | null;
  /** How many more requests this rule applies to; -1 for until cleared. */
  remaining: number;
}

const ACTIONS = new Set<FaultAction>(['status', 'status_after_processing', 'drop_after_processing', 'delay_before_processing', 'delay_after_processing']);

export class FaultInjector {
  private rules: FaultRule[] = [];
  private nextId = 1;

  add(input: unknown): FaultRule {
    const body = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
    const action = body.action as FaultAction;
    if (!ACTIONS.has(action)) throw new Error(`fault action must be one of ${[...ACTIONS].join(', ')}; got ${JSON.stringify(body.action)}`);
    const status = typeof body.status === 'number' ? body.status : null;
    if ((action === 'status' || action === 'status_after_processing') && (status === null || status < 400 || status > 599)) {
      throw new Error(`fault action ${action} needs a status between 400 and 599; got ${JSON.stringify(body.status)}`);
    }
    const delayMs = typeof body.delay_ms === 'number' ? body.delay_ms : null;
    if ((action === 'delay_before_processing' || action === 'delay_after_processing') && (delayMs === null || delayMs < 0)) {
      throw new Error(`fault action ${action} needs delay_ms ≥ 0; got ${JSON.stringify(body.delay_ms)}`);
    }
    const count = typeof body.count === 'number' ? body.count : 1;
    const rule: FaultRule = {
      id: this.nextId++,
      method: typeof body.method === 'string' ? body.method.toUpperCase() : null,
      path: typeof body.path === 'string' ? body.path : null,
      action,
      status,
      delayMs,
      remaining: count,
    };
    this.rules.push(rule);
    return rule;
  }

  /** The first rule matching the request, consumed by one use. */
  take(method: string, path: string): FaultRule | null {
    const rule = this.rules.find((item) => (item.method === null || item.method === method) && (item.path === null || path.startsWith(item.path)));
    if (!rule) return null;
    if (rule.remaining > 0) rule.remaining -= 1;
    if (rule.remaining === 0) this.rules = this.rules.filter((item) => item !== rule);
    return { ...rule };
  }

  list(): FaultRule[] {
    return this.rules.map((rule) => ({ ...rule }));
  }

  clear(): void {
    this.rules = [];
  }
}

/** A fixed-window limiter per API key, as Alpaca's (about 200 requests a minute). */
export class RateLimiter {
  private windows = new Map<string, { startedAt: number; count: number }>();

  constructor(public limit: number, public windowMs: number) {}

  /** Counts the request; returns the figures for the X-RateLimit-* headers and whether it is allowed. */
  hit(key: string, now: number): { allowed: boolean; limit: number; remaining: number; resetAt: number } {
    let window = this.windows.get(key);
    if (!window || now - window.startedAt >= this.windowMs) {
      window = { startedAt: now, count: 0 };
      this.windows.set(key, window);
    }
    window.count += 1;
    const resetAt = window.startedAt + this.windowMs;
    return { allowed: window.count <= this.limit, limit: this.limit, remaining: Math.max(0, this.limit - window.count), resetAt };
  }

  configure(limit: number, windowMs: number): void {
    this.limit = limit;
    this.windowMs = windowMs;
    this.windows = new Map();
  }
}
