import 'reflect-metadata';
import { Column, Entity, PrimaryColumn, type DataSource, type EntityManager } from 'typeorm';
import type { RecordedEvent } from '@tollgate/contracts';
import { type BackendFixture, BACKENDS, fill, note, openBackend, streamOf, waitFor } from '../contract.fixtures';
import type { SqlEventStore } from '../sql-event-store';
import { ProjectionRunner, type Projection } from './projection-runner';
import { createReadModelDataSource } from './read-model-data-source';

@Entity({ name: 'contract_stream_summaries' })
class StreamSummary {
  @PrimaryColumn('text')
  streamId!: string;

  @Column('integer')
  events!: number;

  @Column('text')
  lastText!: string;
}

/** Counts notes per stream: applying an event twice or losing one shows in the count. */
function summaries(dataSource: DataSource, overrides: Partial<Projection> = {}): Projection {
  return {
    name: 'stream-summaries',
    dataSource,
    types: ['OperatorNote'],
    async handle(event: RecordedEvent, manager: EntityManager) {
      const repository = manager.getRepository(StreamSummary);
      const current = await repository.findOneBy({ streamId: event.streamId });
      const text = (event.data as { text: string }).text;
      await repository.save({ streamId: event.streamId, events: (current?.events ?? 0) + 1, lastText: text });
    },
    async reset(manager: EntityManager) {
      await manager.getRepository(StreamSummary).clear();
    },
    ...overrides,
  };
}

describe.each(BACKENDS)('projection runner on %s', (backendName) => {
  let backend: BackendFixture;
  let store: SqlEventStore;
  let dataSource: DataSource;

  beforeAll(async () => {
    backend = await openBackend(backendName);
    store = await backend.open();
    dataSource = await createReadModelDataSource(store, { entities: [StreamSummary], synchronize: true });
  }, 60_000);

  afterAll(async () => {
    await dataSource?.destroy();
    await store?.close();
    await backend?.cleanup();
  }, 60_000);

  beforeEach(async () => {
    await dataSource.getRepository(StreamSummary).clear();
    await dataSource.query(`DELETE FROM event_store.projection_checkpoints`);
  });

  const countsByStream = async () =>
    Object.fromEntries((await dataSource.getRepository(StreamSummary).find()).map((row) => [row.streamId, row.events]));

  const expectedCounts = async () => {
    const counts: Record<string, number> = {};
    for (const event of await store.readAll()) if (event.type === 'OperatorNote') counts[event.streamId] = (counts[event.streamId] ?? 0) + 1;
    return counts;
  };

  it('applies every event once and keeps its checkpoint at the head', async () => {
    const streamId = streamOf('summary');
    await store.append(streamId, 'any', [note('a'), note('b'), fill('1', '2')]);
    const runner = new ProjectionRunner(store, summaries(dataSource), { batchSize: 4 });
    const checkpoint = await runner.catchUp();
    expect(checkpoint).toBe(await store.headPosition());
    expect(await runner.checkpoint()).toBe(checkpoint);
    expect(await countsByStream()).toEqual(await expectedCounts());
    expect((await dataSource.getRepository(StreamSummary).findOneBy({ streamId }))?.lastText).toBe('b');
  });

  it('rolls back a failed batch with its checkpoint, then applies it exactly once', async () => {
    const streamId = streamOf('crash');
    await store.append(streamId, 'any', [note('before')]);
    const healthy = new ProjectionRunner(store, summaries(dataSource));
    const before = await healthy.catchUp();
    const countsBefore = await countsByStream();

    await store.append(streamId, 'any', [note('1'), note('2'), note('boom'), note('4')]);
    const crashing = new ProjectionRunner(
      store,
      summaries(dataSource, {
        async handle(event, manager) {
          await summaries(dataSource).handle(event, manager);
          if ((event.data as { text: string }).text === 'boom') throw new Error('the process died here');
        },
      }),
    );
    await expect(crashing.catchUp()).rejects.toThrow('the process died here');
    expect(await crashing.checkpoint()).toBe(before);
    expect(await countsByStream()).toEqual(countsBefore);

    await healthy.catchUp();
    expect(await countsByStream()).toEqual(await expectedCounts());
    expect((await countsByStream())[streamId]).toBe(5);
  });

  it('rebuilds the same read model from zero on demand', async () => {
    await store.append(streamOf('rebuild'), 'any', [note('x'), note('y')]);
    const runner = new ProjectionRunner(store, summaries(dataSource), { batchSize: 3 });
    await runner.catchUp();
    const built = await countsByStream();
    await dataSource.query('UPDATE contract_stream_summaries SET events = 999');
    const checkpoint = await runner.rebuild();
    expect(checkpoint).toBe(await store.headPosition());
    expect(await countsByStream()).toEqual(built);
  });

  it('follows the log live until stopped', async () => {
    const errors: unknown[] = [];
    const runner = new ProjectionRunner(store, summaries(dataSource), { onError: (error) => errors.push(error) });
    runner.start();
    try {
      const streamId = streamOf('live');
      await store.append(streamId, 'any', [note('live 1')]);
      await waitFor(async () => (await countsByStream())[streamId] === 1, { what: 'the first live event' });
      await store.append(streamId, 'any', [note('live 2'), note('live 3')]);
      await waitFor(async () => (await countsByStream())[streamId] === 3, { what: 'later live events' });
    } finally {
      await runner.stop();
    }
    expect(errors).toEqual([]);
    expect(await countsByStream()).toEqual(await expectedCounts());
  });

  it('lets two runners of one projection share the work without applying anything twice', async () => {
    for (let index = 0; index < 10; index++) await store.append(streamOf('shared'), 'any', [note(`n${index}`), note(`m${index}`)]);
    const first = new ProjectionRunner(store, summaries(dataSource), { batchSize: 3 });
    const second = new ProjectionRunner(store, summaries(dataSource), { batchSize: 3 });
    await Promise.all([first.catchUp(), second.catchUp()]);
    expect(await countsByStream()).toEqual(await expectedCounts());
  });

  it('refuses to rebuild a projection without reset()', async () => {
    const runner = new ProjectionRunner(store, summaries(dataSource, { name: 'no-reset', reset: undefined }));
    await expect(runner.rebuild()).rejects.toThrow(/no reset/);
  });
});
