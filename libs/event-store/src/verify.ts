import { canonicalEnvelope, globalHash, streamHash } from './hashing';
import { verifyCheckpointSignature, type CheckpointKeys } from './checkpoints';
import type { SqlExecutor, SqlSession } from './sql/executor';
import { GENESIS_HASH, SCHEMA } from './sql/schema';

/**
 * What `verify` reports:
 * - edited: an event's bytes (or a hash, a stream head, a checkpoint) no longer match its chain;
 * - missing: a position or stream version is absent where the chain says something was;
 * - reordered: events are present but not in the order their chains were built in;
 * - truncated: the log or a stream ends before its recorded head or a checkpoint says it did.
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
  batchSize?: number;
  /** Public keys (PEM) by key id, to check checkpoint signatures. */
  checkpointKeys?: CheckpointKeys;
  /** A head recorded outside the database (e.g. from an earlier `verify`): the log must contain it. */
  expectHead?: { position: number; hash: string };
  onProgress?: (checked: number) => void;
}

interface StreamState {
  version: number;
  hash: string;
}

const WALK_SQL = `SELECT g.position, g.log_hash, e.seq, e.event_id, e.stream_id, e.stream_version, e.event_type,
    e.schema_version, e.data, e.metadata, ${SCHEMA}.utc_millis(e.occurred_at), ${SCHEMA}.utc_micros(e.recorded_at), e.stream_hash
  FROM ${SCHEMA}.global_log g LEFT JOIN ${SCHEMA}.events e ON e.seq = g.seq
  WHERE g.position > $1 ORDER BY g.position LIMIT $2`;

const enum Col {
  Position,
  LogHash,
  Seq,
  EventId,
  StreamId,
  StreamVersion,
  Type,
  SchemaVersion,
  Data,
  Metadata,
  OccurredAt,
  RecordedAt,
  StreamHash,
}

class Failure extends Error {
  constructor(readonly result: VerifyFailure) {
    super(result.detail);
  }
}

/**
 * Recomputes both hash chains over one consistent snapshot and cross-checks the stream heads, the
 * seal queue and the checkpoints. Stops at the first problem, naming its position.
 */
export async function verifyStore(executor: SqlExecutor, options: VerifyOptions = {}): Promise<VerifyResult> {
  return executor.withSession(async (session) => {
    await session.exec('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      return await new Verifier(session, options).run();
    } finally {
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

  constructor(private readonly session: SqlSession, private readonly options: VerifyOptions) {
    this.batchSize = options.batchSize ?? 10_000;
  }

  async run(): Promise<VerifyResult> {
    try {
      return await this.runChecks();
    } catch (error) {
      if (error instanceof PendingLookup) return this.resolveLookup(error);
      throw error;
    }
  }

  private async runChecks(): Promise<VerifyResult> {
    try {
      const checkpoints = await this.loadCheckpoints();
      await this.walkGlobalLog(checkpoints);
      await this.checkUnsealed();
      await this.checkStreamHeads();
      this.checkAnchors(checkpoints);
      return { ok: true, checked: this.checked, headPosition: this.head, headHash: this.headHash, streams: this.streams.size, checkpoints: checkpoints.size };
    } catch (error) {
      if (error instanceof Failure) return error.result;
      throw error;
    }
  }

  /** A stream skipped a version: if that version exists somewhere the order is wrong, else it is gone. */
  private async resolveLookup(lookup: PendingLookup): Promise<VerifyResult> {
    const { rows } = await this.session.query(`SELECT 1 FROM ${SCHEMA}.events WHERE stream_id = $1 AND stream_version = $2`, [
      lookup.streamId,
      lookup.missingVersion,
    ]);
    const problem: IntegrityProblem = rows.length > 0 ? 'reordered' : 'missing';
    const detail =
      problem === 'reordered'
        ? `stream ${lookup.streamId} version ${lookup.missingVersion} is stored but placed after a later version`
        : `stream ${lookup.streamId} version ${lookup.missingVersion} is gone`;
    return { ok: false, checked: this.checked, position: lookup.position, problem, detail: `position ${lookup.position}: ${problem} — ${detail}`, streamId: lookup.streamId };
  }

  private fail(position: number, problem: IntegrityProblem, detail: string, streamId?: string): never {
    throw new Failure({ ok: false, checked: this.checked, position, problem, detail: `position ${position}: ${problem} — ${detail}`, ...(streamId ? { streamId } : {}) });
  }

  private async loadCheckpoints(): Promise<Map<number, { hash: string; keyId: string | null; signature: string | null }>> {
    const { rows } = await this.session.query<{ position: number; log_hash: string; key_id: string | null; signature: string | null }>(
      `SELECT position, log_hash, key_id, signature FROM ${SCHEMA}.checkpoints ORDER BY position`,
    );
    const checkpoints = new Map<number, { hash: string; keyId: string | null; signature: string | null }>();
    for (const row of rows) {
      const position = Number(row.position);
      const checkpoint = { hash: row.log_hash, keyId: row.key_id, signature: row.signature };
      if (checkpoint.signature && !verifyCheckpointSignature(position, checkpoint.hash, checkpoint.keyId, checkpoint.signature, this.options.checkpointKeys)) {
        this.fail(position, 'edited', `the checkpoint signature (key ${checkpoint.keyId ?? '?'}) does not verify`);
      }
      checkpoints.set(position, checkpoint);
    }
    return checkpoints;
  }

  private async walkGlobalLog(checkpoints: Map<number, { hash: string }>): Promise<void> {
    for (;;) {
      const rows = await this.session.queryArrays(WALK_SQL, [this.head, this.batchSize]);
      for (let index = 0; index < rows.length; index++) {
        this.checkSealedRow(rows[index]!, rows[index + 1]);
        const checkpoint = checkpoints.get(this.head);
        if (checkpoint && checkpoint.hash !== this.headHash) {
          this.fail(this.head, 'edited', 'the log hash differs from the checkpoint taken at this position');
        }
        const anchor = this.options.expectHead;
        if (anchor && anchor.position === this.head && anchor.hash !== this.headHash) {
          this.fail(this.head, 'edited', 'the log hash differs from the expected head');
        }
      }
      this.options.onProgress?.(this.checked);
      if (rows.length < this.batchSize) return;
    }
  }

  private checkSealedRow(row: unknown[], next: unknown[] | undefined): void {
    const position = Number(row[Col.Position]);
    const expected = this.head + 1;
    if (position !== expected) this.fail(expected, 'missing', `the global log jumps from ${this.head} to ${position}`);
    if (row[Col.Seq] === null) this.fail(position, 'missing', 'the log entry points at an event that no longer exists');
    const streamId = row[Col.StreamId] as string;
    this.checkStreamLink(row, position);
    const recomputed = globalHash(this.headHash, position, row[Col.StreamHash] as string, row[Col.RecordedAt] as string);
    if (recomputed !== row[Col.LogHash]) {
      const swapped =
        next && next[Col.Seq] !== null && globalHash(this.headHash, position, next[Col.StreamHash] as string, next[Col.RecordedAt] as string) === row[Col.LogHash];
      this.fail(
        position,
        swapped ? 'reordered' : 'edited',
        swapped ? `the event here belongs at position ${position + 1} (stream ${streamId})` : `the global chain breaks at this event (stream ${streamId}); its recorded time or log hash was changed`,
        streamId,
      );
    }
    this.head = position;
    this.headHash = row[Col.LogHash] as string;
    this.checked += 1;
  }

  /** Checks the event continues its stream's chain; updates the stream state. */
  private checkStreamLink(row: unknown[], position: number): void {
    const streamId = row[Col.StreamId] as string;
    const version = Number(row[Col.StreamVersion]);
    const state = this.streams.get(streamId) ?? { version: 0, hash: GENESIS_HASH };
    if (version !== state.version + 1) {
      if (version <= state.version) {
        this.fail(position, 'reordered', `stream ${streamId} version ${version} comes after version ${state.version}`, streamId);
      }
      // A later version arrived first: the expected one is either elsewhere (reordered) or gone.
      throw new PendingLookup(position, streamId, state.version + 1);
    }
    const envelope = canonicalEnvelope({
      id: row[Col.EventId] as string,
      streamId,
      streamVersion: version,
      type: row[Col.Type] as string,
      schemaVersion: Number(row[Col.SchemaVersion]),
      data: row[Col.Data] as string,
      metadata: row[Col.Metadata] as string,
      occurredAt: row[Col.OccurredAt] as string,
    });
    const hash = streamHash(state.hash, envelope);
    if (hash !== row[Col.StreamHash]) {
      this.fail(position, 'edited', `stream ${streamId} version ${version} does not match its hash`, streamId);
    }
    this.streams.set(streamId, { version, hash });
  }

  private async checkUnsealed(): Promise<void> {
    const unsealed = await this.session.queryArrays(
      `SELECT NULL, NULL, e.seq, e.event_id, e.stream_id, e.stream_version, e.event_type, e.schema_version, e.data, e.metadata,
          ${SCHEMA}.utc_millis(e.occurred_at), ${SCHEMA}.utc_micros(e.recorded_at), e.stream_hash,
          EXISTS (SELECT 1 FROM ${SCHEMA}.seal_queue q WHERE e.seq = ANY (q.seqs)) AS queued
        FROM ${SCHEMA}.events e
        WHERE NOT EXISTS (SELECT 1 FROM ${SCHEMA}.global_log g WHERE g.seq = e.seq)
        ORDER BY e.seq`,
    );
    const lost = unsealed.filter((row) => row[13] !== true);
    if (lost.length > 0) {
      const first = lost[0]!;
      this.fail(
        this.head + 1,
        'truncated',
        `the global log ends at ${this.head} but ${lost.length} event(s) have no position and are not waiting to be sealed (first: stream ${first[Col.StreamId]} version ${first[Col.StreamVersion]})`,
        first[Col.StreamId] as string,
      );
    }
    // Committed but not sealed yet: they are the newest tails of their streams; check their links.
    for (const row of unsealed) this.checkStreamLink(row, this.head + 1);
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

  private checkAnchors(checkpoints: Map<number, { hash: string }>): void {
    const latest = Math.max(0, ...checkpoints.keys());
    if (latest > this.head) {
      this.fail(this.head + 1, 'truncated', `a checkpoint was taken at position ${latest} but the log ends at ${this.head}`);
    }
    const anchor = this.options.expectHead;
    if (anchor && anchor.position > this.head) {
      this.fail(this.head + 1, 'truncated', `the expected head is position ${anchor.position} but the log ends at ${this.head}`);
    }
  }
}

/** Raised inside the walk when a stream skips ahead; resolved by a query outside the hot loop. */
class PendingLookup extends Error {
  constructor(readonly position: number, readonly streamId: string, readonly missingVersion: number) {
    super('pending lookup');
  }
}
