import type { RecordedEvent } from '@tollgate/contracts';
import { InProcessBus } from './in-process-bus';
import { recordedEvent } from './testing/events';

async function drain(bus: InProcessBus, durableName: string, expected: number): Promise<RecordedEvent[]> {
  const seen: RecordedEvent[] = [];
  const subscription = await bus.consumeEvents({ durableName, handler: (event) => void seen.push(event) });
  for (let tick = 0; tick < 100 && seen.length < expected; tick++) await bus.flush();
  await subscription.close();
  return seen;
}

describe('InProcessBus retention', () => {
  it('keeps what a registered consumer still needs, and only the last events for a late starter', async () => {
    const bus = new InProcessBus({ retainedEvents: 2 });
    await (await bus.consumeEvents({ durableName: 'registered', handler: () => {} })).close();
    const events = Array.from({ length: 5 }, (_, i) => recordedEvent(`retain-${i}`, 'Placed'));
    for (const event of events) await bus.publishEvent(event);
    expect((await drain(bus, 'registered', 5)).map((event) => event.id)).toEqual(events.map((event) => event.id));
    expect((await drain(bus, 'late', 2)).map((event) => event.id)).toEqual(events.slice(3).map((event) => event.id));
    await bus.close();
  });

  it('drops the oldest events beyond the hard cap even when a stopped consumer still needs them', async () => {
    const bus = new InProcessBus({ retainedEvents: 1, maxRetainedEvents: 3 });
    await (await bus.consumeEvents({ durableName: 'stalled', handler: () => {} })).close();
    const events = Array.from({ length: 5 }, (_, i) => recordedEvent(`cap-${i}`, 'Placed'));
    for (const event of events) await bus.publishEvent(event);
    expect((await drain(bus, 'stalled', 3)).map((event) => event.id)).toEqual(events.slice(2).map((event) => event.id));
    await bus.close();
  });
});
