import { subjects } from '@tollgate/contracts';
import type { Bus } from '@tollgate/messaging';

/** A Monday mid-session: day orders stay live and the calendar says the market is open. */
export const DRILL_MARKET_START = new Date('2026-03-02T15:00:00.000Z');

/**
 * The market a drill drives: quotes on the market-data subjects, as the market-data service publishes
 * them. Market time runs with the wall clock from a fixed mid-session instant (the simulated
 * exchange, execution and risk all follow market time); a drill can pause it (to put many messages in
 * one market second) or jump it forward (to expire something). A pump re-quotes every symbol so
 * references stay fresh and resting orders meet new prices.
 */
export class DrillMarket {
  private readonly prices = new Map<string, { bid: string; ask: string }>();
  private readonly startedAt = Date.now();
  private offsetMs = 0;
  private pausedAt: number | null = null;
  private lastPublished = 0;
  private pump: NodeJS.Timeout | undefined;

  constructor(private readonly bus: Bus) {}

  /** Market time now, never earlier than any quote already published. */
  now(): Date {
    const running = DRILL_MARKET_START.getTime() + (Date.now() - this.startedAt) + this.offsetMs;
    const time = this.pausedAt ?? running;
    this.lastPublished = Math.max(this.lastPublished, time);
    return new Date(this.lastPublished);
  }

  /** Sets a symbol's quote and publishes it at once. */
  quote(symbol: string, bid: string, ask: string): void {
    this.prices.set(symbol, { bid, ask });
    this.publish(symbol);
  }

  quoteOf(symbol: string): { bid: string; ask: string } | undefined {
    return this.prices.get(symbol);
  }

  /** Re-quotes every symbol every `intervalMs` of wall time. */
  start(intervalMs = 40): void {
    this.stop();
    this.pump = setInterval(() => {
      for (const symbol of this.prices.keys()) this.publish(symbol);
    }, intervalMs);
    this.pump.unref();
  }

  stop(): void {
    if (this.pump) clearInterval(this.pump);
    this.pump = undefined;
  }

  /** Freezes market time (quotes still go out, all stamped the same instant). */
  pause(): void {
    this.pausedAt ??= this.now().getTime();
  }

  resume(): void {
    if (this.pausedAt === null) return;
    const running = DRILL_MARKET_START.getTime() + (Date.now() - this.startedAt) + this.offsetMs;
    // Time continues from where it stood, never jumping back.
    this.offsetMs += this.pausedAt - running;
    this.pausedAt = null;
  }

  /** Moves market time forward at once. */
  advance(milliseconds: number): void {
    this.offsetMs += milliseconds;
    if (this.pausedAt !== null) this.pausedAt += milliseconds;
    for (const symbol of this.prices.keys()) this.publish(symbol);
  }

  private publish(symbol: string): void {
    const price = this.prices.get(symbol);
    if (!price) return;
    try {
      this.bus.publish(subjects.quote(symbol), { timestamp: this.now().toISOString(), symbol, bid: price.bid, ask: price.ask, bidSize: '100000', askSize: '100000' });
    } catch {
      // The system closed under the pump: the market closes with it.
      this.stop();
    }
  }
}
