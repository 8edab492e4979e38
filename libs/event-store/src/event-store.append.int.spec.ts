import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { ValidationError } from '@tollgate/kernel';
import { DuplicateEventIdError, WrongExpectedVersionError } from './errors';
import { BACKENDS, fill, note, openBackend, streamOf, testMetadata, type BackendFixture } from './contract.fixtures';
import { migrate, migrations, SCHEMA } from './sql/schema';
import type { SqlEventStore } from './sql-event-store';

describe.each(BACKENDS)('event store contract on %s: appends and stream reads', (backendName) => {
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

  const countEvents = async (streamId: string) =>
    Number((await store.executor.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${SCHEMA}.events WHERE stream_id = $1`, [streamId])).rows[0]!.n);

  describe('migrations', () => {
    it('records every version once and changes nothing when run again', async () => {
      const again = await migrate(store.executor);
      expect(again.applied).toEqual([]);
      const { rows } = await store.executor.query<{ version: number }>(`SELECT version FROM ${SCHEMA}.migrations ORDER BY version`);
      expect(rows.map((row) => Number(row.version))).toEqual(migrations.map((migration) => migration.version));
    });

    it('lets a second store open the same database without re-applying anything', async () => {
      const second = await backend.open();
      await second.close();
      const { rows } = await store.executor.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${SCHEMA}.migrations`);
      expect(Number(rows[0]!.n)).toBe(migrations.length);
    });
  });

  describe('append and read a stream', () => {
    it('appends several events atomically and reads them forward and backward', async () => {
      const streamId = streamOf('order');
      const result = await store.append(streamId, 'no-stream', [note('one'), note('two'), note('three')]);
      expect(result).toEqual({ streamId, firstVersion: 1, lastVersion: 3, deduplicated: false });

      const forward = await store.readStream(streamId);
      expect(forward.map((event) => event.data)).toEqual([{ text: 'one' }, { text: 'two' }, { text: 'three' }]);
      expect(forward.map((event) => event.streamVersion)).toEqual([1, 2, 3]);
      const positions = forward.map((event) => event.position);
      expect(positions).toEqual([...positions].sort((a, b) => a - b));

      const backward = await store.readStream(streamId, { direction: 'backward' });
      expect(backward.map((event) => event.streamVersion)).toEqual([3, 2, 1]);
      expect((await store.readStream(streamId, { fromVersion: 2, maxCount: 1 })).map((event) => event.streamVersion)).toEqual([2]);
      expect((await store.readStream(streamId, { direction: 'backward', fromVersion: 2 })).map((event) => event.streamVersion)).toEqual([2, 1]);
    });

    it('returns every envelope field: ids, versions, position, metadata, occurredAt and recordedAt', async () => {
      const streamId = streamOf('order');
      const input = { ...note('fields'), id: randomUUID().toUpperCase(), occurredAt: '2026-03-04T05:06:07+01:00' };
      const traced = { ...input, metadata: { ...testMetadata, causationId: 'cmd-9', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } };
      await store.append(streamId, 'no-stream', [traced]);
      const [event] = await store.readStream(streamId);
      expect(event).toMatchObject({
        id: input.id.toLowerCase(),
        streamId,
        streamVersion: 1,
        type: 'OperatorNote',
        schemaVersion: 1,
        data: { text: 'fields' },
        metadata: traced.metadata,
        occurredAt: '2026-03-04T04:06:07.000Z',
      });
      expect(event!.position).toBeGreaterThan(0);
      expect(event!.recordedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    });

    it('reads an unknown stream as empty', async () => {
      expect(await store.readStream(streamOf('nothing'))).toEqual([]);
    });

    it('round-trips decimal strings exactly, however long', async () => {
      const streamId = streamOf('fill');
      await store.append(streamId, 'no-stream', [fill('123456789012345678.123456789', '0.000000000000000001')]);
      const [event] = await store.readStream(streamId);
      expect(event!.data).toMatchObject({ quantity: '123456789012345678.123456789', price: '0.000000000000000001' });
    });

    it('stores the canonical JSON bytes verbatim, whatever the key order given', async () => {
      const streamId = streamOf('fill');
      const event = fill('1', '2');
      const shuffled = { ...event, data: { price: '2', symbol: 'AAPL', quantity: '1', orderId: 'order-1' } };
      await store.append(streamId, 'no-stream', [shuffled]);
      const { rows } = await store.executor.query<{ data: string; metadata: string }>(
        `SELECT data, metadata FROM ${SCHEMA}.events WHERE stream_id = $1`,
        [streamId],
      );
      expect(rows[0]!.data).toBe('{"orderId":"order-1","price":"2","quantity":"1","symbol":"AAPL"}');
      expect(rows[0]!.metadata).toBe('{"actor":"user:test","causationId":null,"correlationId":"corr-1"}');
    });

    it('stamps recorded_at with clock_timestamp(), never the transaction start', async () => {
      const { rows } = await store.executor.query<{ column_default: string }>(
        `SELECT column_default FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'events' AND column_name = 'recorded_at'`,
        [SCHEMA],
      );
      expect(rows[0]!.column_default).toBe('clock_timestamp()');
    });
  });

  describe('expected version', () => {
    it('accepts an exact version, no-stream, stream-exists and any when they hold', async () => {
      const streamId = streamOf();
      await store.append(streamId, 'no-stream', [note('a')]);
      await store.append(streamId, 1, [note('b')]);
      await store.append(streamId, 'stream-exists', [note('c')]);
      const last = await store.append(streamId, 'any', [note('d')]);
      expect(last.lastVersion).toBe(4);
      expect(await store.append(streamOf(), 'any', [note('new via any')])).toMatchObject({ firstVersion: 1 });
      expect(await store.append(streamOf(), 0, [note('new via 0')])).toMatchObject({ firstVersion: 1 });
    });

    it.each([
      ['an exact version behind', 1, 2],
      ['an exact version ahead', 5, 2],
      ['no-stream on an existing stream', 'no-stream', 2],
    ] as const)('refuses %s with a typed error naming stream, expected and actual; writes nothing', async (_, expected, actual) => {
      const streamId = streamOf();
      await store.append(streamId, 'no-stream', [note('a'), note('b')]);
      const error = await store.append(streamId, expected, [note('late')]).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(WrongExpectedVersionError);
      expect(error).toMatchObject({ streamId, expected, actual });
      expect((error as Error).message).toContain(streamId);
      expect(await countEvents(streamId)).toBe(2);
    });

    it('refuses stream-exists on a missing stream (actual 0)', async () => {
      const streamId = streamOf();
      await expect(store.append(streamId, 'stream-exists', [note('x')])).rejects.toMatchObject({ name: 'WrongExpectedVersionError', actual: 0 });
      expect(await countEvents(streamId)).toBe(0);
    });

    it('lets exactly one of several racing writers win each version', async () => {
      const streamId = streamOf();
      await store.append(streamId, 'no-stream', [note('base')]);
      const outcomes = await Promise.allSettled(Array.from({ length: 6 }, (_, index) => store.append(streamId, 1, [note(`racer ${index}`)])));
      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
      for (const outcome of outcomes.filter((candidate) => candidate.status === 'rejected')) {
        expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedVersionError);
      }
      expect(await countEvents(streamId)).toBe(2);
    });

    it('serialises racing writers with "any" into a dense version sequence', async () => {
      const streamId = streamOf();
      await Promise.all(Array.from({ length: 8 }, (_, index) => store.append(streamId, 'any', [note(`w${index}a`), note(`w${index}b`)])));
      const events = await store.readStream(streamId);
      expect(events.map((event) => event.streamVersion)).toEqual(Array.from({ length: 16 }, (_, index) => index + 1));
      // Each append stays contiguous: its two events are adjacent.
      for (let index = 0; index < 16; index += 2) {
        expect((events[index]!.data as { text: string }).text.slice(0, -1)).toBe((events[index + 1]!.data as { text: string }).text.slice(0, -1));
      }
    });
  });

  describe('idempotency by event id', () => {
    it('returns the stored result for a retry with the same content and writes nothing', async () => {
      const streamId = streamOf();
      const events = [note('first'), note('second')];
      const original = await store.append(streamId, 'no-stream', events);
      const retried = await store.append(streamId, 'no-stream', events);
      expect(retried).toEqual({ ...original, deduplicated: true });
      const retriedWithAny = await store.append(streamId, 'any', events);
      expect(retriedWithAny).toEqual({ ...original, deduplicated: true });
      expect(await countEvents(streamId)).toBe(2);
    });

    it('refuses the same id with different content, naming the id', async () => {
      const streamId = streamOf();
      const id = randomUUID();
      await store.append(streamId, 'no-stream', [note('original', id)]);
      const error = await store.append(streamId, 'any', [note('changed', id)]).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(DuplicateEventIdError);
      expect((error as Error).message).toContain(id);
      expect(await countEvents(streamId)).toBe(1);
    });

    it('refuses the same id in another stream and a partial overlap', async () => {
      const id = randomUUID();
      const streamId = streamOf();
      await store.append(streamId, 'no-stream', [note('here', id)]);
      await expect(store.append(streamOf(), 'any', [note('here', id)])).rejects.toBeInstanceOf(DuplicateEventIdError);
      await expect(store.append(streamId, 'any', [note('here', id), note('new one')])).rejects.toBeInstanceOf(DuplicateEventIdError);
      expect(await countEvents(streamId)).toBe(1);
    });

    it('never duplicates a fact however retries interleave (property)', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 12 }), async (picks) => {
          const streamId = streamOf('prop');
          const pool = Array.from({ length: 5 }, (_, index) => note(`fact ${index}`));
          const results = await Promise.all(picks.map((pick) => store.append(streamId, 'any', [pool[pick]!])));
          const distinct = new Set(picks).size;
          expect(await countEvents(streamId)).toBe(distinct);
          expect(results.filter((result) => !result.deduplicated).length).toBe(distinct);
        }),
        { numRuns: 15 },
      );
    });
  });

  describe('bad input is refused before anything is written, naming the field', () => {
    const cases: Array<[string, () => Parameters<SqlEventStore['append']>, RegExp]> = [
      ['an unknown event type', () => [streamOf(), 'any', [{ ...note('x'), type: 'NoSuchEvent' }]], /events\[0\]\.type: event type NoSuchEvent is not registered/],
      ['data that fails its schema', () => [streamOf(), 'any', [{ ...note('x'), data: { text: 7 } }]], /events\[0\]\.data\.text/],
      ['non-decimal money', () => [streamOf(), 'any', [fill('100', '1e5')]], /events\[0\]\.data\.price: must be a decimal string/],
      ['money as a JS number', () => [streamOf(), 'any', [{ ...fill('1', '2'), data: { orderId: 'o', symbol: 'A', quantity: '1', price: 187.25 } }]], /events\[0\]\.data\.price/],
      ['a missing stream id', () => ['', 'any', [note('x')]], /streamId: is required/],
      ['a stream id without a category', () => ['nodash', 'any', [note('x')]], /streamId: "nodash" must look like <category>-<id>/],
      ['a malformed event id', () => [streamOf(), 'any', [{ ...note('x'), id: 'not-a-uuid' }]], /events\[0\]\.id: "not-a-uuid" must be a UUID/],
      ['metadata without an actor', () => [streamOf(), 'any', [{ ...note('x'), metadata: { correlationId: 'c', causationId: null } as never }]], /events\[0\]\.metadata\.actor/],
      ['an occurredAt without a zone', () => [streamOf(), 'any', [{ ...note('x'), occurredAt: '2026-01-02T14:30:00' }]], /events\[0\]\.occurredAt/],
      ['a bad expected version', () => [streamOf(), -1 as never, [note('x')]], /expectedVersion/],
      ['no events at all', () => [streamOf(), 'any', []], /events: at least one event is required/],
    ];

    it.each(cases)('refuses %s', async (_, args, message) => {
      const [streamId, expected, events] = args();
      const error = await store.append(streamId, expected, events).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as Error).message).toMatch(message);
      if (streamId) expect(await countEvents(streamId)).toBe(0);
    });

    it('writes none of a batch whose second event is bad', async () => {
      const streamId = streamOf();
      await expect(store.append(streamId, 'no-stream', [note('good'), { ...note('bad'), data: {} }])).rejects.toThrow(/events\[1\]\.data\.text/);
      expect(await countEvents(streamId)).toBe(0);
      expect(await store.readStream(streamId)).toEqual([]);
    });

    it('refuses the same event id twice in one append', async () => {
      const event = note('twice');
      await expect(store.append(streamOf(), 'any', [event, event])).rejects.toThrow(/appears twice/);
    });
  });

  describe('append-only', () => {
    it.each([
      ['events', 'data'],
      ['global_log', 'log_hash'],
    ])('refuses UPDATE, DELETE and TRUNCATE on %s', async (table, column) => {
      await store.append(streamOf(), 'any', [note('immutable')]);
      await store.whenSealed();
      for (const statement of [`UPDATE ${SCHEMA}.${table} SET ${column} = ${column}`, `DELETE FROM ${SCHEMA}.${table}`, `TRUNCATE ${SCHEMA}.${table} CASCADE`]) {
        await expect(store.executor.exec(statement)).rejects.toThrow(/append-only/);
      }
      const { rows } = await store.executor.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${SCHEMA}.${table}`);
      expect(Number(rows[0]!.n)).toBeGreaterThan(0);
    });
  });
});
