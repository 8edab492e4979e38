import { ManualClock, type Clock } from '@tollgate/kernel';

/** Time for a replay: a clock to read and a way to wait. Tests pass a `VirtualScheduler`. */
export interface ReplayScheduler extends Clock {
  sleep(milliseconds: number): Promise<void>;
}

/** Wall-clock time; waits with timers. */
export const realTimeScheduler: ReplayScheduler = {
  now: () => new Date(),
  sleep: (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds)),
};

/** Virtual time: `sleep` moves the clock forward and returns at once, so tests never wait. */
export class VirtualScheduler implements ReplayScheduler {
  readonly clock: ManualClock;
  constructor(start: Date = new Date('2026-01-02T14:30:00.000Z')) {
    this.clock = new ManualClock(start);
  }
  now(): Date {
    return this.clock.now();
  }
  async sleep(milliseconds: number): Promise<void> {
    this.clock.advance(milliseconds);
  }
}

/**
 * `'recorded'` replays at the recorded pace, a number `n` at n times that pace (60 = one recorded
 * minute per second), `'max'` as fast as the consumer takes events.
 */
export type ReplaySpeed = 'recorded' | 'max' | number;

export interface ReplayOptions<T> {
  speed: ReplaySpeed;
  scheduler?: ReplayScheduler;
  /** The instant an event was recorded at. */
  timeOf: (event: T) => Date;
}

export class InvalidReplaySpeedError extends Error {
  override name = 'InvalidReplaySpeedError';
  constructor(readonly speed: unknown) {
    super(`replay speed was not 'recorded', 'max' or a positive number: ${JSON.stringify(speed)}`);
  }
}

/**
 * Re-emits events spaced as they were recorded, scaled by the speed. Each event is due at
 * `start + (t − t₀) / speed` on the scheduler's clock, an absolute schedule, so slow consumers do not
 * accumulate drift. An event stamped earlier than its predecessor is emitted at once (the tick
 * validator, not the replay, decides what to do with it).
 */
export async function* replay<T>(events: AsyncIterable<T> | Iterable<T>, options: ReplayOptions<T>): AsyncGenerator<T> {
  const speed = options.speed === 'recorded' ? 1 : options.speed === 'max' ? Infinity : options.speed;
  if (typeof speed !== 'number' || !(speed > 0)) throw new InvalidReplaySpeedError(options.speed);
  const scheduler = options.scheduler ?? realTimeScheduler;
  let anchor: { recorded: number; wall: number } | null = null;
  for await (const event of events) {
    if (speed !== Infinity) {
      const recorded = options.timeOf(event).getTime();
      if (anchor === null) {
        anchor = { recorded, wall: scheduler.now().getTime() };
      } else {
        const due = anchor.wall + (recorded - anchor.recorded) / speed;
        const delay = due - scheduler.now().getTime();
        if (delay > 0) await scheduler.sleep(delay);
      }
    }
    yield event;
  }
}
