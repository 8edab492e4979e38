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
  /** While waiting: the time of the event waited for. The market's time cannot pass it before it is emitted. */
  private waitingFor: number | null = null;

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
    if (this.speed === 'max' || !this.anchor || (this.pacing && this.waitingFor === null)) return new Date(this.lastEvent);
    const extrapolated = this.anchor.recorded + (this.scheduler.now().getTime() - this.anchor.wall) * this.speed;
    // A timer that fires late (a busy process) must not make the market look quiet.
    return new Date(Math.max(this.lastEvent, this.waitingFor === null ? extrapolated : Math.min(extrapolated, this.waitingFor)));
  }

  /** Records an event passed on without pacing (at `max`, the caller may skip `pace` and report each event). */
  observe(time: number): void {
    if (this.lastEvent === null || time > this.lastEvent) this.lastEvent = time;
  }

  get unpaced(): boolean {
    return this.speed === 'max';
  }

  async *pace<T>(events: AsyncIterable<T> | Iterable<T>, timeOf: (event: T) => Date): AsyncGenerator<T> {
    this.pacing = true;
    try {
      yield* this.paced(events, timeOf);
    } finally {
      this.pacing = false;
      this.waitingFor = null;
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
            this.waitingFor = recorded;
            try {
              await this.scheduler.sleep(delay);
            } finally {
              this.waitingFor = null;
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
