import { readFileSync } from 'node:fs';
import type { BrokerOrder, BrokerPort, BrokerUpdate, OrderRequest, ReplaceRequest } from '@tollgate/contracts';
import type { Environment } from './credentials';

/**
 * Deterministic kill hooks for the crash-recovery drill: with `TOLLGATE_CRASH_AT=<point>[,<point>…]` a
 * process SIGKILLs itself when it reaches that point — at once, or `TOLLGATE_CRASH_DELAY_MS` later (the
 * drill draws it at random, so the kill lands around the point rather than exactly on it), after skipping
 * the first `TOLLGATE_CRASH_SKIP` hits. With `TOLLGATE_CRASH_CONTROL=<file>` the point is armed from
 * that file instead (`<point> [delayMs]`, read at each hook), so a drill arms a running process without
 * restarting it. Unset (always, outside drills), every hook is a no-op.
 */
export const CRASH_POINTS = {
  /** Execution recorded the submit (OrderSubmitted) and is about to send it. */
  beforeSend: 'before-send',
  /** The broker accepted the order; the answer has not been recorded. */
  afterSend: 'after-send',
  /** A partial fill arrived on the stream; the order has more to fill. */
  betweenFills: 'between-fills',
  /** A cancel is about to be sent (the cancel request is recorded). */
  cancelBeforeSend: 'cancel-before-send',
  /** The broker took the cancel; its answer has not been recorded. */
  cancelAfterSend: 'cancel-after-send',
  /** The sync fetched fills, snapshot and lookups and is about to append the adopted fills with the new cursor. */
  syncBeforeAppend: 'sync-before-append',
  /** The sync run is recorded (fills adopted, cursor moved); the reconciliation that follows it is not. */
  reconcileBeforeAppend: 'reconcile-before-append',
} as const;
export type CrashPoint = (typeof CRASH_POINTS)[keyof typeof CRASH_POINTS];

export const CRASH_ENVIRONMENT = {
  at: 'TOLLGATE_CRASH_AT',
  delayMs: 'TOLLGATE_CRASH_DELAY_MS',
  skip: 'TOLLGATE_CRASH_SKIP',
  control: 'TOLLGATE_CRASH_CONTROL',
} as const;

let hits = 0;
let armed = true;

/** Whether this process was started with crash points (fixed, or armed through a control file). */
export function crashPointsArmed(env: Environment = process.env): boolean {
  return Boolean(env[CRASH_ENVIRONMENT.at]?.trim() || env[CRASH_ENVIRONMENT.control]?.trim());
}

/** What is armed now: the control file's line, else the fixed environment. */
function armedNow(env: Environment): { points: string[]; delayMs: number } | null {
  const control = env[CRASH_ENVIRONMENT.control]?.trim();
  if (control) {
    let line = '';
    try {
      line = readFileSync(control, 'utf8').trim();
    } catch {
      return null; // no file: nothing armed
    }
    if (!line) return null;
    const [points = '', delay = '0'] = line.split(/\s+/);
    return { points: points.split(','), delayMs: Number(delay) || 0 };
  }
  const fixed = env[CRASH_ENVIRONMENT.at]?.trim();
  if (!fixed) return null;
  return { points: fixed.split(',').map((item) => item.trim()), delayMs: Number(env[CRASH_ENVIRONMENT.delayMs] ?? '0') || 0 };
}

/** Kills this process (SIGKILL: no clean-up, no flush) if `point` is armed; otherwise returns at once. */
export function crashAt(point: CrashPoint, env: Environment = process.env): void {
  if (!armed || !crashPointsArmed(env)) return;
  const now = armedNow(env);
  if (!now?.points.includes(point)) return;
  hits += 1;
  if (hits <= Number(env[CRASH_ENVIRONMENT.skip] ?? '0')) return;
  armed = false;
  const delayMs = now.delayMs;
  process.stderr.write(`crash point ${point}: SIGKILL${delayMs > 0 ? ` in ${delayMs} ms` : ''}\n`);
  if (delayMs > 0) setTimeout(() => process.kill(process.pid, 'SIGKILL'), delayMs);
  else process.kill(process.pid, 'SIGKILL');
}

/** The port with the broker-side crash points in place; the port itself when none is armed. */
export function withCrashPoints(port: BrokerPort, env: Environment = process.env): BrokerPort {
  if (!crashPointsArmed(env)) return port;
  return new CrashPointBroker(port, env);
}

class CrashPointBroker implements BrokerPort {
  constructor(
    private readonly inner: BrokerPort,
    private readonly env: Environment,
  ) {}

  get name(): string {
    return this.inner.name;
  }

  async submit(order: OrderRequest): Promise<BrokerOrder> {
    crashAt(CRASH_POINTS.beforeSend, this.env);
    const answer = await this.inner.submit(order);
    crashAt(CRASH_POINTS.afterSend, this.env);
    return answer;
  }

  async cancel(clientOrderId: string): Promise<void> {
    crashAt(CRASH_POINTS.cancelBeforeSend, this.env);
    await this.inner.cancel(clientOrderId);
    crashAt(CRASH_POINTS.cancelAfterSend, this.env);
  }

  replace(clientOrderId: string, changes: ReplaceRequest): Promise<BrokerOrder> {
    return this.inner.replace(clientOrderId, changes);
  }

  getOrder(clientOrderId: string): Promise<BrokerOrder | null> {
    return this.inner.getOrder(clientOrderId);
  }

  openOrders(): Promise<BrokerOrder[]> {
    return this.inner.openOrders();
  }

  positions() {
    return this.inner.positions();
  }

  fillsSince(cursor: string | null) {
    return this.inner.fillsSince(cursor);
  }

  account() {
    return this.inner.account();
  }

  onUpdate(listener: (update: BrokerUpdate) => void): () => void {
    return this.inner.onUpdate((update) => {
      listener(update);
      if (update.kind === 'fill' && update.order.status === 'partially_filled') crashAt(CRASH_POINTS.betweenFills, this.env);
    });
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** Passed through for callers that wait for the stream (AlpacaBroker). */
  whenStreamListening(timeoutMs?: number): Promise<boolean> {
    const inner = this.inner as BrokerPort & { whenStreamListening?: (timeoutMs?: number) => Promise<boolean> };
    return inner.whenStreamListening ? inner.whenStreamListening(timeoutMs) : Promise.resolve(true);
  }
}
