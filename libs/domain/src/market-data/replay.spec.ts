import { InvalidReplaySpeedError, replay, VirtualScheduler } from './replay';

const event = (iso: string, name: string) => ({ at: new Date(iso), name });
const events = [
  event('2024-07-03T13:30:00Z', 'a'),
  event('2024-07-03T13:30:01Z', 'b'),
  event('2024-07-03T13:30:01Z', 'c'),
  event('2024-07-03T13:31:01Z', 'd'),
];

async function emissionOffsets(speed: Parameters<typeof replay>[1]['speed']): Promise<Array<[string, number]>> {
  const scheduler = new VirtualScheduler(new Date('2030-01-01T00:00:00Z'));
  const start = scheduler.now().getTime();
  const emitted: Array<[string, number]> = [];
  for await (const item of replay(events, { speed, scheduler, timeOf: (item) => item.at })) {
    emitted.push([item.name, scheduler.now().getTime() - start]);
  }
  return emitted;
}

describe('replay', () => {
  it('spaces events as recorded', async () => {
    expect(await emissionOffsets('recorded')).toEqual([
      ['a', 0],
      ['b', 1000],
      ['c', 1000],
      ['d', 61000],
    ]);
  });

  it('compresses time by the speed factor', async () => {
    expect(await emissionOffsets(10)).toEqual([
      ['a', 0],
      ['b', 100],
      ['c', 100],
      ['d', 6100],
    ]);
  });

  it('does not wait at all at max speed', async () => {
    expect((await emissionOffsets('max')).map(([, offset]) => offset)).toEqual([0, 0, 0, 0]);
  });

  it('keeps to the absolute schedule when the consumer is slow', async () => {
    const scheduler = new VirtualScheduler();
    const start = scheduler.now().getTime();
    const emitted: number[] = [];
    for await (const _item of replay(events, { speed: 'recorded', scheduler, timeOf: (item) => item.at })) {
      emitted.push(scheduler.now().getTime() - start);
      scheduler.clock.advance(500); // the consumer takes half a second per event
    }
    expect(emitted).toEqual([0, 1000, 1500, 61000]);
  });

  it('emits an event stamped earlier than its predecessor at once', async () => {
    const scheduler = new VirtualScheduler();
    const start = scheduler.now().getTime();
    const disordered = [events[1]!, events[0]!, events[3]!];
    const offsets: number[] = [];
    for await (const _item of replay(disordered, { speed: 'recorded', scheduler, timeOf: (item) => item.at })) offsets.push(scheduler.now().getTime() - start);
    expect(offsets).toEqual([0, 0, 60000]);
  });

  it('refuses a speed that is not positive', async () => {
    await expect(replay(events, { speed: 0, timeOf: (item) => item.at }).next()).rejects.toThrow(InvalidReplaySpeedError);
  });
});
