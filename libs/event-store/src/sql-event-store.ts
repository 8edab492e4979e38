import { ValidationError } from '@tollgate/kernel';
import type { EventInput, EventRegistry, RecordedEvent } from '@tollgate/contracts';
import { exportArchive, importArchive, type ExportSummary, type ImportSummary } from './archive';
import { publicKeyOf, writeCheckpoint, type Checkpoint, type CheckpointSigner } from './checkpoints';
import { verifyStore, type VerifyOptions, type VerifyResult } from './verify';
import { DuplicateEventIdError, EventStoreClosedError, GlobalLogGapError, WrongExpectedVersionError } from './errors';
import { textArrayLiteral } from './canonical';
import { canonicalEnvelope, streamHash } from './hashing';
import { prepareAppend, validateStreamId, type PreparedEvent } from './prepare';
import { decodeEventRow, EVENT_COLUMNS, POSITION_OF_EVENT, READ_ALL_SQL } from './rows';
import { HeadWatcher, Sealer } from './sealer';
import { sqlState, UNIQUE_VIOLATION, type SqlExecutor, type SqlQueryable, type SqlSession } from './sql/executor';
import { GENESIS_HASH, SCHEMA, SEALED_CHANNEL } from './sql/schema';
import type {
  AppendResult,
  EventStore,
  ExpectedVersion,
  ReadAllOptions,
  ReadStreamOptions,
  SubscribeAllOptions,
  Subscription,
} from './port';

export interface SqlEventStoreOptions {
  registry: EventRegistry;
  /** How often to look for committed-but-unsealed events another process left behind. */
  sweepIntervalMs?: number;
  /** How long a waiting subscriber trusts notifications before it polls the database anyway. */
  pollIntervalMs?: number;
  /**
   * An append that finds the seal lock taken leaves its events queued for the next transaction
   * that gets it; after this many milliseconds this process seals them itself if nobody has.
   */
  deferredSealMs?: number;
  /** Least milliseconds between two background seals (each is a durable commit). */
  sealIntervalMs?: number;
  /** Events per read batch for subscriptions and replays. */
  readBatchSize?: number;
  /** Stream heads remembered so most appends are one statement (a stale entry costs a retry). */
  streamHeadCacheSize?: number;
  /** Take a checkpoint of the global chain head every this many sealed events (0: never). */
  checkpointEvery?: number;
  /** Signs checkpoints (Ed25519); its public key checks them in verify. */
  checkpointSigner?: CheckpointSigner;
  /**
   * Seal appends as they are written (default). False queues every append for the periodic sweep
   * of whichever store runs it: tests use it to play a process that died between commit and seal.
   */
  sealAfterAppend?: boolean;
  /** For tests that must hold an append transaction open (commit-order races). */
  testHooks?: { beforeCommit?: (session: SqlSession, streamId: string) => Promise<void> };
}

interface StreamHead {
  version: number;
  hash: string;
}

const EMPTY_STREAM: StreamHead = { version: 0, hash: GENESIS_HASH };
const MAX_APPEND_ATTEMPTS = 20;

/** See event_store.append() in sql/schema.ts: one round trip, sealed in the same commit when it can be. */
const APPEND_SQL = `SELECT ${SCHEMA}.append($1, $2, $3, $4::uuid[], $5::text[], $6::integer[], $7::text[], $8::text[], $9::timestamptz[], $10::text[], $11) AS result`;
const APPEND_ONE_SQL = `SELECT ${SCHEMA}.append_one($1, $2, $3, $4::uuid, $5, $6::integer, $7, $8, $9::timestamptz, $10) AS result`;

const STREAM_COLUMNS = `${POSITION_OF_EVENT} AS position, ${EVENT_COLUMNS}, e.stream_hash`;
const READ_STREAM_FORWARD_SQL = `SELECT ${STREAM_COLUMNS}
  FROM ${SCHEMA}.events e LEFT JOIN ${SCHEMA}.global_log g ON g.append_id = e.append_id
  WHERE e.stream_id = $1 AND e.stream_version >= $2 ORDER BY e.stream_version LIMIT $3`;
const READ_STREAM_BACKWARD_SQL = `SELECT ${STREAM_COLUMNS}
  FROM ${SCHEMA}.events e LEFT JOIN ${SCHEMA}.global_log g ON g.append_id = e.append_id
  WHERE e.stream_id = $1 AND e.stream_version <= $2 ORDER BY e.stream_version DESC LIMIT $3`;

/**
 * The event store on SQL (PostgreSQL or PGlite). Writers append freely (optimistic concurrency
 * per stream, a per-stream hash chain, one round trip and one commit per append); dense global
 * positions are given only under a seal lock held through the sealer's commit (usually by an
 * append, in its own commit), so they become visible in order and `position > checkpoint` never
 * skips an event. Readers of the global log see sealed events only. See docs/event-store.md.
 */
export class SqlEventStore implements EventStore {
  readonly registry: EventRegistry;
  private readonly sealer: Sealer;
  private readonly heads = new HeadWatcher();
  private readonly streamHeads = new Map<string, StreamHead>();
  private readonly subscriptions = new Set<{ stop(): Promise<void> }>();
  private readonly sweepTimer: NodeJS.Timeout;
  private stopListening: Promise<() => Promise<void>> | undefined;
  private closed = false;
  private lastCheckpoint = 0;
  private analyzedAt = 0;
  private checkpointing: Promise<void> | undefined;
  private readonly readBatchSize: number;
  private readonly pollIntervalMs: number;
  private readonly headCacheSize: number;
  private readonly deferredSealMs: number;
  /** Appends of this process between their first statement and its result. */
  private appendsInFlight = 0;

  constructor(
    readonly executor: SqlExecutor,
    private readonly options: SqlEventStoreOptions,
  ) {
    this.registry = options.registry;
    this.readBatchSize = options.readBatchSize ?? 5_000;
    this.pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.headCacheSize = options.streamHeadCacheSize ?? 10_000;
    this.deferredSealMs = options.deferredSealMs ?? 5;
    this.sealer = new Sealer(executor, (head) => this.onSealed(head), options.sealIntervalMs ?? 0);
    this.sweepTimer = setInterval(() => void this.sweep(), options.sweepIntervalMs ?? 1_000);
    this.sweepTimer.unref();
  }

  get backend(): SqlExecutor['backend'] {
    return this.executor.backend;
  }

  /**
   * Seals whatever is queued (events a crashed process committed but never sealed). A read-only
   * role may not seal; that is no reason to refuse it the store.
   */
  async start(): Promise<void> {
    const { rows } = await this.executor.query<{ position: number | null }>(`SELECT max(position) AS position FROM ${SCHEMA}.checkpoints`);
    this.lastCheckpoint = Number(rows[0]?.position ?? 0);
    await this.sealer.request().catch(() => undefined);
  }

  /**
   * Recomputes both hash chains and cross-checks stream heads, the seal queue and checkpoints.
   * Returns the first bad position and what is wrong with it, or the number of events checked.
   */
  async verify(options: VerifyOptions = {}): Promise<VerifyResult> {
    this.assertOpen();
    await this.sealer.request().catch(() => undefined);
    const signer = this.options.checkpointSigner;
    const checkpointKeys = signer ? { [signer.keyId]: publicKeyOf(signer), ...options.checkpointKeys } : options.checkpointKeys;
    return verifyStore(this.executor, { ...options, checkpointKeys });
  }

  /** Writes every sealed event to a JSON Lines file (format in archive.ts / docs/event-store.md). */
  async exportTo(file: string): Promise<ExportSummary> {
    this.assertOpen();
    await this.sealer.request();
    return exportArchive(this.executor, file);
  }

  /** Restores an export into this store, which must be empty; refuses a bad file naming the line. */
  async importFrom(file: string): Promise<ImportSummary> {
    this.assertOpen();
    const summary = await importArchive(this.executor, this.registry, file);
    this.streamHeads.clear();
    this.heads.observe(summary.headPosition);
    return summary;
  }

  /** Records the current global chain head as a checkpoint (signed when a signer is configured). */
  async writeCheckpoint(): Promise<Checkpoint | undefined> {
    this.assertOpen();
    await this.sealer.settle();
    const checkpoint = await writeCheckpoint(this.executor, this.options.checkpointSigner);
    if (checkpoint) this.lastCheckpoint = Math.max(this.lastCheckpoint, checkpoint.position);
    return checkpoint;
  }

  private onSealed(head: number): void {
    this.heads.observe(head);
    const every = this.options.checkpointEvery ?? 10_000;
    if (every > 0 && head - this.lastCheckpoint >= every && !this.checkpointing && !this.closed) {
      this.checkpointing = writeCheckpoint(this.executor, this.options.checkpointSigner)
        .then((checkpoint) => {
          if (checkpoint) this.lastCheckpoint = Math.max(this.lastCheckpoint, checkpoint.position);
        })
        .catch(() => undefined)
        .finally(() => (this.checkpointing = undefined));
    }
  }

  async append(streamId: string, expectedVersion: ExpectedVersion, events: readonly EventInput[]): Promise<AppendResult> {
    this.assertOpen();
    const prepared = prepareAppend(this.registry, streamId, expectedVersion, events);
    let head: StreamHead | undefined = this.streamHeads.get(streamId) ?? (expectedVersion === 'no-stream' ? EMPTY_STREAM : undefined);
    let fresh = false;
    for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS; attempt++) {
      if (!head) {
        head = await this.readStreamHead(streamId);
        fresh = true;
      }
      if (!satisfies(expectedVersion, head.version)) {
        if (!fresh) {
          head = undefined;
          continue;
        }
        const stored = await this.findStored(streamId, prepared);
        if (stored) return stored;
        throw new WrongExpectedVersionError(streamId, expectedVersion, head.version);
      }
      const chained = chain(streamId, head, prepared);
      const startedAt = performance.now();
      const headBefore = this.heads.known;
      let written: number | 'queued' | undefined;
      this.appendsInFlight++;
      try {
        written = await this.write(streamId, head, prepared, chained);
      } catch (error) {
        if (sqlState(error) !== UNIQUE_VIOLATION) throw error;
        // Either an event id is stored already (a retry, or a real clash) or a racing writer took
        // the stream version; findStored tells which.
        const stored = await this.findStored(streamId, prepared);
        if (stored) return stored;
        this.streamHeads.delete(streamId);
        head = undefined;
        continue;
      } finally {
        this.appendsInFlight--;
      }
      if (written !== undefined) {
        this.rememberHead(streamId, { version: head.version + prepared.length, hash: chained[chained.length - 1]! });
        if (written === 'queued') {
          // Another transaction held the seal lock: the next one to get it seals this append. A
          // deferred seal makes sure that happens even if no other append follows.
          if (this.options.sealAfterAppend !== false) {
            this.sealer.noteQueued(performance.now(), this.deferredSealMs);
            // The lock holder's commit is announced by NOTIFY (see Sealer.sealQueuedNow), so listen
            // once this process has had to queue. If a seal committed while this append ran, the
            // notification may have come before this append was queued: try the lock now.
            void this.listenForSeals().catch(() => undefined);
            if (this.heads.known > headBefore) this.sealQueuedIfIdle();
          }
        } else {
          this.sealer.noteSealedBy(startedAt);
          this.onSealed(written);
        }
        return { streamId, firstVersion: head.version + 1, lastVersion: head.version + prepared.length, deduplicated: false };
      }
      // The stream moved since we read its head: read it again and re-check the expectation.
      this.streamHeads.delete(streamId);
      head = undefined;
    }
    throw new Error(`stream ${streamId}: append lost ${MAX_APPEND_ATTEMPTS} races in a row with concurrent writers`);
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const issues = validateStreamId(streamId);
    if (issues.length > 0) throw new ValidationError('readStream', issues);
    const backward = options.direction === 'backward';
    const from = options.fromVersion ?? (backward ? Number.MAX_SAFE_INTEGER : 1);
    const limit = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    await this.sealer.settle();
    let rows = await this.executor.queryArrays(backward ? READ_STREAM_BACKWARD_SQL : READ_STREAM_FORWARD_SQL, [streamId, from, limit]);
    if (rows.some((row) => row[0] === null)) {
      // Committed by someone whose seal has not run yet: seal now rather than hide them.
      await this.sealer.request();
      rows = await this.executor.queryArrays(backward ? READ_STREAM_BACKWARD_SQL : READ_STREAM_FORWARD_SQL, [streamId, from, limit]);
    }
    // Anything still unsealed committed after our seal began: it is the stream's newest tail,
    // so leaving it out gives a consistent, slightly older view.
    const sealed = rows.filter((row) => row[0] !== null);
    if (!backward && sealed.length === rows.length && rows.length < limit && rows.length > 0) {
      const last = rows[rows.length - 1]!;
      this.rememberHead(streamId, { version: Number(last[3]), hash: last[10] as string });
    }
    return sealed.map(decodeEventRow);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    await this.sealer.settle();
    const rows = await this.executor.queryArrays(READ_ALL_SQL, [options.after ?? 0, options.maxCount ?? Number.MAX_SAFE_INTEGER]);
    return rows.map(decodeEventRow);
  }

  async headPosition(): Promise<number> {
    this.assertOpen();
    await this.sealer.settle();
    const { rows } = await this.executor.query<{ position: number }>(
      `SELECT last_position AS position FROM ${SCHEMA}.global_log ORDER BY last_position DESC LIMIT 1`,
    );
    const head = Number(rows[0]?.position ?? 0);
    this.heads.observe(head);
    return head;
  }

  subscribeAll(options: SubscribeAllOptions): Subscription {
    this.assertOpen();
    const controller = new AbortController();
    const done = this.runSubscription(options, controller.signal);
    const subscription = {
      stop: async () => {
        controller.abort();
        await done;
        this.subscriptions.delete(subscription);
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** Resolves when an event beyond `after` is sealed, after `timeoutMs`, or on abort. */
  async waitForPosition(after: number, timeoutMs = this.pollIntervalMs, signal?: AbortSignal): Promise<void> {
    await this.listenForSeals();
    await this.heads.wait(after, timeoutMs, signal);
  }

  /** Resolves when every append this process made so far is sealed (visible in readAll). */
  whenSealed(): Promise<void> {
    return this.sealer.settle();
  }

  /** Seals everything committed so far and resolves when done. */
  sealNow(): Promise<void> {
    return this.sealer.request();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweepTimer);
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    this.heads.wakeAll();
    await this.sealer.close();
    await this.checkpointing;
    const stop = await this.stopListening?.catch(() => undefined);
    await stop?.().catch(() => undefined);
    await this.executor.close();
  }

  private async runSubscription(options: SubscribeAllOptions, signal: AbortSignal): Promise<void> {
    const report = (error: unknown) => {
      try {
        options.onError?.(error);
      } catch {
        // a failing error handler must not kill the loop
      }
    };
    let after = options.after;
    let retryDelay = 50;
    const fetchBatch = (from: number) => this.fetchSealed(from, this.readBatchSize);
    let prefetched: Promise<unknown[][]> | undefined;
    try {
      await this.listenForSeals();
    } catch (error) {
      report(error);
    }
    while (!signal.aborted) {
      let rows: unknown[][];
      try {
        rows = await (prefetched ?? fetchBatch(after));
        retryDelay = 50;
      } catch (error) {
        prefetched = undefined;
        if (signal.aborted) break;
        report(error);
        await this.heads.wait(Number.MAX_SAFE_INTEGER, retryDelay, signal);
        retryDelay = Math.min(retryDelay * 2, 5_000);
        continue;
      }
      prefetched = undefined;
      if (rows.length === this.readBatchSize) {
        // Overlap the database's work on the next batch with the handler's work on this one.
        prefetched = fetchBatch(Number(rows[rows.length - 1]![0]));
        prefetched.catch(() => undefined);
      }
      for (const row of rows) {
        if (signal.aborted) break;
        const position = Number(row[0]);
        if (position !== after + 1) {
          report(new GlobalLogGapError(after + 1, position));
          return;
        }
        try {
          await options.handler(decodeEventRow(row));
        } catch (error) {
          // The handler owns its failures; redelivering would break exactly-once. Stop here:
          // the subscriber restarts from its own checkpoint.
          report(error);
          return;
        }
        after = position;
      }
      if (!prefetched && !signal.aborted) await this.heads.wait(after, this.pollIntervalMs, signal);
    }
  }

  private async fetchSealed(after: number, limit: number): Promise<unknown[][]> {
    // A subscription reads what is sealed and waits for the rest (onSealed and NOTIFY wake it). It
    // used to settle() first, i.e. wait for the seal lock and commit a seal of this process's queued
    // appends before every read: with writers in other processes that put a lock wait and a commit
    // in front of each wake-up, even when another process had sealed those appends already. Asking
    // for a background seal keeps own appends moving without holding up the read.
    this.sealQueuedIfIdle();
    const rows = await this.executor.queryArrays(READ_ALL_SQL, [after, limit]);
    if (rows.length > 0) this.heads.observe(Number(rows[rows.length - 1]![0]));
    return rows;
  }

  private listenForSeals(): Promise<unknown> {
    // Closed: a late queued append must not open a LISTEN connection nobody will close.
    if (this.executor.backend !== 'postgres' || (this.closed && !this.stopListening)) return this.stopListening ?? Promise.resolve();
    this.stopListening ??= this.executor.listen(SEALED_CHANNEL, (payload) => {
      this.heads.observe(Number(payload));
      this.sealQueuedIfIdle();
    });
    return this.stopListening;
  }

  /**
   * Seals this process's queued appends now, unless one of its appends is about to try the seal
   * lock anyway (it seals the whole queue in its own commit, and a background seal holding the lock
   * meanwhile would only make that append queue too).
   */
  private sealQueuedIfIdle(): void {
    if (this.appendsInFlight === 0 && this.options.sealAfterAppend !== false && !this.closed) this.sealer.sealQueuedNow();
  }

  private async sweep(): Promise<void> {
    if (this.closed) return;
    await this.refreshStatistics();
    try {
      const { rows } = await this.executor.query<{ waiting: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM ${SCHEMA}.seal_queue) AS waiting`,
      );
      if (rows[0]?.waiting) await this.sealer.request();
    } catch {
      // The next sweep tries again; appends and reads surface database errors themselves.
    }
  }

  /**
   * Writes the append. Returns undefined when the stream was no longer at `head` (nothing written),
   * 'queued' when written but left for the next sealer, else the sealed head position.
   */
  /**
   * PGlite runs no autovacuum, so its planner never learns how big the log is and would sort the
   * whole tail of it for every page read. Analyze each time the log has doubled (from 10,000).
   */
  private async refreshStatistics(): Promise<void> {
    if (this.executor.backend !== 'pglite') return;
    const head = this.heads.known;
    if (head < Math.max(10_000, this.analyzedAt * 2)) return;
    this.analyzedAt = head;
    try {
      await this.executor.exec(`ANALYZE ${SCHEMA}.global_log; ANALYZE ${SCHEMA}.events`);
      await this.executor.exec(`VACUUM ${SCHEMA}.seal_queue`);
    } catch {
      // Statistics are an optimisation; the next doubling tries again.
    }
  }

  private async write(streamId: string, head: StreamHead, events: PreparedEvent[], hashes: string[]): Promise<number | 'queued' | undefined> {
    const maySeal = this.options.sealAfterAppend !== false;
    const single = events.length === 1 ? events[0] : undefined;
    const [sql, params] = single
      ? [APPEND_ONE_SQL, [streamId, head.version, hashes[0], single.id, single.type, single.schemaVersion, single.data, single.metadata, single.occurredAt, maySeal]]
      : [APPEND_SQL, [
          streamId,
          head.version,
          hashes[hashes.length - 1],
          textArrayLiteral(events.map((event) => event.id)),
          textArrayLiteral(events.map((event) => event.type)),
          `{${events.map((event) => event.schemaVersion).join(',')}}`,
          textArrayLiteral(events.map((event) => event.data), { jsonText: true }),
          textArrayLiteral(events.map((event) => event.metadata), { jsonText: true }),
          textArrayLiteral(events.map((event) => event.occurredAt)),
          textArrayLiteral(hashes),
          maySeal,
        ]];
    const hook = this.options.testHooks?.beforeCommit;
    const run = async (session: SqlQueryable) => (await session.query<{ result: number | string | null }>(sql, params)).rows[0]?.result;
    const result = hook
      ? await this.executor.transaction(async (session) => {
          const outcome = await run(session);
          await hook(session, streamId);
          return outcome;
        })
      : await run(this.executor);
    if (result === null || result === undefined) return undefined;
    const position = Number(result);
    return position < 0 ? 'queued' : position;
  }

  private async readStreamHead(streamId: string): Promise<StreamHead> {
    const { rows } = await this.executor.query<{ version: number; head_hash: string }>(
      `SELECT version, head_hash FROM ${SCHEMA}.streams WHERE stream_id = $1`,
      [streamId],
    );
    const row = rows[0];
    return row ? { version: Number(row.version), hash: row.head_hash } : EMPTY_STREAM;
  }

  private rememberHead(streamId: string, head: StreamHead): void {
    this.streamHeads.delete(streamId);
    this.streamHeads.set(streamId, head);
    if (this.streamHeads.size > this.headCacheSize) {
      const oldest = this.streamHeads.keys().next().value;
      if (oldest !== undefined) this.streamHeads.delete(oldest);
    }
  }

  /**
   * The idempotency rule: if every event of this append is stored already with the same content
   * in this stream, the append is a retry and returns what was stored. Returns undefined when none
   * is stored. Any other overlap is a DuplicateEventIdError.
   */
  private async findStored(streamId: string, events: PreparedEvent[]): Promise<AppendResult | undefined> {
    const { rows } = await this.executor.query<{
      event_id: string;
      stream_id: string;
      stream_version: number;
      event_type: string;
      schema_version: number;
      data: string;
      metadata: string;
      occurred_at: string;
    }>(
      `SELECT event_id, stream_id, stream_version, event_type, schema_version, data, metadata, ${SCHEMA}.utc_millis(occurred_at) AS occurred_at
       FROM ${SCHEMA}.events WHERE event_id = ANY($1::uuid[])`,
      [events.map((event) => event.id)],
    );
    if (rows.length === 0) return undefined;
    const byId = new Map(rows.map((row) => [row.event_id, row]));
    const versions: number[] = [];
    for (const event of events) {
      const stored = byId.get(event.id);
      if (!stored) {
        const first = rows[0]!;
        throw new DuplicateEventIdError(
          first.event_id,
          first.stream_id,
          'but other events of this append are not; an append is all or nothing, so this is not a retry',
        );
      }
      if (stored.stream_id !== streamId) throw new DuplicateEventIdError(event.id, stored.stream_id, `, not in ${streamId}`);
      const same =
        stored.event_type === event.type &&
        Number(stored.schema_version) === event.schemaVersion &&
        stored.data === event.data &&
        stored.metadata === event.metadata &&
        stored.occurred_at === event.occurredAt;
      if (!same) throw new DuplicateEventIdError(event.id, stored.stream_id, 'with different content');
      versions.push(Number(stored.stream_version));
    }
    return { streamId, firstVersion: Math.min(...versions), lastVersion: Math.max(...versions), deduplicated: true };
  }

  private assertOpen(): void {
    if (this.closed) throw new EventStoreClosedError();
  }
}

function satisfies(expected: ExpectedVersion, actual: number): boolean {
  if (expected === 'any') return true;
  if (expected === 'no-stream') return actual === 0;
  if (expected === 'stream-exists') return actual > 0;
  return expected === actual;
}

function chain(streamId: string, head: StreamHead, events: PreparedEvent[]): string[] {
  let previous = head.hash;
  const hashes: string[] = [];
  for (let index = 0; index < events.length; index++) {
    const event = events[index]!;
    previous = streamHash(previous, envelopeOf(event, streamId, head.version + index + 1));
    hashes.push(previous);
  }
  return hashes;
}

function envelopeOf(event: PreparedEvent, streamId: string, streamVersion: number): string {
  return canonicalEnvelope({
    id: event.id,
    streamId,
    streamVersion,
    type: event.type,
    schemaVersion: event.schemaVersion,
    data: event.data,
    metadata: event.metadata,
    occurredAt: event.occurredAt,
  });
}
