import type { RecordedEvent } from '@tollgate/contracts';
import { createLogger } from '@tollgate/telemetry';
import { waitFor } from '@tollgate/testing';
import type { Bus } from './bus';
import { MemoryCheckpointStore, type CheckpointStore } from './checkpoint-store';
import { InProcessBus } from './in-process-bus';
import { EventRelay } from './relay';
import { MemoryEventStore } from './testing/memory-event-store';
import { note } from './testing/store-events';

/** A checkpoint store that can stop accepting saves, as if the process died before writing them. */
class FreezableCheckpoints implements CheckpointStore {
  frozen = false;
  constructor(private readonly inner: CheckpointStore) {}
  load(name: string) {
    return this.inner.load(name);
  }
  async save(name: string, position: number) {
    if (!this.frozen) await this.inner.save(name, position);
  }
  reset(name: string, position: number) {
    return this.inner.reset(name, position);
  }
}

const logger = createLogger({ serviceName: 'relay-spec', level: 'silent' });

describe('EventRelay (in-memory store, in-process bus)', () => {
  let store: MemoryEventStore;
  let bus: InProcessBus;
  const relays: EventRelay[] = [];
  const startRelay = async (checkpoints: CheckpointStore, options: { bus?: Bus; retryDelayMs?: number } = {}) => {
    const relay = new EventRelay({ store, bus: options.bus ?? bus, checkpoints, checkpointIntervalMs: 20, retryDelayMs: options.retryDelayMs ?? 20, logger });
    relays.push(relay);
    await relay.start();
    return relay;
  };
  const consume = async (durableName: string) => {
    const seen: RecordedEvent[] = [];
    await bus.consumeEvents({ durableName, handler: (event) => void seen.push(event) });
    return seen;
  };
  const append = async (count: number, stream = 'note-1') => {
    for (let i = 0; i < count; i++) await store.append(stream, 'any', [note(`n${i}`)]);
  };

  beforeEach(async () => {
    store = new MemoryEventStore();
    bus = new InProcessBus();
  });
  afterEach(async () => {
    await Promise.all(relays.splice(0).map((relay) => relay.stop()));
    await bus.close();
    await store.close();
  });

  it('publishes history, then live events, in position order, and saves its checkpoint', async () => {
    await append(5);
    const seen = await consume('all');
    const checkpoints = new MemoryCheckpointStore();
    const relay = await startRelay(checkpoints);
    await append(5, 'note-2');
    await waitFor(() => seen.length === 10, { what: '10 events relayed' });
    expect(seen.map((event) => event.position)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(seen[7]).toEqual((await store.readAll({ after: 7, maxCount: 1 }))[0]);
    await waitFor(async () => (await checkpoints.load(relay.name)) === 10, { what: 'checkpoint saved' });
    expect(relay.savedPosition).toBe(10);
  });

  it('resumes after a restart from the saved checkpoint: nothing lost, nothing handled twice', async () => {
    const seen = await consume('resume');
    const checkpoints = new MemoryCheckpointStore();
    const first = await startRelay(checkpoints);
    await append(4);
    await waitFor(() => seen.length === 4, { what: 'first events' });
    await first.stop();
    expect(await checkpoints.load(first.name)).toBe(4);
    await append(3);
    await startRelay(checkpoints);
    await waitFor(() => seen.length === 7, { what: 'events appended while down' });
    expect(seen.map((event) => event.position)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('after a crash that lost the last checkpoint saves, re-publishes and the consumer still sees each event once', async () => {
    const seen = await consume('crash');
    const checkpoints = new FreezableCheckpoints(new MemoryCheckpointStore());
    const crashed = await startRelay(checkpoints);
    await append(3);
    await waitFor(async () => (await checkpoints.load(crashed.name)) === 3, { what: 'checkpoint 3' });
    checkpoints.frozen = true;
    await append(4);
    await waitFor(() => seen.length === 7, { what: 'events before the crash' });
    await crashed.stop();
    expect(await checkpoints.load(crashed.name)).toBe(3);
    checkpoints.frozen = false;

    // The restarted relay re-publishes 4..7; the bus drops them by event id (and the consumer would too).
    const republished: number[] = [];
    const spy: Bus = Object.assign(Object.create(bus) as Bus, {
      publishEvent: (event: RecordedEvent) => (republished.push(event.position), bus.publishEvent(event)),
    });
    await startRelay(checkpoints, { bus: spy });
    await append(2);
    await waitFor(() => seen.length === 9, { what: 'events after the restart' });
    expect(republished.slice(0, 4)).toEqual([4, 5, 6, 7]);
    expect(seen.map((event) => event.position)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('reopens from the acknowledged position after a failed publish, keeping order', async () => {
    await append(6);
    const seen = await consume('flaky');
    let attemptsAt4 = 0;
    const flaky: Bus = Object.assign(Object.create(bus) as Bus, {
      publishEvent: async (event: RecordedEvent) => {
        if (event.position === 4 && ++attemptsAt4 === 1) throw new Error('nats: timeout');
        return bus.publishEvent(event);
      },
    });
    const relay = await startRelay(new MemoryCheckpointStore(), { bus: flaky });
    await waitFor(() => seen.length === 6, { what: 'all events despite the failure' });
    expect(attemptsAt4).toBe(2);
    expect(seen.map((event) => event.position)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(relay.publishedPosition).toBe(6);
  });
});
