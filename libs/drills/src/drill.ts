import { randomBytes } from 'node:crypto';
import { commandSubjects, type BrokerOrder, type BrokerPosition, type RecordedEvent } from '@tollgate/contracts';
import type { EventStore } from '@tollgate/event-store';
import { isDecimalString } from '@tollgate/kernel';
import type { Bus } from '@tollgate/messaging';
import { DrillMarket } from './drill-market';

export const drillNames = ['kill-switch', 'emergency-stop', 'breaker', 'throttle', 'override'] as const;
export type DrillName = (typeof drillNames)[number];

export interface DrillCheck {
  name: string;
  passed: boolean;
  detail: string;
}

/** Integers, booleans or decimal strings: what a DrillCompleted event may hold (events hold no floats). */
export type DrillFigure = number | boolean | string;

/** What `tollgate drill NAME --json` prints and what DrillCompleted records. */
export interface DrillReport {
  drill: DrillName;
  passed: boolean;
  checks: DrillCheck[];
  figures: Record<string, DrillFigure>;
}

/**
 * A scratch SIMULATED system a drill runs against: the real services (simulated exchange, execution,
 * risk, circuit breakers) on a throw-away store and bus. A drill talks to it only as an operator and
 * the market would — commands and quotes on the bus — and judges it only from the store's events and
 * the simulated exchange's own answers, never from a handler's return value.
 */
export interface DrillSystem {
  bus: Bus;
  store: EventStore;
  accountId: string;
  symbols: readonly string[];
  close(): Promise<void>;
}

export interface DrillOptions {
  /** How long any single wait in a drill may take before its check fails. */
  stepTimeoutMs?: number;
  /**
   * The kill switch's latency bound, command → every resting order cancelled at the exchange, p99
   * (default 1,000 ms, the control's target). A test on a machine busy with other suites may widen it:
   * there it proves the behaviour; the figure itself is measured by `tollgate drill kill-switch`.
   */
  killLatencyTargetMs?: number;
}

export const DEFAULT_KILL_LATENCY_TARGET_MS = 1_000;

/** A step failed in a way later steps cannot run past; the runner records it and stops. */
export class DrillAbort extends Error {
  override name = 'DrillAbort';
}

/** The people a drill acts as: a trader, a risk officer (risk role) and an administrator. */
export const drillPeople = {
  trader: 'user:drill-trader',
  riskOfficer: 'user:drill-risk-officer',
  admin: 'user:drill-admin',
} as const;

export interface PlaceAnswer {
  orderId: string;
  clientOrderId: string;
  status: string;
  reasons?: string[];
}

export interface PlaceOrderInput {
  intentId?: string;
  intentKind?: 'proposal' | 'manual' | 'exit' | 'emergency';
  symbol: string;
  side: 'buy' | 'sell' | 'sell_short' | 'buy_to_cover';
  type?: 'market' | 'limit';
  quantity: string;
  limitPrice?: string;
  strategy?: string | null;
  overrideId?: string;
  actor?: string;
}

/** Everything a drill step needs: the system, the market it drives, checks and figures, and waits on evidence. */
export class DrillContext {
  readonly checks: DrillCheck[] = [];
  readonly figures: Record<string, DrillFigure> = {};
  readonly market: DrillMarket;
  readonly runId = randomBytes(4).toString('hex');
  private intents = 0;

  constructor(
    readonly drill: DrillName,
    readonly system: DrillSystem,
    readonly options: Required<DrillOptions>,
  ) {
    this.market = new DrillMarket(system.bus);
  }

  check(name: string, passed: boolean, detail: string): boolean {
    this.checks.push({ name, passed, detail });
    return passed;
  }

  /** A check later steps depend on: a failure stops the drill. */
  require(name: string, passed: boolean, detail: string): void {
    if (!this.check(name, passed, detail)) throw new DrillAbort(`${name}: ${detail}`);
  }

  figure(name: string, value: DrillFigure): void {
    if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new Error(`figure ${name} must be an integer, a boolean or a decimal string, was ${value}`);
    if (typeof value === 'string' && !isDecimalString(value)) throw new Error(`figure ${name} must be a decimal string, was ${JSON.stringify(value)}`);
    this.figures[name] = value;
  }

  nextIntent(label: string): string {
    this.intents += 1;
    return `drill-${this.drill}-${this.runId}-${label}-${this.intents}`;
  }

  request<Res>(subject: string, payload: unknown, timeoutMs = this.options.stepTimeoutMs): Promise<Res> {
    return this.system.bus.request<Res>(subject, payload, { timeoutMs });
  }

  place(order: PlaceOrderInput): Promise<PlaceAnswer> {
    return this.request<PlaceAnswer>(commandSubjects.execution.placeOrder, {
      intentId: order.intentId ?? this.nextIntent(order.symbol),
      intentKind: order.intentKind ?? (order.strategy ? 'proposal' : 'manual'),
      symbol: order.symbol,
      side: order.side,
      type: order.type ?? 'limit',
      quantity: order.quantity,
      ...(order.limitPrice ? { limitPrice: order.limitPrice } : {}),
      strategy: order.strategy ?? null,
      ...(order.overrideId ? { overrideId: order.overrideId } : {}),
      actor: order.actor ?? drillPeople.trader,
    });
  }

  cancel(orderId: string): Promise<{ orderId: string; status: string }> {
    return this.request(commandSubjects.execution.cancelOrder, { orderId, reason: 'drill', actor: drillPeople.trader });
  }

  /** The simulated exchange's own resting orders: its answer, not ours. */
  exchangeOpenOrders(): Promise<BrokerOrder[]> {
    return this.request<BrokerOrder[]>(commandSubjects.simulatedExchange.openOrders, {});
  }

  exchangePositions(): Promise<BrokerPosition[]> {
    return this.request<BrokerPosition[]>(commandSubjects.simulatedExchange.positions, {});
  }

  /**
   * Waits until the risk service holds a reference price for each symbol, at least as new as market time
   * `since` (quotes are fire-and-forget market data; the first ones must arrive before an order is judged).
   */
  async quotesSeen(symbols: readonly string[], since = 0): Promise<void> {
    const seen = await this.until(async () => {
      const state = await this.request<{ referencePrices: Array<{ symbol: string; at: string }> }>(commandSubjects.risk.state, {});
      return symbols.every((symbol) => state.referencePrices.some((reference) => reference.symbol === symbol && Date.parse(reference.at) >= since));
    });
    if (!seen) throw new DrillAbort(`the risk service saw no quote for ${symbols.join(', ')} within ${this.options.stepTimeoutMs} ms`);
  }

  /** Every event in the scratch store (it holds only this drill's run). */
  events(): Promise<RecordedEvent[]> {
    return this.system.store.readAll();
  }

  async eventsOf(types: readonly string[]): Promise<RecordedEvent[]> {
    const wanted = new Set(types);
    return (await this.events()).filter((event) => wanted.has(event.type));
  }

  /** Polls a probe until it yields a value, or null once the step's time is up (the caller checks). */
  async until<T>(probe: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = this.options.stepTimeoutMs, intervalMs = 5): Promise<T | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value) return value;
      if (Date.now() > deadline) return null;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }

  report(): DrillReport {
    return { drill: this.drill, passed: this.checks.length > 0 && this.checks.every((check) => check.passed), checks: this.checks, figures: this.figures };
  }
}

/** The p-th percentile (nearest rank) of a list of numbers. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** Milliseconds as a decimal string with one decimal: figures hold no floats. */
export function millis(value: number): string {
  return Number.isFinite(value) ? value.toFixed(1) : '0';
}
