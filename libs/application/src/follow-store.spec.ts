import type { RecordedEvent } from '@tollgate/contracts';
import type { EventStore, SubscribeAllOptions } from '@tollgate/event-store';
import { followStore } from './follow-store';

/** Just enough of a store: a log, its head, and one subscription delivering history then live events. */
function fakeStore(initial: number) {
  const log: RecordedEvent[] = [];
  let deliver: ((event: RecordedEvent) => void) | undefined;
  let stopped = false;
  const event = (position: number): RecordedEvent => ({
    id: `e${position}`,
    streamId: 'test-1',
    streamVersion: position,
    position,
    type: 'Tested',
    schemaVersion: 1,
    data: {},
    metadata: { correlationId: 'c', causationId: null, actor: 'test' },
    occurredAt: new Date(0).toISOString(),
    recordedAt: new Date(0).toISOString(),
  });
  for (let position = 1; position <= initial; position += 1) log.push(event(position));
  const store = {
    headPosition: async () => log.length,
    subscribeAll: (options: SubscribeAllOptions) => {
      // History arrives after the caller has returned, as from a real store, in order (appends made meanwhile
      // included), then each append as it is made.
      void Promise.resolve().then(() => {
        for (let index = 0; index < log.length && !stopped; index += 1) void options.handler(log[index]!);
        if (!stopped) deliver = (recorded) => void options.handler(recorded);
      });
      return {
        stop: async () => {
          stopped = true;
          deliver = undefined;
        },
      };
    },
  } as Pick<EventStore, 'headPosition' | 'subscribeAll'> as EventStore;
  return {
    store,
    /** An event appended after the head was read. */
    append: () => {
      const recorded = event(log.length + 1);
      log.push(recorded);
      deliver?.(recorded);
    },
    get stopped() {
      return stopped;
    },
  };
}

describe('followStore', () => {
  it('is caught up right after the event at the head as of the call, before any later one', async () => {
    const fake = fakeStore(3);
    const seen: string[] = [];
    const following = followStore(fake.store, {
      handler: (event) => {
        seen.push(`event ${event.position}`);
        // An append while history is still being delivered lands after the head that was read.
        if (event.position === 2) fake.append();
      },
      onCaughtUp: () => seen.push('caught up'),
      onError: (error) => seen.push(`error ${String(error)}`),
    });
    await following.caughtUp;
    expect(seen).toEqual(['event 1', 'event 2', 'event 3', 'caught up', 'event 4']);
  });

  it('on an empty store is caught up before the first event, which is then live', async () => {
    const fake = fakeStore(0);
    const seen: string[] = [];
    const following = followStore(fake.store, { handler: (event) => seen.push(`event ${event.position}`), onCaughtUp: () => seen.push('caught up'), onError: () => undefined });
    await following.caughtUp;
    fake.append();
    expect(seen).toEqual(['caught up', 'event 1']);
  });

  it('stops the subscription it holds', async () => {
    const fake = fakeStore(1);
    const following = followStore(fake.store, { handler: () => undefined, onCaughtUp: () => undefined, onError: () => undefined });
    await following.caughtUp;
    await following.stop();
    expect(fake.stopped).toBe(true);
  });
});
