import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { RecordedEvent } from '@tollgate/contracts';
import { type BackendFixture, BACKENDS, note, openBackend, waitFor } from './contract.fixtures';
import { checkpointSignerFromPem } from './checkpoints';
import { GlobalLogGapError, ImportRefusedError } from './errors';
import { SCHEMA } from './sql/schema';
import type { SqlEventStore } from './sql-event-store';
import { verifyStore } from './verify';

const STREAMS = ['ledger-a', 'ledger-b', 'ledger-c', 'ledger-d'];
const ROUNDS = 5;
const TOTAL = STREAMS.length * ROUNDS;

/** position p holds stream STREAMS[(p-1) % 4], version ceil(p / 4). */
async function seed(store: SqlEventStore): Promise<void> {
  for (let round = 0; round < ROUNDS; round++) {
    for (const streamId of STREAMS) await store.append(streamId, round, [note(`${streamId} #${round + 1}`)]);
  }
  await store.sealNow();
}

/** Runs SQL behind the store's back, as superuser, with the append-only triggers off. */
async function tamper(backend: BackendFixture, store: SqlEventStore, statements: string[]): Promise<void> {
  const script = [
    `ALTER TABLE ${SCHEMA}.events DISABLE TRIGGER events_append_only`,
    `ALTER TABLE ${SCHEMA}.global_log DISABLE TRIGGER global_log_append_only`,
    ...statements,
    `ALTER TABLE ${SCHEMA}.events ENABLE TRIGGER events_append_only`,
    `ALTER TABLE ${SCHEMA}.global_log ENABLE TRIGGER global_log_append_only`,
  ];
  if (backend.url) {
    const superuser = new Client({ connectionString: backend.url });
    await superuser.connect();
    try {
      for (const statement of script) await superuser.query(statement);
    } finally {
      await superuser.end();
    }
  } else {
    for (const statement of script) await store.executor.exec(statement);
  }
}

/** The SQL condition naming the event sealed at `position` in the seeded store. */
const eventAt = (position: number) => `(stream_id = '${STREAMS[(position - 1) % STREAMS.length]}' AND stream_version = ${Math.ceil(position / STREAMS.length)})`;
/** Swaps which appends sit at two positions (each seeded append is one event). */
const swapLogEntries = (a: number, b: number) => [
  `UPDATE ${SCHEMA}.global_log SET append_id = -append_id WHERE last_position IN (${a}, ${b})`,
  `UPDATE ${SCHEMA}.global_log g SET append_id = -o.append_id, stream_id = o.stream_id, first_version = o.first_version
     FROM ${SCHEMA}.global_log o WHERE (g.last_position, o.last_position) IN ((${a}, ${b}), (${b}, ${a}))`,
];

describe.each(BACKENDS)('event store contract on %s: verify catches tampering', (backendName) => {
  let backend: BackendFixture;
  let store: SqlEventStore;

  beforeEach(async () => {
    backend = await openBackend(backendName);
    store = await backend.open();
    await seed(store);
  }, 60_000);

  afterEach(async () => {
    await store?.close();
    await backend?.cleanup();
  }, 60_000);

  it('passes an untouched store and counts what it checked', async () => {
    const result = await store.verify();
    expect(result).toMatchObject({ ok: true, checked: TOTAL, headPosition: TOTAL, streams: STREAMS.length });
  });

  it('recomputes hashes of events whose stream id and type need JSON escaping', async () => {
    await store.append('quote-"a\\b"é😀', 'no-stream', [note('escaped'), note('twice')]);
    expect(await store.verify()).toMatchObject({ ok: true, checked: TOTAL + 2 });
  });

  it('also checks events committed but not yet sealed', async () => {
    const unsealed = await backend.open({ sealAfterAppend: false, sweepIntervalMs: 3_600_000 });
    await unsealed.append('ledger-a', ROUNDS, [note('not sealed yet')]);
    // verifyStore itself, not store.verify(), which would seal first.
    expect(await verifyStore(unsealed.executor)).toMatchObject({ ok: true, checked: TOTAL });
    await tamper(backend, store, [`UPDATE ${SCHEMA}.events SET data = '{"text":"forged"}' WHERE stream_id = 'ledger-a' AND stream_version = ${ROUNDS + 1}`]);
    expect(await verifyStore(unsealed.executor)).toMatchObject({ ok: false, problem: 'edited', position: TOTAL + 1 });
    await unsealed.close();
  });

  const cases: Array<[string, string[], { position: number; problem: string; detail?: RegExp }]> = [
    ['an edited payload', [`UPDATE ${SCHEMA}.events SET data = '{"text":"forged"}' WHERE ${eventAt(7)}`], { position: 7, problem: 'edited' }],
    [
      'edited metadata',
      [`UPDATE ${SCHEMA}.events SET metadata = '{"actor":"user:mallory","causationId":null,"correlationId":"corr-1"}' WHERE ${eventAt(11)}`],
      { position: 11, problem: 'edited' },
    ],
    ['an edited recorded time', [`UPDATE ${SCHEMA}.events SET recorded_at = recorded_at + interval '1 second' WHERE ${eventAt(9)}`], { position: 9, problem: 'edited' }],
    ['a deleted middle event', [`DELETE FROM ${SCHEMA}.events WHERE ${eventAt(10)}`], { position: 10, problem: 'missing' }],
    [
      'a deleted middle event and its log entry',
      [`DELETE FROM ${SCHEMA}.events WHERE ${eventAt(10)}`, `DELETE FROM ${SCHEMA}.global_log WHERE last_position = 10`],
      { position: 10, problem: 'missing' },
    ],
    ['a swapped pair from different streams', swapLogEntries(5, 6), { position: 5, problem: 'reordered' }],
    // positions 3 and 7 are versions 1 and 2 of ledger-c
    ['a swapped pair within one stream', swapLogEntries(3, 7), { position: 3, problem: 'reordered', detail: /ledger-c/ }],
    [
      'a deleted tail (events and log entries)',
      [
        `DELETE FROM ${SCHEMA}.events WHERE ${eventAt(TOTAL - 2)} OR ${eventAt(TOTAL - 1)} OR ${eventAt(TOTAL)}`,
        `DELETE FROM ${SCHEMA}.global_log WHERE last_position > ${TOTAL - 3}`,
      ],
      { position: TOTAL - 2, problem: 'truncated' },
    ],
    ['a deleted log tail', [`DELETE FROM ${SCHEMA}.global_log WHERE last_position > ${TOTAL - 2}`], { position: TOTAL - 1, problem: 'truncated' }],
    ['a deleted whole stream (events only)', [`DELETE FROM ${SCHEMA}.events WHERE stream_id = 'ledger-b'`], { position: 2, problem: 'missing' }],
    [
      'a deleted whole stream, its log entries and its head',
      [
        `DELETE FROM ${SCHEMA}.global_log WHERE stream_id = 'ledger-b'`,
        `DELETE FROM ${SCHEMA}.events WHERE stream_id = 'ledger-b'`,
        `DELETE FROM ${SCHEMA}.streams WHERE stream_id = 'ledger-b'`,
      ],
      { position: 2, problem: 'missing' },
    ],
    [
      'a deleted last event and its log entry at the tail',
      [`DELETE FROM ${SCHEMA}.global_log WHERE last_position = ${TOTAL}`, `DELETE FROM ${SCHEMA}.events WHERE ${eventAt(TOTAL)}`],
      { position: TOTAL, problem: 'truncated', detail: /ledger-d/ },
    ],
  ];

  it.each(cases)('finds %s, naming the first bad position', async (_, statements, expected) => {
    await tamper(backend, store, statements);
    const result = await store.verify();
    expect(result).toMatchObject({ ok: false, position: expected.position, problem: expected.problem });
    if (!result.ok) {
      expect(result.detail).toContain(`position ${expected.position}`);
      if (expected.detail) expect(result.detail).toMatch(expected.detail);
      expect(result.checked).toBeLessThan(expected.position);
    }
  });

  it('finds a tail cut together with the stream heads, through a checkpoint', async () => {
    await store.writeCheckpoint();
    await tamper(backend, store, [
      `DELETE FROM ${SCHEMA}.events WHERE ${[0, 1, 2, 3].map((back) => eventAt(TOTAL - back)).join(' OR ')}`,
      `DELETE FROM ${SCHEMA}.global_log WHERE last_position > ${TOTAL - 4}`,
      `UPDATE ${SCHEMA}.streams SET version = version - 1, head_hash = (SELECT stream_hash FROM ${SCHEMA}.events e WHERE e.stream_id = streams.stream_id AND e.stream_version = streams.version - 1)`,
    ]);
    expect(await store.verify()).toMatchObject({ ok: false, position: TOTAL - 3, problem: 'truncated', detail: expect.stringMatching(/checkpoint/) });
  });

  it('finds a tail cut behind an expected head recorded outside the database', async () => {
    const good = await store.verify();
    if (!good.ok) throw new Error('seed failed verification');
    await tamper(backend, store, [
      `DELETE FROM ${SCHEMA}.events WHERE ${[0, 1, 2, 3].map((back) => eventAt(TOTAL - back)).join(' OR ')}`,
      `DELETE FROM ${SCHEMA}.global_log WHERE last_position > ${TOTAL - 4}`,
      `UPDATE ${SCHEMA}.streams SET version = version - 1, head_hash = (SELECT stream_hash FROM ${SCHEMA}.events e WHERE e.stream_id = streams.stream_id AND e.stream_version = streams.version - 1)`,
    ]);
    const result = await store.verify({ expectHead: { position: good.headPosition, hash: good.headHash } });
    expect(result).toMatchObject({ ok: false, position: TOTAL - 3, problem: 'truncated' });
  });

  it('shows a subscriber the hole instead of stepping over it', async () => {
    await tamper(backend, store, [`DELETE FROM ${SCHEMA}.global_log WHERE last_position = 4`]);
    const seen: RecordedEvent[] = [];
    const errors: unknown[] = [];
    const subscription = store.subscribeAll({ after: 0, handler: (event) => void seen.push(event), onError: (error) => errors.push(error) });
    await waitFor(() => errors.length > 0, { what: 'a gap error' });
    await subscription.stop();
    expect(errors[0]).toBeInstanceOf(GlobalLogGapError);
    expect(seen.map((event) => event.position)).toEqual([1, 2, 3]);
  });
});

describe.each(BACKENDS)('event store contract on %s: checkpoints', (backendName) => {
  let backend: BackendFixture;

  beforeEach(async () => {
    backend = await openBackend(backendName);
  }, 60_000);

  afterEach(async () => {
    await backend?.cleanup();
  }, 60_000);

  it('takes signed checkpoints every N events, which verify checks', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const signer = checkpointSignerFromPem(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'ops-2026');
    const store = await backend.open({ checkpointEvery: 6, checkpointSigner: signer });
    try {
      await seed(store);
      await waitFor(async () => (await store.verify()).ok && ((await store.verify()) as { checkpoints: number }).checkpoints >= 2, { what: 'checkpoints' });
      const { rows } = await store.executor.query<{ key_id: string; signature: string }>(`SELECT key_id, signature FROM ${SCHEMA}.checkpoints`);
      expect(rows.every((row) => row.key_id === 'ops-2026' && row.signature.length > 0)).toBe(true);
      await expect(store.executor.exec(`DELETE FROM ${SCHEMA}.checkpoints`)).rejects.toThrow(/append-only/);

      await tamper(backend, store, [
        `ALTER TABLE ${SCHEMA}.checkpoints DISABLE TRIGGER checkpoints_append_only`,
        `UPDATE ${SCHEMA}.checkpoints SET signature = (SELECT signature FROM ${SCHEMA}.checkpoints ORDER BY position DESC LIMIT 1) WHERE position = (SELECT min(position) FROM ${SCHEMA}.checkpoints)`,
        `ALTER TABLE ${SCHEMA}.checkpoints ENABLE TRIGGER checkpoints_append_only`,
      ]);
      expect(await store.verify()).toMatchObject({ ok: false, problem: 'edited', detail: expect.stringMatching(/signature/) });
    } finally {
      await store.close();
    }
  });
});

describe.each(BACKENDS)('event store contract on %s: export and import', (backendName) => {
  let source: BackendFixture;
  let target: BackendFixture;
  let sourceStore: SqlEventStore;
  let targetStore: SqlEventStore;
  let directory: string;
  let exported: string;

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'tollgate-archive-'));
    source = await openBackend(backendName);
    sourceStore = await source.open();
    await seed(sourceStore);
    await sourceStore.append('fill-1', 'no-stream', [
      { ...note('x'), type: 'ContractTestFill', data: { orderId: 'o-1', symbol: 'MSFT', quantity: '0.000001', price: '99999999999.99999999' } },
    ]);
    exported = join(directory, 'export.jsonl');
    await sourceStore.exportTo(exported);
  }, 60_000);

  beforeEach(async () => {
    target = await openBackend(backendName);
    targetStore = await target.open();
  }, 60_000);

  afterEach(async () => {
    await targetStore?.close();
    await target?.cleanup();
  }, 60_000);

  afterAll(async () => {
    await sourceStore?.close();
    await source?.cleanup();
    rmSync(directory, { recursive: true, force: true });
  }, 60_000);

  const lines = () => readFileSync(exported, 'utf8').split('\n');
  const writeVariant = (name: string, content: string[]) => {
    const file = join(directory, name);
    writeFileSync(file, content.join('\n'));
    return file;
  };
  const eventCount = async () => Number((await targetStore.executor.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${SCHEMA}.events`)).rows[0]!.n);

  it('round-trips byte for byte, and the restored store verifies', async () => {
    const summary = await targetStore.importFrom(exported);
    expect(summary.events).toBe(TOTAL + 1);
    const again = join(directory, 'again.jsonl');
    await targetStore.exportTo(again);
    expect(readFileSync(again)).toEqual(readFileSync(exported));
    expect(await targetStore.verify()).toMatchObject({ ok: true, checked: TOTAL + 1 });
    // The restored store carries on: appends continue both chains.
    await targetStore.append('ledger-a', ROUNDS, [note('after restore')]);
    expect(await targetStore.verify()).toMatchObject({ ok: true, checked: TOTAL + 2 });
    expect((await targetStore.readStream('fill-1'))[0]!.data).toMatchObject({ price: '99999999999.99999999' });
  });

  it('writes canonical JSON lines with a header and a trailer', () => {
    const content = lines();
    expect(content[0]).toBe('{"format":"tollgate-event-store","version":1}');
    expect(content[content.length - 1]).toBe('');
    const trailer = JSON.parse(content[content.length - 2]!) as { end: boolean; events: number };
    expect(trailer).toMatchObject({ end: true, events: TOTAL + 1 });
    const first = JSON.parse(content[1]!) as Record<string, unknown>;
    expect(Object.keys(first)).toEqual([...Object.keys(first)].sort());
  });

  const refusals: Array<[string, (content: string[]) => string[], number, RegExp]> = [
    ['a corrupted payload', (content) => content.map((line, index) => (index === 4 ? line.replace('#1', '#9') : line)), 5, /stream hash/],
    ['a reordered pair of lines', (content) => [content[0]!, content[2]!, content[1]!, ...content.slice(3)], 2, /position 2 where 1 was expected/],
    ['a missing line', (content) => [...content.slice(0, 6), ...content.slice(7)], 7, /position 7 where 6 was expected/],
    ['a file cut short', (content) => content.slice(0, 10), 11, /trailer/],
    ['a line that is not canonical', (content) => content.map((line, index) => (index === 3 ? line.replace('{"data"', '{ "data"') : line)), 4, /canonical/],
    ['a wrong trailer', (content) => content.map((line) => (line.startsWith('{"end"') ? line.replace(`"events":${TOTAL + 1}`, '"events":3') : line)), TOTAL + 3, /trailer/],
    ['something else entirely', () => ['hello'], 1, /header/],
  ];

  it.each(refusals)('refuses %s, naming the line, and writes nothing', async (_, mutate, line, reason) => {
    const file = writeVariant('variant.jsonl', mutate(lines()));
    const error = await targetStore.importFrom(file).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ImportRefusedError);
    expect(error).toMatchObject({ line });
    expect((error as Error).message).toMatch(reason);
    expect(await eventCount()).toBe(0);
  });

  it('refuses to import into a store that already has events', async () => {
    await targetStore.append('other-1', 'no-stream', [note('already here')]);
    await expect(targetStore.importFrom(exported)).rejects.toThrow(/already has events/);
    expect(await eventCount()).toBe(1);
  });
});

describe('event store contract: an export moves between backends', () => {
  it('imports a PGlite export into PostgreSQL byte for byte', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'tollgate-cross-'));
    const embedded = await openBackend('pglite');
    const server = await openBackend('postgres');
    const from = await embedded.open();
    const to = await server.open();
    try {
      await seed(from);
      const first = join(directory, 'pglite.jsonl');
      const second = join(directory, 'postgres.jsonl');
      await from.exportTo(first);
      await to.importFrom(first);
      await to.exportTo(second);
      expect(readFileSync(second)).toEqual(readFileSync(first));
      expect(await to.verify()).toMatchObject({ ok: true, checked: TOTAL });
    } finally {
      await from.close();
      await to.close();
      await embedded.cleanup();
      await server.cleanup();
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
