import type { RecordedEvent } from '@tollgate/contracts';
import { type BackendFixture, BACKENDS, note, openBackend, streamOf, waitFor } from './contract.fixtures';
import type { SqlSession } from './sql/executor';
import { SCHEMA } from './sql/schema';
import type { SqlEventStore } from './sql-event-store';

/** Collects a subscription's deliveries and fails the test on any subscription error. */
function collector() {
  const seen: RecordedEvent[] = [];
  const errors: unknown[] = [];
  return {
    seen,
    errors,
    handler: (event: RecordedEvent) => {
      seen.push(event);
    },
    onError: (error: unknown) => errors.push(error),
  };
}

function expectDenseFrom(events: RecordedEvent[], first: number): void {
  expect(events.map((event) => event.position)).toEqual(events.map((_, index) => first + index));
}

describe.each(BACKENDS)('event store contract on %s: global order and subscriptions', (backendName) => {
  let backend: BackendFixture;
  let store: SqlEventStore;

  beforeAll(async () => {
    backend = await openBackend(backendName);
    store = await backend.open();
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    await backend?.cleanup();
  }, 60_000);

  it('gives every event a dense global position, readable page by page', async () => {
    const start = await store.headPosition();
    for (let index = 0; index < 5; index++) await store.append(streamOf(), 'any', [note(`a${index}`), note(`b${index}`)]);
    const head = await store.headPosition();
    expect(head).toBe(start + 10);
    const all = await store.readAll({ after: start });
    expectDenseFrom(all, start + 1);
    const pages: RecordedEvent[] = [];
    for (let after = start; after < head; after = pages[pages.length - 1]!.position) {
      pages.push(...(await store.readAll({ after, maxCount: 3 })));
    }
    expect(pages.map((event) => event.id)).toEqual(all.map((event) => event.id));
  });

  it('shows an append to readAll and readStream of the same process right away', async () => {
    const streamId = streamOf();
    const before = await store.headPosition();
    await store.append(streamId, 'no-stream', [note('visible')]);
    expect((await store.readAll({ after: before })).map((event) => event.streamId)).toContain(streamId);
    expect(await store.readStream(streamId)).toHaveLength(1);
  });

  it('delivers every event exactly once, in position order, to a subscriber while 8 writers commit out of order', async () => {
    const writers = 8;
    const appendsPerWriter = 12;
    // Hold each append's transaction open for a random while after its rows (and seqs) exist,
    // so commits land in a different order than inserts: the case a bigserial reader skips.
    const delayed = await backend.open({
      testHooks: {
        beforeCommit: async (session: SqlSession) => {
          const seconds = Math.random() * 0.015;
          if (backendName === 'postgres') await session.query('SELECT pg_sleep($1)', [seconds]);
          else await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
        },
      },
    });
    const from = await store.headPosition();
    const received = collector();
    const subscription = store.subscribeAll({ after: from, handler: received.handler, onError: received.onError });
    try {
      const streams = Array.from({ length: writers }, () => streamOf('race'));
      await Promise.all(
        streams.map(async (streamId) => {
          for (let index = 0; index < appendsPerWriter; index++) {
            const events = index % 3 === 0 ? [note(`${index}a`), note(`${index}b`)] : [note(`${index}`)];
            await delayed.append(streamId, 'any', events);
          }
        }),
      );
      const expected = streams.length * (appendsPerWriter + Math.ceil(appendsPerWriter / 3));
      await waitFor(() => received.seen.length >= expected, { timeoutMs: 30_000, what: `${expected} deliveries` });
      // Nothing extra trickles in afterwards.
      await delayed.sealNow();
      expect(await store.headPosition()).toBe(from + expected);
      expect(received.errors).toEqual([]);
      expect(received.seen).toHaveLength(expected);
      expectDenseFrom(received.seen, from + 1);
      expect(new Set(received.seen.map((event) => event.id)).size).toBe(expected);
      for (const streamId of streams) {
        const versions = received.seen.filter((event) => event.streamId === streamId).map((event) => event.streamVersion);
        expect(versions).toEqual(versions.map((_, index) => index + 1));
      }
      if (backendName === 'postgres') {
        // The race was real: some append numbered earlier (insert order) committed later (higher
        // position). A reader polling an insert-order sequence would have skipped it.
        const { rows } = await store.executor.query<{ inversions: number }>(
          `SELECT count(*)::int AS inversions FROM ${SCHEMA}.global_log a JOIN ${SCHEMA}.global_log b
             ON a.last_position < b.last_position AND a.append_id > b.append_id WHERE a.last_position > $1 AND b.last_position > $1`,
          [from],
        );
        expect(Number(rows[0]!.inversions)).toBeGreaterThan(0);
      }
    } finally {
      await subscription.stop();
      await delayed.close();
    }
  });

  it('catches up on history, then follows live, and resumes from a checkpoint without gaps or repeats', async () => {
    const from = await store.headPosition();
    for (let index = 0; index < 4; index++) await store.append(streamOf(), 'any', [note(`history ${index}`)]);
    const first = collector();
    const subscription = store.subscribeAll({ after: from, handler: first.handler, onError: first.onError });
    await waitFor(() => first.seen.length === 4, { what: 'history' });
    for (let index = 0; index < 3; index++) await store.append(streamOf(), 'any', [note(`live ${index}`)]);
    await waitFor(() => first.seen.length === 7, { what: 'live events' });
    await subscription.stop();
    const checkpoint = first.seen[4]!.position;

    await store.append(streamOf(), 'any', [note('while stopped')]);
    const second = collector();
    const resumed = store.subscribeAll({ after: checkpoint, handler: second.handler, onError: second.onError });
    await waitFor(() => second.seen.length === 3, { what: 'resumed deliveries' });
    await resumed.stop();
    expectDenseFrom(second.seen, checkpoint + 1);
    expect(second.seen.map((event) => event.id).slice(0, 2)).toEqual(first.seen.slice(5).map((event) => event.id));
    expect([...first.errors, ...second.errors]).toEqual([]);
  });

  it('delivers large histories in batches, awaiting the handler each time', async () => {
    const small = await backend.open({ readBatchSize: 7 });
    try {
      const from = await small.headPosition();
      await small.append(streamOf(), 'any', Array.from({ length: 30 }, (_, index) => note(`bulk ${index}`)));
      const received = collector();
      let inFlight = 0;
      let overlapped = false;
      const subscription = small.subscribeAll({
        after: from,
        handler: async (event) => {
          inFlight += 1;
          if (inFlight > 1) overlapped = true;
          await new Promise((resolve) => setImmediate(resolve));
          received.seen.push(event);
          inFlight -= 1;
        },
        onError: received.onError,
      });
      await waitFor(() => received.seen.length === 30, { what: 'bulk deliveries' });
      await subscription.stop();
      expect(overlapped).toBe(false);
      expectDenseFrom(received.seen, from + 1);
    } finally {
      await small.close();
    }
  });

  it('stops a subscription whose handler throws, reporting the error, without skipping the event', async () => {
    const from = await store.headPosition();
    await store.append(streamOf(), 'any', [note('one'), note('two'), note('three')]);
    const errors: unknown[] = [];
    const handled: number[] = [];
    const subscription = store.subscribeAll({
      after: from,
      handler: (event) => {
        if (event.position === from + 2) throw new Error('handler broke');
        handled.push(event.position);
      },
      onError: (error) => errors.push(error),
    });
    await waitFor(() => errors.length === 1, { what: 'the handler error' });
    await subscription.stop();
    expect(handled).toEqual([from + 1]);
    expect((errors[0] as Error).message).toBe('handler broke');
  });

  it('seals events left behind by a process that died between commit and seal', async () => {
    const dying = await backend.open({ sealAfterAppend: false, sweepIntervalMs: 3_600_000 });
    const streamId = streamOf('orphan');
    await dying.append(streamId, 'no-stream', [note('orphaned 1'), note('orphaned 2')]);
    await dying.close();
    const before = await store.headPosition();
    const received = collector();
    const subscription = store.subscribeAll({ after: before, handler: received.handler, onError: received.onError });
    // The live store's periodic sweep finds and seals them; a restart would too.
    await waitFor(() => received.seen.filter((event) => event.streamId === streamId).length === 2, { timeoutMs: 15_000, what: 'orphans sealed' });
    await subscription.stop();
    expect(received.errors).toEqual([]);
  });

  it('keeps positions dense when several store instances append and seal at once', async () => {
    const others = await Promise.all([backend.open(), backend.open()]);
    try {
      const from = await store.headPosition();
      await Promise.all(
        [store, ...others].map(async (instance, index) => {
          for (let round = 0; round < 10; round++) await instance.append(streamOf(`multi${index}`), 'any', [note(`${index}.${round}`)]);
        }),
      );
      await Promise.all(others.map((instance) => instance.sealNow()));
      await store.sealNow();
      const events = await store.readAll({ after: from });
      expect(events).toHaveLength(30);
      expectDenseFrom(events, from + 1);
    } finally {
      await Promise.all(others.map((instance) => instance.close()));
    }
  });
});
