import { verifyCheckpointSignature, type CheckpointKeys } from './checkpoints';
import { globalHash, streamHash } from './hashing';
import type { SqlExecutor, SqlSession } from './sql/executor';
import { eventsOfAppend, isoFromPostgres, utcText } from './rows';
import { GENESIS_HASH, SCHEMA } from './sql/schema';

/**
 * What `verify` reports:
 * - edited: an event's bytes (or a hash, a stream head, a checkpoint) no longer match its chain;
 * - missing: a position or stream version is absent where the chains say something was;
 * - reordered: events are present but not in the order their chains were built in;
 * - truncated: the log or a stream ends before its recorded head, a checkpoint or an expected head.
 */
export type IntegrityProblem = 'edited' | 'missing' | 'reordered' | 'truncated';

export interface VerifyOk {
  ok: true;
  /** Events whose stream and global chains were recomputed and matched. */
  checked: number;
  headPosition: number;
  headHash: string;
  streams: number;
  checkpoints: number;
}

export interface VerifyFailure {
  ok: false;
  /** Events checked and found good before the first problem. */
  checked: number;
  /** The first bad global position (log head + 1 when the log ends too early). */
  position: number;
  problem: IntegrityProblem;
  detail: string;
  streamId?: string;
}

export type VerifyResult = VerifyOk | VerifyFailure;

export interface VerifyOptions {
  /** Positions read per query. */
  batchSize?: number;
  /** Public keys (PEM) by key id, to check checkpoint signatures. */
  checkpointKeys?: CheckpointKeys;
  /** A head recorded outside the database (e.g. by an earlier `verify`): the log must contain it. */
  expectHead?: { position: number; hash: string };
  onProgress?: (checked: number) => void;
}

interface StreamState {
  version: number;
  hash: string;
}

interface LoggedAppend {
  firstPosition: number;
  lastPosition: number;
  appendId: string;
  streamId: string;
  firstVersion: number;
  logHash: string;
  events: EventRow[];
}

interface EventRow {
  streamId: string;
  streamVersion: number;
  appendId: string;
  recordedAt: string;
  streamHash: string;
  /** The canonical envelope, assembled by the database from the stored columns (see below). */
  envelope: string;
}

/**
 * The canonical envelope of hashing.ts, assembled mostly in SQL so each event crosses the wire in
 * few columns (per-column decoding in the client is what limits a million-event walk); only
 * occurredAt is normalised here. to_json(text) escapes exactly as JSON.stringify does for any text
 * PostgreSQL can hold; the contract suite verifies stores whose stream ids need escaping.
 */
const ENVELOPE_HEAD_SQL = `'{"data":' || e.data || ',"id":"' || e.event_id || '","metadata":' || e.metadata || ',"occurredAt":"'`;
const ENVELOPE_TAIL_SQL = `'","schemaVersion":' || e.schema_version || ',"streamId":' || to_json(e.stream_id)::text
  || ',"streamVersion":' || e.stream_version || ',"type":' || to_json(e.event_type)::text || '}'`;

const EVENT_FIELDS = `e.stream_id, e.stream_version, e.append_id::text, ${utcText('e.recorded_at')}, e.stream_hash,
  ${ENVELOPE_HEAD_SQL}, ${utcText('e.occurred_at')}, ${ENVELOPE_TAIL_SQL}`;

/** Appends whose last position is in ($1, $2]. */
const LOG_SQL = `SELECT first_position, last_position, append_id::text, stream_id, first_version, log_hash
  FROM ${SCHEMA}.global_log WHERE last_position > $1 AND last_position <= $2 ORDER BY last_position`;

/** The events those appends name, tagged with their append's last position. */
const LOGGED_EVENTS_SQL = `SELECT g.last_position, ${EVENT_FIELDS}
  FROM ${SCHEMA}.global_log g
  ${eventsOfAppend('e.*')}
  WHERE g.last_position > $1 AND g.last_position <= $2
  ORDER BY g.last_position, e.stream_version`;

function eventFrom(row: unknown[], offset: number): EventRow {
  return {
    streamId: row[offset] as string,
    streamVersion: Number(row[offset + 1]),
    appendId: row[offset + 2] as string,
    recordedAt: isoFromPostgres(row[offset + 3] as string, 6),
    streamHash: row[offset + 4] as string,
    envelope: (row[offset + 5] as string) + isoFromPostgres(row[offset + 6] as string, 3) + (row[offset + 7] as string),
  };
}

function groupAppends(logRows: unknown[][], eventRows: unknown[][]): LoggedAppend[] {
  const appends = logRows.map(
    (row): LoggedAppend => ({
      firstPosition: Number(row[0]),
      lastPosition: Number(row[1]),
      appendId: row[2] as string,
      streamId: row[3] as string,
      firstVersion: Number(row[4]),
      logHash: row[5] as string,
      events: [],
    }),
  );
  const byLast = new Map(appends.map((append) => [append.lastPosition, append]));
  for (const row of eventRows) byLast.get(Number(row[0]))?.events.push(eventFrom(row, 1));
  return appends;
}

class Failure extends Error {
  constructor(readonly result: VerifyFailure) {
    super(result.detail);
  }
}

/** Raised when a stream skips a version; resolved by a query outside the hot loop. */
class SkippedVersion extends Error {
  constructor(readonly position: number, readonly streamId: string, readonly missingVersion: number) {
    super('skipped version');
  }
}

/**
 * Recomputes both hash chains over one consistent snapshot and cross-checks the stream heads, the
 * seal queue, the checkpoints and an optional expected head. Stops at the first problem.
 */
export async function verifyStore(executor: SqlExecutor, options: VerifyOptions = {}): Promise<VerifyResult> {
  return executor.withSession(async (session) => {
    await session.exec('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    let helper: { session: SqlSession; release: () => void } | undefined;
    try {
      if (executor.backend === 'postgres') {
        // A second connection on the same snapshot reads the next batch while this one is checked.
        const { rows } = await session.query<{ snapshot: string }>('SELECT pg_export_snapshot() AS snapshot');
        helper = await executor.leaseSession();
        await helper.session.exec('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        await helper.session.query(`SET TRANSACTION SNAPSHOT '${rows[0]!.snapshot.replace(/'/g, "''")}'`);
      }
      return await new Verifier(session, helper?.session, options).run();
    } finally {
      if (helper) {
        await helper.session.exec('COMMIT').catch(() => undefined);
        helper.release();
      }
      await session.exec('COMMIT').catch(() => undefined);
    }
  });
}

class Verifier {
  private readonly streams = new Map<string, StreamState>();
  private checked = 0;
  private head = 0;
  private headHash = GENESIS_HASH;
  private readonly batchSize: number;

  constructor(
    private readonly session: SqlSession,
    /** Reads ahead on the same snapshot (PostgreSQL); absent on PGlite's single session. */
    private readonly prefetchSession: SqlSession | undefined,
    private readonly options: VerifyOptions,
  ) {
    this.batchSize = options.batchSize ?? 10_000;
  }

  async run(): Promise<VerifyResult> {
    try {
      const checkpoints = await this.loadCheckpoints();
      await this.walkGlobalLog(checkpoints);
      await this.checkUnsealed();
      await this.checkEventCount();
      await this.checkStreamHeads();
      this.checkAnchors(checkpoints);
      return { ok: true, checked: this.checked, headPosition: this.head, headHash: this.headHash, streams: this.streams.size, checkpoints: checkpoints.size };
    } catch (error) {
      if (error instanceof Failure) return error.result;
      if (error instanceof SkippedVersion) return this.explainSkip(error);
      throw error;
    }
  }

  private failure(position: number, problem: IntegrityProblem, detail: string, streamId?: string): VerifyFailure {
    return { ok: false, checked: this.checked, position, problem, detail: `position ${position}: ${problem} — ${detail}`, ...(streamId ? { streamId } : {}) };
  }

  private fail(position: number, problem: IntegrityProblem, detail: string, streamId?: string): never {
    throw new Failure(this.failure(position, problem, detail, streamId));
  }

  /** A stream skipped a version: if that version is stored elsewhere the order is wrong, else it is gone. */
  private async explainSkip(skip: SkippedVersion): Promise<VerifyResult> {
    const { rows } = await this.session.query(`SELECT 1 FROM ${SCHEMA}.events WHERE stream_id = $1 AND stream_version = $2`, [
      skip.streamId,
      skip.missingVersion,
    ]);
    return rows.length > 0
      ? this.failure(skip.position, 'reordered', `stream ${skip.streamId} version ${skip.missingVersion} is stored but placed after a later version`, skip.streamId)
      : this.failure(skip.position, 'missing', `stream ${skip.streamId} version ${skip.missingVersion} is gone`, skip.streamId);
  }

  private async loadCheckpoints(): Promise<Map<number, string>> {
    const { rows } = await this.session.query<{ position: number; log_hash: string; key_id: string | null; signature: string | null }>(
      `SELECT position, log_hash, key_id, signature FROM ${SCHEMA}.checkpoints ORDER BY position`,
    );
    const checkpoints = new Map<number, string>();
    for (const row of rows) {
      const position = Number(row.position);
      if (row.signature && !verifyCheckpointSignature(position, row.log_hash, row.key_id, row.signature, this.options.checkpointKeys)) {
        this.fail(position, 'edited', `the checkpoint signature (key ${row.key_id ?? '?'}) does not verify`);
      }
      checkpoints.set(position, row.log_hash);
    }
    return checkpoints;
  }

  private async walkGlobalLog(checkpoints: Map<number, string>): Promise<void> {
    const { rows } = await this.session.query<{ last: number | null }>(`SELECT max(last_position) AS last FROM ${SCHEMA}.global_log`);
    const end = Number(rows[0]?.last ?? 0);
    const fetch = async (from: number, session: SqlSession): Promise<LoggedAppend[]> => {
      const range = [from, from + this.batchSize];
      const logRows = await session.queryArrays(LOG_SQL, range);
      return groupAppends(logRows, logRows.length > 0 ? await session.queryArrays(LOGGED_EVENTS_SQL, range) : []);
    };
    let ahead: Promise<LoggedAppend[]> | undefined;
    for (let batch = 0, from = 0; from < end; batch++, from += this.batchSize) {
      const reader = this.prefetchSession && batch % 2 === 1 ? this.prefetchSession : this.session;
      const current = ahead ?? fetch(from, reader);
      ahead = undefined;
      if (this.prefetchSession && from + this.batchSize < end) {
        ahead = fetch(from + this.batchSize, reader === this.session ? this.prefetchSession : this.session);
        ahead.catch(() => undefined);
      }
      const appends = await current;
      for (let index = 0; index < appends.length; index++) {
        await this.checkAppend(appends[index]!, appends[index + 1]);
        const checkpoint = checkpoints.get(this.head);
        if (checkpoint !== undefined) {
          if (checkpoint !== this.headHash) this.fail(this.head, 'edited', 'the log hash differs from the checkpoint taken at this position');
          this.boundaries.add(this.head);
        }
        const anchor = this.options.expectHead;
        if (anchor && anchor.position === this.head) {
          if (anchor.hash !== this.headHash) this.fail(this.head, 'edited', 'the log hash differs from the expected head');
          this.boundaries.add(this.head);
        }
      }
      this.options.onProgress?.(this.checked);
    }
    for (const position of checkpoints.keys()) {
      if (position <= this.head && !this.boundaries.has(position)) this.fail(position, 'edited', 'a checkpoint names a position that ends no append');
    }
  }

  /** Checkpoint and anchor positions the walk found at the end of an append. */
  private readonly boundaries = new Set<number>();

  private async checkAppend(logged: LoggedAppend, next: LoggedAppend | undefined): Promise<void> {
    const expected = this.head + 1;
    if (logged.firstPosition > expected) this.fail(expected, 'missing', `the global log jumps from ${this.head} to ${logged.firstPosition}`);
    if (logged.firstPosition < expected) this.fail(logged.firstPosition, 'edited', `the log entry ending at ${logged.lastPosition} overlaps the previous one`);
    const count = logged.lastPosition - logged.firstPosition + 1;
    for (let offset = 0; offset < count; offset++) {
      const position = logged.firstPosition + offset;
      const event = logged.events[offset];
      if (!event || event.streamVersion !== logged.firstVersion + offset) {
        this.fail(position, 'missing', `stream ${logged.streamId} version ${logged.firstVersion + offset} is gone`, logged.streamId);
      }
      if (event.appendId !== logged.appendId) {
        this.fail(position, 'edited', `stream ${event.streamId} version ${event.streamVersion} claims another append`, event.streamId);
      }
      if (event.recordedAt !== logged.events[0]!.recordedAt) {
        this.fail(position, 'edited', `stream ${event.streamId} version ${event.streamVersion} has another recorded time than its append`, event.streamId);
      }
      this.checkStreamLink(event, position);
    }
    const last = logged.events[count - 1]!;
    const recomputed = globalHash(this.headHash, {
      firstPosition: logged.firstPosition,
      lastPosition: logged.lastPosition,
      streamId: logged.streamId,
      firstVersion: logged.firstVersion,
      lastStreamHash: last.streamHash,
      recordedAt: last.recordedAt,
    });
    if (recomputed !== logged.logHash) {
      const swapped = next !== undefined && (await this.wouldFitHere(logged, next));
      this.fail(
        logged.firstPosition,
        swapped ? 'reordered' : 'edited',
        swapped
          ? `stream ${logged.streamId} version ${logged.firstVersion} sits where stream ${next.streamId} version ${next.firstVersion} was sealed`
          : `the global chain breaks at stream ${logged.streamId} version ${logged.firstVersion}; its recorded time or log entry was changed`,
        logged.streamId,
      );
    }
    this.head = logged.lastPosition;
    this.headHash = logged.logHash;
    this.checked += count;
  }

  /** True when the next append's content, placed at this append's positions, yields this hash. */
  private async wouldFitHere(logged: LoggedAppend, next: LoggedAppend): Promise<boolean> {
    const last = next.events[next.events.length - 1];
    if (!last || next.lastPosition - next.firstPosition !== logged.lastPosition - logged.firstPosition) return false;
    return (
      globalHash(this.headHash, {
        firstPosition: logged.firstPosition,
        lastPosition: logged.lastPosition,
        streamId: next.streamId,
        firstVersion: next.firstVersion,
        lastStreamHash: last.streamHash,
        recordedAt: last.recordedAt,
      }) === logged.logHash
    );
  }

  /** Checks the event continues its stream's chain; updates the stream state. */
  private checkStreamLink(event: EventRow, position: number): void {
    const state = this.streams.get(event.streamId) ?? { version: 0, hash: GENESIS_HASH };
    if (event.streamVersion !== state.version + 1) {
      if (event.streamVersion <= state.version) {
        this.fail(position, 'reordered', `stream ${event.streamId} version ${event.streamVersion} comes after version ${state.version}`, event.streamId);
      }
      throw new SkippedVersion(position, event.streamId, state.version + 1);
    }
    const hash = streamHash(state.hash, event.envelope);
    if (hash !== event.streamHash) {
      this.fail(position, 'edited', `stream ${event.streamId} version ${event.streamVersion} does not match its hash`, event.streamId);
    }
    this.streams.set(event.streamId, { version: event.streamVersion, hash });
  }

  /** Committed appends still waiting for the sealer: the newest tails of their streams. */
  private async checkUnsealed(): Promise<void> {
    const rows = await this.session.queryArrays(
      `SELECT ${EVENT_FIELDS}
         FROM ${SCHEMA}.seal_queue q
         JOIN ${SCHEMA}.events e ON e.stream_id = q.stream_id
           AND e.stream_version BETWEEN q.first_version AND q.first_version + q.event_count - 1
         ORDER BY q.append_id, e.stream_version`,
    );
    for (const row of rows) this.checkStreamLink(eventFrom(row, 0), this.head + 1);
    this.unsealed = rows.length;
  }

  private unsealed = 0;

  /** Every stored event is either in the global log or waiting to be sealed. */
  private async checkEventCount(): Promise<void> {
    const { rows } = await this.session.query<{ stored: number }>(`SELECT count(*)::bigint AS stored FROM ${SCHEMA}.events`);
    const stored = Number(rows[0]?.stored ?? 0);
    if (stored === this.checked + this.unsealed) return;
    const lost = await this.session.queryArrays(
      `SELECT e.stream_id, e.stream_version FROM ${SCHEMA}.events e
        WHERE NOT EXISTS (SELECT 1 FROM ${SCHEMA}.global_log g WHERE g.append_id = e.append_id)
          AND NOT EXISTS (SELECT 1 FROM ${SCHEMA}.seal_queue q WHERE q.append_id = e.append_id)
        ORDER BY e.append_id, e.stream_version LIMIT 1`,
    );
    const first = lost[0];
    this.fail(
      this.head + 1,
      'truncated',
      first
        ? `the global log ends at ${this.head} but stream ${first[0]} version ${first[1]} (and maybe more) has no position and is not waiting to be sealed`
        : `${stored} events are stored but the log and the seal queue account for ${this.checked + this.unsealed}`,
      first ? (first[0] as string) : undefined,
    );
  }

  private async checkStreamHeads(): Promise<void> {
    const { rows } = await this.session.query<{ stream_id: string; version: number; head_hash: string }>(
      `SELECT stream_id, version, head_hash FROM ${SCHEMA}.streams`,
    );
    const recorded = new Set<string>();
    for (const row of rows) {
      recorded.add(row.stream_id);
      const state = this.streams.get(row.stream_id) ?? { version: 0, hash: GENESIS_HASH };
      const version = Number(row.version);
      if (version > state.version) {
        this.fail(
          this.head + 1,
          'truncated',
          state.version === 0
            ? `stream ${row.stream_id} records ${version} event(s) but none is left`
            : `stream ${row.stream_id} records version ${version} but its events end at version ${state.version}`,
          row.stream_id,
        );
      }
      if (version < state.version || row.head_hash !== state.hash) {
        this.fail(this.head + 1, 'edited', `the recorded head of stream ${row.stream_id} (version ${version}) does not match its events`, row.stream_id);
      }
    }
    for (const streamId of this.streams.keys()) {
      if (!recorded.has(streamId)) this.fail(this.head + 1, 'edited', `stream ${streamId} has events but no recorded head`, streamId);
    }
  }

  private checkAnchors(checkpoints: Map<number, string>): void {
    const latest = Math.max(0, ...checkpoints.keys());
    if (latest > this.head) this.fail(this.head + 1, 'truncated', `a checkpoint was taken at position ${latest} but the log ends at ${this.head}`);
    const anchor = this.options.expectHead;
    if (anchor && anchor.position > this.head) {
      this.fail(this.head + 1, 'truncated', `the expected head is position ${anchor.position} but the log ends at ${this.head}`);
    }
    if (anchor && anchor.position > 0 && !this.boundaries.has(anchor.position)) this.fail(anchor.position, 'edited', 'the expected head ends no append');
  }
}
