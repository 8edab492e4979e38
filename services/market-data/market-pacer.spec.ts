import { nyseCalendar } from '@tollgate/domain/calendar';
import { VirtualScheduler } from '@tollgate/domain/market-data';
import { MarketPacer } from './market-pacer';

/** 2024-07-02 was a regular session: 13:30–20:00 UTC. */
const at = (time: string) => new Date(`2024-07-02T${time}Z`);

async function paced(pacer: MarketPacer, times: Date[], scheduler: VirtualScheduler): Promise<Array<{ market: string; wall: number }>> {
  const start = scheduler.now().getTime();
  const seen: Array<{ market: string; wall: number }> = [];
  for await (const time of pacer.pace(times, (event) => event)) seen.push({ market: time.toISOString(), wall: scheduler.now().getTime() - start });
  return seen;
}

describe('MarketPacer', () => {
  const calendar = nyseCalendar();

  it('spaces events by their recorded gaps divided by the speed', async () => {
    const scheduler = new VirtualScheduler(new Date('2030-01-01T00:00:00Z'));
    const pacer = new MarketPacer(60, calendar, scheduler);
    const seen = await paced(pacer, [at('14:00:00'), at('14:01:00'), at('14:03:00')], scheduler);
    expect(seen.map((event) => event.wall)).toEqual([0, 1_000, 3_000]);
  });

  it('skips the night instead of waiting it out', async () => {
    const scheduler = new VirtualScheduler(new Date('2030-01-01T00:00:00Z'));
    const pacer = new MarketPacer(60, calendar, scheduler);
    // The session's last bar at the close, then the next morning's first tick.
    const seen = await paced(pacer, [at('19:59:00'), at('20:00:00'), new Date('2024-07-03T13:31:00Z'), new Date('2024-07-03T13:32:00Z')], scheduler);
    expect(seen.map((event) => event.wall)).toEqual([0, 1_000, 1_000, 2_000]);
  });

  it("tells the market's time after the last event, moving at the speed", async () => {
    const scheduler = new VirtualScheduler(new Date('2030-01-01T00:00:00Z'));
    const pacer = new MarketPacer(10, calendar, scheduler);
    expect(pacer.marketNow()).toBeNull();
    await paced(pacer, [at('14:00:00')], scheduler);
    scheduler.clock.advance(3_000);
    expect(pacer.marketNow()?.toISOString()).toBe(at('14:00:30').toISOString());
  });

  it("while busy or behind schedule, its time is the last event's: a late replay is not a quiet market", async () => {
    const scheduler = new VirtualScheduler(new Date('2030-01-01T00:00:00Z'));
    const pacer = new MarketPacer(10, calendar, scheduler);
    const iterator = pacer.pace([at('14:00:00'), at('14:00:10')], (event) => event)[Symbol.asyncIterator]();
    await iterator.next();
    scheduler.clock.advance(60_000); // the consumer took a minute with the first event
    expect(pacer.marketNow()?.toISOString()).toBe(at('14:00:00').toISOString());
    await iterator.next();
    expect(pacer.marketNow()?.toISOString()).toBe(at('14:00:10').toISOString());
  });

  it('while waiting for the next event, its time never passes that event: a late timer is not a quiet market', async () => {
    let wake: () => void = () => undefined;
    const scheduler = new VirtualScheduler(new Date('2030-01-01T00:00:00Z'));
    const sleeping = { now: () => scheduler.now(), sleep: () => new Promise<void>((resolve) => (wake = resolve)) };
    const pacer = new MarketPacer(60, calendar, sleeping);
    const iterator = pacer.pace([at('14:00:00'), at('14:00:15')], (event) => event)[Symbol.asyncIterator]();
    await iterator.next();
    const second = iterator.next();
    await new Promise((resolve) => setImmediate(resolve));
    scheduler.clock.advance(5_000); // the timer should have fired after 250 ms: 5 s late
    expect(pacer.marketNow()?.toISOString()).toBe(at('14:00:15').toISOString());
    wake();
    await second;
  });

  it("at 'max' never waits, and its time is the last event's", async () => {
    const scheduler = new VirtualScheduler(new Date('2030-01-01T00:00:00Z'));
    const pacer = new MarketPacer('max', calendar, scheduler);
    const seen = await paced(pacer, [at('14:00:00'), at('15:00:00')], scheduler);
    expect(seen.map((event) => event.wall)).toEqual([0, 0]);
    expect(pacer.marketNow()?.toISOString()).toBe(at('15:00:00').toISOString());
  });

  it('refuses a speed that is not positive', () => {
    expect(() => new MarketPacer(0, calendar)).toThrow(/speed must be a positive number/);
  });
});
