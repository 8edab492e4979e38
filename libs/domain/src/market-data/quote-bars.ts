import { ZERO, type Decimal } from '@tollgate/kernel';
import { quoteMid, type Bar, type Quote } from './market-data.types';

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000 } as const;

/** A bar length like `1m`, `5s` or `1h`, in milliseconds. Days are refused: a daily bar follows the session, not the epoch. */
export function barIntervalMs(interval: string): number {
  const match = /^([1-9]\d*)([smh])$/.exec(interval);
  if (!match) throw new RangeError(`bar interval must be a whole number of seconds, minutes or hours like "1m", "30s" or "1h"; got ${JSON.stringify(interval)}`);
  const milliseconds = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  if (!Number.isSafeInteger(milliseconds)) throw new RangeError(`bar interval ${interval} is too long`);
  return milliseconds;
}

interface OpenBar {
  start: number;
  open: Decimal;
  high: Decimal;
  low: Decimal;
  close: Decimal;
  /** Time of the quote that set `close`: an earlier quote arriving late moves the high or low, not the close. */
  closeAt: number;
}

/**
 * Builds bars from quotes, per symbol: intervals aligned to the epoch (a `1m` bar spans a whole UTC
 * minute), open/high/low/close from each quote's mid, exact decimals. A bar closes when a quote of a
 * later interval arrives for its symbol, or when `flush` is told its interval has ended. Quotes carry no
 * traded volume, so every bar's volume is 0. Its `timestamp` is the END of the interval, like every bar
 * in Tollgate. A quote for an interval already closed is too late and changes nothing.
 */
export class QuoteBarAggregator {
  readonly intervalMs: number;
  private readonly open = new Map<string, OpenBar>();
  private readonly closedUpTo = new Map<string, number>();

  constructor(readonly interval: string) {
    this.intervalMs = barIntervalMs(interval);
  }

  /** Takes a quote; returns the symbol's bar it closed, if it belongs to a later interval. */
  add(quote: Quote): Bar[] {
    const time = quote.timestamp.getTime();
    if (!Number.isFinite(time)) throw new RangeError(`quote of ${quote.symbol} has an invalid timestamp`);
    const start = Math.floor(time / this.intervalMs) * this.intervalMs;
    if (start < (this.closedUpTo.get(quote.symbol) ?? -Infinity)) return [];
    const mid = quoteMid(quote);
    const current = this.open.get(quote.symbol);
    if (current && current.start === start) {
      if (mid.gt(current.high)) current.high = mid;
      if (mid.lt(current.low)) current.low = mid;
      if (time >= current.closeAt) {
        current.close = mid;
        current.closeAt = time;
      }
      return [];
    }
    if (current && start < current.start) return [];
    const closed = current ? [this.close(quote.symbol, current)] : [];
    this.open.set(quote.symbol, { start, open: mid, high: mid, low: mid, close: mid, closeAt: time });
    return closed;
  }

  /** Closes every bar whose interval ended at or before `now`, in symbol order. */
  flush(now: Date): Bar[] {
    const closed: Bar[] = [];
    for (const [symbol, bar] of [...this.open].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (bar.start + this.intervalMs <= now.getTime()) closed.push(this.close(symbol, bar));
    }
    return closed;
  }

  /** The bar still open for a symbol (for a status line), if any. */
  openBarStart(symbol: string): Date | null {
    const bar = this.open.get(symbol);
    return bar ? new Date(bar.start) : null;
  }

  private close(symbol: string, bar: OpenBar): Bar {
    this.open.delete(symbol);
    const end = bar.start + this.intervalMs;
    this.closedUpTo.set(symbol, end);
    return { timestamp: new Date(end), symbol, open: bar.open, high: bar.high, low: bar.low, close: bar.close, volume: ZERO };
  }
}
