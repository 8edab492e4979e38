import type { EventData, MarketDataResumed, MarketDataStale } from '@tollgate/contracts';
import type { ExchangeCalendar } from '../calendar';

export type MarketDataStaleData = EventData<typeof MarketDataStale>;
export type MarketDataResumedData = EventData<typeof MarketDataResumed>;

/** What the detector decided; the service wraps each into an event on the feed's stream. */
export type FeedHealthChange =
  | { type: 'MarketDataStale'; occurredAt: string; data: MarketDataStaleData }
  | { type: 'MarketDataResumed'; occurredAt: string; data: MarketDataResumedData };

export interface StaleFeedDetectorOptions {
  feed: string;
  calendar: ExchangeCalendar;
  /** Market time without a tick after which the feed (or a symbol) is stale. */
  staleAfterSeconds: number;
  /** Symbols watched one by one; the feed as a whole is always watched. */
  symbols?: readonly string[];
  /** When watching began: a feed is not stale for ticks it never had a chance to send. */
  startedAt: Date;
}

/** `null` keys the feed as a whole. */
type WatchKey = string | null;

/**
 * Raises `MarketDataStale` when no tick arrived for `staleAfterSeconds` while the market is open,
 * and `MarketDataResumed` at the next tick. Only market time counts: silence is measured from the
 * latest of the last tick, the current session's open and the start of watching, so a quiet night
 * or weekend is never stale. Feed it accepted ticks only — a stream of rejected ticks is no sign of
 * a healthy feed. Time comes in through the calls; the detector never reads a clock.
 */
export class StaleFeedDetector {
  private readonly lastTick = new Map<WatchKey, number>();
  private readonly staleSince = new Map<WatchKey, Date>();
  private readonly keys: WatchKey[];
  private readonly staleAfterMilliseconds: number;

  constructor(private readonly options: StaleFeedDetectorOptions) {
    if (!Number.isInteger(options.staleAfterSeconds) || options.staleAfterSeconds <= 0) {
      throw new RangeError(`staleAfterSeconds was not a positive whole number: ${options.staleAfterSeconds}`);
    }
    this.staleAfterMilliseconds = options.staleAfterSeconds * 1000;
    this.keys = [null, ...(options.symbols ?? [])];
  }

  /** A tick was received at `at`; returns `MarketDataResumed` for the feed and symbol if they were stale. */
  recordTick(symbol: string, at: Date): FeedHealthChange[] {
    const changes: FeedHealthChange[] = [];
    for (const key of [null, symbol]) {
      if (key !== null && !this.keys.includes(key)) continue;
      const previous = this.lastTick.get(key);
      if (previous === undefined || at.getTime() > previous) this.lastTick.set(key, at.getTime());
      const since = this.staleSince.get(key);
      if (since) {
        this.staleSince.delete(key);
        changes.push({
          type: 'MarketDataResumed',
          occurredAt: at.toISOString(),
          data: { feed: this.options.feed, symbol: key, staleSince: since.toISOString(), resumedAt: at.toISOString() },
        });
      }
    }
    return changes;
  }

  /** Call periodically (e.g. every second of the service's clock); returns newly stale keys. */
  check(now: Date): FeedHealthChange[] {
    const session = this.options.calendar.sessionAt(now);
    if (!session) return [];
    const quietFrom = Math.max(session.open.getTime(), this.options.startedAt.getTime());
    const changes: FeedHealthChange[] = [];
    for (const key of this.keys) {
      if (this.staleSince.has(key)) continue;
      const lastTick = this.lastTick.get(key);
      const reference = Math.max(quietFrom, lastTick ?? -Infinity);
      if (now.getTime() - reference < this.staleAfterMilliseconds) continue;
      this.staleSince.set(key, now);
      changes.push({
        type: 'MarketDataStale',
        occurredAt: now.toISOString(),
        data: {
          feed: this.options.feed,
          symbol: key,
          lastTickAt: lastTick === undefined ? null : new Date(lastTick).toISOString(),
          detectedAt: now.toISOString(),
          staleAfterSeconds: this.options.staleAfterSeconds,
          session: session.date,
        },
      });
    }
    return changes;
  }

  /** Keys currently stale: `null` for the whole feed, else symbols. */
  staleKeys(): WatchKey[] {
    return [...this.staleSince.keys()];
  }
}
