import type { ExchangeCalendar } from '@tollgate/domain/calendar';
import { realTimeScheduler, type ReplayScheduler } from '@tollgate/domain/market-data';

/**
 * Paces a recorded or synthetic market at a speed, like the domain's `replay`, and also answers
 * "what time is it in the market now?" (the replay's clock: the time of the last event plus the wall
 * time since, scaled). Gaps when the market is closed (nights, weekends, holidays) are skipped rather
 * than waited out, so a simulation at 60× does not sit silent for 17 minutes every night.
 */
export class MarketPacer {
  private anchor: { recorded: number; wall: number } | null = null;
  private lastEvent: number | null = null;
  /** Pacing and waiting for the next event's time; while it is behind schedule it does not wait. */
  private pacing = false;
  private waiting = false;

  constructor(
    private readonly speed: number | 'max',
    private readonly calendar: ExchangeCalendar,
    private readonly scheduler: ReplayScheduler = realTimeScheduler,
  ) {
    if (speed !== 'max' && !(speed > 0 && Number.isFinite(speed))) throw new RangeError(`speed must be a positive number or 'max', got ${JSON.stringify(speed)}`);
  }

  /**
   * The market's time now: while the replay waits for its next event (or after its last one) it moves
   * with the wall clock × speed; while it is busy or behind schedule, and at `max`, it is the time of the
   * last event — a replay that lags is late, not a market gone quiet.
   */
  marketNow(): Date | null {
    if (this.lastEvent === null) return null;
    if (this.speed === 'max' || !this.anchor || (this.pacing && !this.waiting)) return new Date(this.lastEvent);
    return new Date(Math.max(this.lastEvent, this.anchor.recorded + (this.scheduler.now().getTime() - this.anchor.wall) * this.speed));
  }

  async *pace<T>(events: AsyncIterable<T> | Iterable<T>, timeOf: (event: T) => Date): AsyncGenerator<T> {
    this.pacing = true;
    try {
      yield* this.paced(events, timeOf);
    } finally {
      this.pacing = false;
      this.waiting = false;
    }
  }

  private async *paced<T>(events: AsyncIterable<T> | Iterable<T>, timeOf: (event: T) => Date): AsyncGenerator<T> {
    for await (const event of events) {
      const recorded = timeOf(event).getTime();
      if (this.speed !== 'max') {
        if (this.anchor === null || this.marketClosedSince(recorded)) {
          this.anchor = { recorded, wall: this.scheduler.now().getTime() };
        } else {
          const delay = this.anchor.wall + (recorded - this.anchor.recorded) / this.speed - this.scheduler.now().getTime();
          if (delay > 0) {
            this.waiting = true;
            try {
              await this.scheduler.sleep(delay);
            } finally {
              this.waiting = false;
            }
          }
        }
      }
      if (this.lastEvent === null || recorded > this.lastEvent) this.lastEvent = recorded;
      yield event;
    }
  }

  /** True when the market closed between the last event and this one: its session (a bar at the close belongs to it) ended before it. */
  private marketClosedSince(next: number): boolean {
    const last = this.lastEvent;
    if (last === null || next <= last) return false;
    try {
      const instant = new Date(last);
      const session = this.calendar.sessionAt(instant) ?? this.calendar.session(instant);
      if (!session || last < session.open.getTime() || last > session.close.getTime()) return true;
      return next > session.close.getTime();
    } catch {
      // Outside the calendar's coverage: plain pacing.
      return false;
    }
  }
}
