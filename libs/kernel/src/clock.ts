/** Time comes in through a Clock so deciders stay pure and simulations replay exactly. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock a test or a simulation moves by hand. */
export class ManualClock implements Clock {
  constructor(private current: Date = new Date('2026-01-02T14:30:00.000Z')) {}
  now(): Date {
    return new Date(this.current.getTime());
  }
  set(at: Date): void {
    this.current = new Date(at.getTime());
  }
  advance(milliseconds: number): void {
    this.current = new Date(this.current.getTime() + milliseconds);
  }
}
