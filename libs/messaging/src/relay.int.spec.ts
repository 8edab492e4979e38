import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { join } from 'node:path';
import type { RecordedEvent } from '@tollgate/contracts';
import { createEventStore, type EventStore } from '@tollgate/event-store';
import { createLogger } from '@tollgate/telemetry';
import { createTestDatabase, NATS_TEST_URL, waitFor, type TestDatabase } from '@tollgate/testing';
import { checkpointStoreBeside, SqlCheckpointStore } from './checkpoint-store';
import { connectNatsBus, type NatsBus } from './nats-bus';
import { EventRelay } from './relay';
import { note } from './testing/store-events';

const root = join(__dirname, '../../..');
const logger = createLogger({ serviceName: 'relay-int', level: 'silent' });

describe('EventRelay on PostgreSQL and NATS', () => {
  let database: TestDatabase;
  let store: EventStore;
  let bus: NatsBus;
  const namespace = `relay_${randomBytes(5).toString('hex')}`;
  const children = new Set<ChildProcess>();

  beforeAll(async () => {
    database = await createTestDatabase();
    store = await createEventStore({ databaseUrl: database.url });
    bus = await connectNatsBus({ url: NATS_TEST_URL, namespace, logger });
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await bus?.deleteEventStream();
    await bus?.close();
    await store?.close();
    await database?.drop();
  });

  async function appendNotes(count: number, perAppend = 50): Promise<void> {
    for (let offset = 0; offset < count; offset += perAppend) {
      const batch = Array.from({ length: Math.min(perAppend, count - offset) }, (_, i) => note(`note ${offset + i}`));
      await store.append(`note-${offset % 7}`, 'any', batch);
    }
  }

  function spawnRelay(): ChildProcess {
    const child = spawn(process.execPath, [join(root, 'bin/run-ts.js'), join(root, 'libs/messaging/src/relay-main.ts')], {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: database.url,
        NATS_URL: NATS_TEST_URL,
        TOLLGATE_NATS_NAMESPACE: namespace,
        TOLLGATE_RELAY_NAME: 'kill-test',
        TOLLGATE_RELAY_CHECKPOINT_MS: '100',
        // One publish in flight keeps the relay busy long enough to be killed mid-stream.
        TOLLGATE_RELAY_MAX_IN_FLIGHT: '1',
        TOLLGATE_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    children.add(child);
    child.once('exit', () => children.delete(child));
    return child;
  }

  it('killed with SIGKILL mid-stream and restarted, delivers every event to the consumer exactly once, in order', async () => {
    // Enough that one publish in flight at a time cannot finish them before the kill lands.
    const TOTAL = 10_000;
    const seen: RecordedEvent[] = [];
    const consumer = await bus.consumeEvents({ durableName: 'kill-test', handler: (event) => void seen.push(event) });
    await appendNotes(TOTAL);
    const published = async () => (await bus.connection.jetstreamManager().then((jsm) => jsm.streams.info(bus.streamName))).state.last_seq;

    const first = spawnRelay();
    // Killed on the relay's own progress (what JetStream holds), not the consumer's, which may lag far behind.
    await waitFor(async () => (await published()) >= 300, { timeoutMs: 30_000, intervalMs: 5, what: 'the relay to publish 300 events' });
    first.kill('SIGKILL');
    await once(first, 'exit');
    const checkpointAtKill = await new SqlCheckpointStore((store as unknown as { executor: never }).executor).load('kill-test');
    const publishedAtKill = await published();
    expect(publishedAtKill).toBeLessThan(TOTAL);
    expect(checkpointAtKill).toBeLessThanOrEqual(publishedAtKill);

    await appendNotes(500);
    const second = spawnRelay();
    await waitFor(() => seen.length >= TOTAL + 500, { timeoutMs: 90_000, what: `all ${TOTAL + 500} events after the restart` });
    // A last event proves nothing else was still on its way.
    await store.append('note-last', 'any', [note('last')]);
    await waitFor(() => seen.some((event) => event.streamId === 'note-last'), { timeoutMs: 10_000, what: 'the last event' });
    second.kill('SIGTERM');
    await once(second, 'exit');
    await consumer.close();

    const stored = await store.readAll();
    expect(seen.map((event) => event.id)).toEqual(stored.map((event) => event.id));
    expect(new Set(seen.map((event) => event.id)).size).toBe(stored.length);
    // The stream itself dropped the re-published copies by Nats-Msg-Id.
    const info = await (await bus.connection.jetstreamManager()).streams.info(bus.streamName);
    expect(info.state.messages).toBe(stored.length);
    expect(await checkpointStoreBeside(store).load('kill-test')).toBe(stored.length);
  }, 180_000);

  it('keeps its checkpoint in the store database and resumes from it in-process', async () => {
    const seen: RecordedEvent[] = [];
    const consumer = await bus.consumeEvents({ durableName: 'resume-test', deliverFrom: 'new', handler: (event) => void seen.push(event) });
    const checkpoints = checkpointStoreBeside(store);
    const head = await store.headPosition();
    await checkpoints.reset('resume-test', head);
    const relay = new EventRelay({ store, bus, checkpoints, name: 'resume-test', logger });
    await relay.start();
    await appendNotes(20, 5);
    await waitFor(() => seen.length === 20, { what: '20 events' });
    await relay.stop();
    expect(await checkpoints.load('resume-test')).toBe(head + 20);
    await appendNotes(10, 5);
    const again = new EventRelay({ store, bus, checkpoints, name: 'resume-test', logger });
    await again.start();
    await waitFor(() => seen.length === 30, { what: '30 events' });
    await again.stop();
    await consumer.close();
    expect(seen.map((event) => event.position)).toEqual(Array.from({ length: 30 }, (_, i) => head + i + 1));
    // A stale relay saving an older position cannot move the checkpoint back; an operator's reset can.
    await checkpoints.save('resume-test', 1);
    expect(await checkpoints.load('resume-test')).toBe(head + 30);
    await checkpoints.reset('resume-test', 1);
    expect(await checkpoints.load('resume-test')).toBe(1);
  });
});
