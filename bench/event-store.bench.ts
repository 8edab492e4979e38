import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { z } from 'zod';
import { allEventDefinitions, decimalString, defineEvent, EventRegistry, type EventInput, type RecordedEvent } from '@tollgate/contracts';
import { createEventStore, type SqlEventStore } from '@tollgate/event-store';
import { createTestDatabase } from '@tollgate/testing';
import { percentile, timed, type BenchFigure, type BenchSuite } from './harness';

/**
 * The event store against the plain way of doing the same thing on the same database, in the same
 * run: appends (1 and 100 events per transaction, 1 and 8 writers) against plain INSERTs of the
 * same rows with the same batching; a 1,000,000-event replay into a folding projection against a
 * raw keyset read + JSON.parse; `verify` of the same million; commit-to-subscriber latency. Then
 * the append and replay figures on PGlite. Rounds alternate baseline and store and keep the
 * median, because these machines are shared and noisy.
 */

// A ~290-byte trade fill with ~130 bytes of metadata: the platform-facts test event.
const BenchFill = defineEvent(
  'BenchTradeFilled',
  1,
  z
    .object({
      orderId: z.string().min(1),
      fillId: z.string().min(1),
      symbol: z.string().regex(/^[A-Z.]{1,10}$/),
      side: z.enum(['buy', 'sell']),
      quantity: decimalString,
      price: decimalString,
      fee: decimalString,
      venue: z.string(),
      liquidity: z.enum(['maker', 'taker']),
      filledAt: z.string(),
      cumulativeQuantity: decimalString,
      averagePrice: decimalString,
    })
    .strict(),
);
const registry = new EventRegistry([...allEventDefinitions, BenchFill]);

function fillEvent(index: number): EventInput {
  return {
    id: randomUUID(),
    type: 'BenchTradeFilled',
    data: {
      orderId: randomUUID(),
      fillId: `F-${index}`,
      symbol: 'AAPL',
      side: 'buy',
      quantity: '100',
      price: '187.2350',
      fee: '0.35',
      venue: 'XNAS',
      liquidity: 'maker',
      filledAt: '2026-01-02T14:30:00.123Z',
      cumulativeQuantity: '300',
      averagePrice: '187.2311',
    },
    metadata: { correlationId: randomUUID(), causationId: randomUUID(), actor: 'system:execution' },
    occurredAt: '2026-01-02T14:30:00.123Z',
  };
}

const RAW_TABLE = `CREATE TABLE IF NOT EXISTS raw_events (
  seq bigserial PRIMARY KEY, event_id uuid NOT NULL, stream_id text NOT NULL, stream_version bigint NOT NULL,
  event_type text NOT NULL, schema_version integer NOT NULL, data text NOT NULL, metadata text NOT NULL,
  occurred_at timestamptz NOT NULL, recorded_at timestamptz NOT NULL DEFAULT clock_timestamp())`;

/** What a plain INSERT gets: the same columns, JSON.stringify'd, with the same batching. */
function rawInsert(events: EventInput[], streamId: string, firstVersion: number): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const rows = events.map((event, index) => {
    const offset = index * 8;
    values.push(event.id, streamId, firstVersion + index, event.type, 1, JSON.stringify(event.data), JSON.stringify(event.metadata), event.occurredAt);
    return `($${offset + 1},$${offset + 2},$${offset + 3},$${offset + 4},$${offset + 5},$${offset + 6},$${offset + 7},$${offset + 8})`;
  });
  return {
    text: `INSERT INTO raw_events (event_id, stream_id, stream_version, event_type, schema_version, data, metadata, occurred_at) VALUES ${rows.join(',')}`,
    values,
  };
}

interface AppendCase {
  perTransaction: number;
  writers: number;
  /** Events per writer per round. */
  events: number;
}

function median(values: number[]): number {
  return percentile(values, 50);
}

type RawExecutor = (text: string, values: unknown[]) => Promise<unknown>;

async function appendRound(
  shape: AppendCase,
  run: (writer: number, batch: EventInput[], firstVersion: number, streamId: string) => Promise<unknown>,
): Promise<number> {
  const round = randomUUID().slice(0, 8);
  const { seconds } = await timed(() =>
    Promise.all(
      Array.from({ length: shape.writers }, async (_, writer) => {
        const streamId = `bench-${round}${writer}`;
        for (let done = 0; done < shape.events; done += shape.perTransaction) {
          const batch = Array.from({ length: shape.perTransaction }, (_, index) => fillEvent(done + index));
          await run(writer, batch, done, streamId);
        }
      }),
    ),
  );
  return (shape.writers * shape.events) / seconds;
}

async function compareAppends(
  label: string,
  shape: AppendCase,
  rounds: number,
  store: SqlEventStore,
  raw: RawExecutor,
  progress: (message: string) => void,
): Promise<{ store: number; raw: number }> {
  const storeRates: number[] = [];
  const rawRates: number[] = [];
  for (let round = 0; round < rounds; round++) {
    progress(`${label}: ${shape.perTransaction} events/tx, ${shape.writers} writer(s), round ${round + 1}/${rounds}`);
    rawRates.push(
      await appendRound(shape, (_, batch, firstVersion, streamId) => {
        const { text, values } = rawInsert(batch, streamId, firstVersion + 1);
        return raw(text, values);
      }),
    );
    storeRates.push(
      await appendRound(shape, async (_, batch, firstVersion, streamId) => {
        await store.append(streamId, firstVersion === 0 ? 'no-stream' : firstVersion, batch);
        // The last batch of a writer waits for its seal: the figure is for sealed events.
        if (firstVersion + batch.length >= shape.events) await store.whenSealed();
      }),
    );
  }
  return { store: median(storeRates), raw: median(rawRates) };
}

async function seed(store: SqlEventStore, total: number, progress: (message: string) => void): Promise<void> {
  const writers = 8;
  const perTransaction = 500;
  const perWriter = Math.ceil(total / writers / perTransaction) * perTransaction;
  let written = 0;
  await Promise.all(
    Array.from({ length: writers }, async (_, writer) => {
      for (let done = 0; done < perWriter && written < total; done += perTransaction) {
        const count = Math.min(perTransaction, total - written);
        written += count;
        await store.append(`seed-${writer}`, done === 0 ? 'no-stream' : 'any', Array.from({ length: count }, (_, index) => fillEvent(done + index)));
        if (written % 100_000 < perTransaction) progress(`seeded ${written.toLocaleString('en-US')} events`);
      }
    }),
  );
  await store.sealNow();
}

/** The projection: folds every event into per-stream and per-type counts. */
async function replay(store: SqlEventStore, total: number): Promise<number> {
  const byStream = new Map<string, number>();
  const byType = new Map<string, number>();
  let seen = 0;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const { seconds } = await timed(async () => {
    const subscription = store.subscribeAll({
      after: 0,
      handler: (event: RecordedEvent) => {
        byStream.set(event.streamId, event.streamVersion);
        byType.set(event.type, (byType.get(event.type) ?? 0) + 1);
        seen += 1;
        if (seen === total) finish();
      },
      onError: (error) => {
        throw error;
      },
    });
    await done;
    await subscription.stop();
  });
  return total / seconds;
}

/** The baseline: keyset batches over a plain table of the same rows, pg's default parsing, JSON.parse. */
async function rawReplay(query: (text: string, values: unknown[]) => Promise<Array<Record<string, unknown>>>, total: number): Promise<number> {
  let after = 0;
  let seen = 0;
  const { seconds } = await timed(async () => {
    for (;;) {
      const rows = await query('SELECT * FROM raw_events WHERE seq > $1 ORDER BY seq LIMIT 10000', [after]);
      for (const row of rows) {
        JSON.parse(row.data as string);
        JSON.parse(row.metadata as string);
        seen += 1;
      }
      if (rows.length < 10_000) break;
      after = Number(rows[rows.length - 1]!.seq);
    }
  });
  if (seen !== total) throw new Error(`raw replay read ${seen} rows, expected ${total}`);
  return total / seconds;
}

async function subscriberLatency(store: SqlEventStore, samples: number): Promise<number[]> {
  const head = await store.headPosition();
  const pending = new Map<string, (at: number) => void>();
  const subscription = store.subscribeAll({
    after: head,
    handler: (event) => pending.get(event.id)?.(performance.now()),
  });
  const latencies: number[] = [];
  try {
    for (let index = 0; index < samples; index++) {
      const event = fillEvent(index);
      const delivered = new Promise<number>((resolve) => pending.set(event.id, resolve));
      await store.append('latency-1', 'any', [event]);
      const committed = performance.now();
      latencies.push(Math.max(0, (await delivered) - committed));
      pending.delete(event.id);
    }
  } finally {
    await subscription.stop();
  }
  return latencies;
}

function throughput(name: string, value: number, baselineName: string, baseline: number, target?: BenchFigure['target']): BenchFigure {
  return { name, value, unit: 'events/s', baseline: { name: baselineName, value: baseline }, higherIsBetter: true, ...(target ? { target } : {}) };
}

async function postgresFigures(quick: boolean, progress: (message: string) => void): Promise<BenchFigure[]> {
  const database = await createTestDatabase('tollgate_bench_store');
  const pool = new Pool({ connectionString: database.url, max: 10 });
  const store = await createEventStore({ databaseUrl: database.url, registry, poolSize: 10, checkpointEvery: 0 });
  const figures: BenchFigure[] = [];
  try {
    await pool.query(RAW_TABLE);
    const raw: RawExecutor = (text, values) => pool.query(text, values);
    const rounds = quick ? 1 : 3;
    const cases: Array<[AppendCase, number | undefined]> = [
      [{ perTransaction: 1, writers: 1, events: quick ? 300 : 3_000 }, undefined],
      [{ perTransaction: 100, writers: 1, events: quick ? 2_000 : 30_000 }, 0.6],
      [{ perTransaction: 1, writers: 8, events: quick ? 100 : 1_000 }, 0.5],
      [{ perTransaction: 100, writers: 8, events: quick ? 500 : 5_000 }, undefined],
    ];
    for (const [shape, target] of cases) {
      const result = await compareAppends('PostgreSQL append', shape, rounds, store, raw, progress);
      figures.push(
        throughput(
          `append, ${shape.perTransaction} event${shape.perTransaction > 1 ? 's' : ''}/tx, ${shape.writers} writer${shape.writers > 1 ? 's' : ''} (PostgreSQL)`,
          result.store,
          'plain INSERT, same rows and batching',
          result.raw,
          target === undefined ? undefined : { ratioAtLeast: target },
        ),
      );
    }

    const latencySamples = quick ? 200 : 2_000;
    progress(`append → in-process subscriber latency, ${latencySamples} events one at a time`);
    const latencies = await subscriberLatency(store, latencySamples);
    figures.push(
      { name: 'commit → subscriber delivery p50 (PostgreSQL, same process)', value: percentile(latencies, 50), unit: 'ms', higherIsBetter: false },
      { name: 'commit → subscriber delivery p99 (PostgreSQL, same process)', value: percentile(latencies, 99), unit: 'ms', higherIsBetter: false, target: { valueAtMost: 10 } },
    );

    // Replay and verify run over a store holding exactly the seeded events.
    const total = quick ? 50_000 : 1_000_000;
    const replayDatabase = await createTestDatabase('tollgate_bench_replay');
    const replayStore = await createEventStore({ databaseUrl: replayDatabase.url, registry, checkpointEvery: 0, readBatchSize: 10_000 });
    const replayPool = new Pool({ connectionString: replayDatabase.url, max: 2 });
    try {
      progress(`seeding ${total.toLocaleString('en-US')} events for replay and verify`);
      const seeding = await timed(() => seed(replayStore, total, progress));
      figures.push({ name: `seed ${total.toLocaleString('en-US')} events (500/tx, 8 writers, PostgreSQL)`, value: total / seeding.seconds, unit: 'events/s', higherIsBetter: true });
      await replayPool.query(RAW_TABLE);
      await replayPool.query(
        `INSERT INTO raw_events (event_id, stream_id, stream_version, event_type, schema_version, data, metadata, occurred_at, recorded_at)
         SELECT e.event_id, e.stream_id, e.stream_version, e.event_type, e.schema_version, e.data, e.metadata, e.occurred_at, e.recorded_at
         FROM event_store.global_log g
         JOIN event_store.events e ON e.stream_id = g.stream_id
           AND e.stream_version BETWEEN g.first_version AND g.first_version + (g.last_position - g.first_position)
         ORDER BY g.last_position, e.stream_version`,
      );
      await replayPool.query('VACUUM ANALYZE raw_events');
      await replayPool.query('VACUUM ANALYZE event_store.events');
      await replayPool.query('VACUUM ANALYZE event_store.global_log');
      const replayRates: number[] = [];
      const rawRates: number[] = [];
      for (let round = 0; round < (quick ? 1 : 2); round++) {
        progress(`replay ${total.toLocaleString('en-US')} events: raw keyset read, round ${round + 1}`);
        rawRates.push(await rawReplay(async (text, values) => (await replayPool.query(text, values)).rows as Array<Record<string, unknown>>, total));
        progress(`replay ${total.toLocaleString('en-US')} events: store subscription into a fold, round ${round + 1}`);
        replayRates.push(await replay(replayStore, total));
      }
      const replayRate = median(replayRates);
      figures.push(
        throughput(`replay ${total.toLocaleString('en-US')} events into a folding projection (PostgreSQL)`, replayRate, 'raw keyset read + JSON.parse', median(rawRates), {
          ratioAtLeast: 0.6,
          ...(quick ? {} : { valueAtLeast: 80_000 }),
        }),
      );

      progress(`verify ${total.toLocaleString('en-US')} events`);
      const verification = await timed(() => replayStore.verify());
      if (!verification.result.ok) throw new Error(`verify failed on the seeded store: ${verification.result.detail}`);
      figures.push({
        name: `verify ${total.toLocaleString('en-US')} events (PostgreSQL)`,
        value: verification.seconds,
        unit: 's',
        higherIsBetter: false,
        ...(quick ? {} : { target: { valueAtMost: 20 } }),
      });
    } finally {
      await replayPool.end();
      await replayStore.close();
      await replayDatabase.drop();
    }
  } finally {
    await store.close();
    await pool.end();
    await database.drop();
  }
  return figures;
}

async function pgliteFigures(quick: boolean, progress: (message: string) => void): Promise<BenchFigure[]> {
  const directory = mkdtempSync(join(tmpdir(), 'tollgate-bench-pglite-'));
  const store = await createEventStore({ dataDir: directory, registry, checkpointEvery: 0, readBatchSize: 10_000 });
  const figures: BenchFigure[] = [];
  try {
    await store.executor.exec(RAW_TABLE);
    const raw: RawExecutor = (text, values) => store.executor.query(text, values);
    const rounds = quick ? 1 : 3;
    for (const shape of [
      { perTransaction: 1, writers: 1, events: quick ? 300 : 3_000 },
      { perTransaction: 100, writers: 1, events: quick ? 2_000 : 20_000 },
    ]) {
      const result = await compareAppends('PGlite append', shape, rounds, store, raw, progress);
      figures.push(
        throughput(
          `append, ${shape.perTransaction} event${shape.perTransaction > 1 ? 's' : ''}/tx, 1 writer (PGlite)`,
          result.store,
          'plain INSERT, same rows and batching',
          result.raw,
        ),
      );
    }
    const total = quick ? 20_000 : 200_000;
    const replayDirectory = join(directory, 'replay');
    const replayStore = await createEventStore({ dataDir: replayDirectory, registry, checkpointEvery: 0, readBatchSize: 10_000 });
    try {
      progress(`PGlite: seeding ${total.toLocaleString('en-US')} events`);
      await seed(replayStore, total, progress);
      await replayStore.executor.exec(RAW_TABLE);
      await replayStore.executor.exec(
        `INSERT INTO raw_events (event_id, stream_id, stream_version, event_type, schema_version, data, metadata, occurred_at, recorded_at)
         SELECT e.event_id, e.stream_id, e.stream_version, e.event_type, e.schema_version, e.data, e.metadata, e.occurred_at, e.recorded_at
         FROM event_store.global_log g
         JOIN event_store.events e ON e.stream_id = g.stream_id
           AND e.stream_version BETWEEN g.first_version AND g.first_version + (g.last_position - g.first_position)
         ORDER BY g.last_position, e.stream_version`,
      );
      progress(`PGlite: replay ${total.toLocaleString('en-US')} events, raw keyset read`);
      const rawRate = await rawReplay(async (text, values) => (await replayStore.executor.query<Record<string, unknown>>(text, values)).rows, total);
      progress(`PGlite: replay ${total.toLocaleString('en-US')} events, store subscription into a fold`);
      const replayRate = await replay(replayStore, total);
      figures.push(throughput(`replay ${total.toLocaleString('en-US')} events into a folding projection (PGlite)`, replayRate, 'raw keyset read + JSON.parse', rawRate));
      progress(`PGlite: verify ${total.toLocaleString('en-US')} events`);
      const verification = await timed(() => replayStore.verify());
      if (!verification.result.ok) throw new Error(`verify failed on the PGlite store: ${verification.result.detail}`);
      figures.push({ name: `verify ${total.toLocaleString('en-US')} events (PGlite)`, value: verification.seconds, unit: 's', higherIsBetter: false });
    } finally {
      await replayStore.close();
    }
  } finally {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  }
  return figures;
}

export const suite: BenchSuite = {
  name: 'event-store',
  async run({ quick, progress }) {
    return [...(await postgresFigures(quick, progress)), ...(await pgliteFigures(quick, progress))];
  },
};
