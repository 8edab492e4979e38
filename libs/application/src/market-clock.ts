import type { Clock } from '@tollgate/kernel';

/**
 * "Now" for a service that trades against market data. In SIMULATED mode the market is replayed at
 * any speed (synthetic or a CSV from another year), so the wall clock means nothing to it: now is
 * the time of the latest market data seen, never earlier than it was. Before the first tick, and in
 * the other modes, it is the wall clock.
 */
export class MarketClock implements Clock {
  private latest = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly follows: 'market' | 'wall',
    private readonly wall: Clock = { now: () => new Date() },
  ) {}

  static forMode(mode: 'SIMULATED' | 'SANDBOX_PAPER' | 'LIVE', wall?: Clock): MarketClock {
    return new MarketClock(mode === 'SIMULATED' ? 'market' : 'wall', wall);
  }

  /** A tick stamped `at` arrived; time never moves backwards. */
  observe(at: Date | string | number): void {
    const time = typeof at === 'number' ? at : typeof at === 'string' ? Date.parse(at) : at.getTime();
    if (time > this.latest) this.latest = time;
  }

  /** Whether market data has been seen (in market mode, before that `now` is the wall clock). */
  get hasMarketTime(): boolean {
    return this.latest !== Number.NEGATIVE_INFINITY;
  }

  now(): Date {
    if (this.follows === 'market' && this.hasMarketTime) return new Date(this.latest);
    return this.wall.now();
  }
}
