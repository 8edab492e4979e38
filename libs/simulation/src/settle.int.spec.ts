import type { EventInput } from '@tollgate/contracts';
import { createEventStore, type SqlEventStore } from '@tollgate/event-store';
import { deterministicId } from '@tollgate/kernel';
import { InProcessBus } from '@tollgate/messaging';
import { createLogger } from '@tollgate/telemetry';
import { ActivityTracker, Settler, TrackedBus, TrackedStore } from './settle';

/** The settler on a real store (in-memory PGlite) and the in-process bus. */
const logger = createLogger({ serviceName: 'settle-spec', level: 'silent' });

function note(streamId: string, index: number): EventInput {
  return { id: deterministicId('settle-spec', streamId, index), type: 'OperatorNote', data: { text: `note ${index}` }, metadata: { correlationId: streamId, causationId: null, actor: 'system:spec' }, occurredAt: '2024-07-01T14:00:00.000Z' };
}

describe('settling a simulation step', () => {
  let sql: SqlEventStore;

  beforeEach(async () => {
    sql = await createEventStore({ dataDir: 'memory://' });
  });
  afterEach(async () => {
    await sql.close();
  });

  it('returns only once a chain of reactions — request, append, subscriber, follow-up append, queued work — has run out', async () => {
    const tracker = new ActivityTracker();
    const store = new TrackedStore(sql, tracker);
    const bus = new TrackedBus(new InProcessBus({ logger }), tracker);
    const folded: string[] = [];
    let queue = Promise.resolve();
    let queued = 0;
    // A service that answers a request by appending, and a follower that reacts to each event with
    // another append (three generations), partly through its own work queue.
    await bus.reply('tollgate.cmd.spec.start', async () => {
      await store.append('chain-1', 'no-stream', [note('chain-1', 1)]);
      return { started: true };
    });
    const subscription = store.subscribeAll({
      after: 0,
      handler: (event) => {
        folded.push(event.streamId);
        const generation = Number(event.streamId.slice('chain-'.length));
        if (generation >= 3) return;
        queued += 1;
        queue = queue
          .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
          .then(async () => {
            await store.append(`chain-${generation + 1}`, 'no-stream', [note(`chain-${generation + 1}`, 1)]);
          })
          .finally(() => {
            queued -= 1;
          });
      },
    });
    const settler = new Settler(tracker, store, [() => queued === 0]);
    await settler.settle();

    void bus.request('tollgate.cmd.spec.start', {});
    await settler.settle();
    expect(folded).toEqual(['chain-1', 'chain-2', 'chain-3']);
    expect(await sql.headPosition()).toBe(3);

    // Nothing happened since: settling again returns at once and changes nothing.
    await settler.settle();
    expect(folded).toHaveLength(3);
    await subscription.stop();
    await bus.close();
  });
});
