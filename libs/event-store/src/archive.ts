import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { canonicalJson, isUuid } from '@tollgate/kernel';
import type { EventRegistry } from '@tollgate/contracts';
import { ImportRefusedError, ImportTargetNotEmptyError } from './errors';
import { canonicalEnvelope, globalHash, streamHash } from './hashing';
import { validateStreamId } from './prepare';
import { transactionOn, type SqlExecutor, type SqlSession } from './sql/executor';
import { GENESIS_HASH, SCHEMA } from './sql/schema';

/**
 * Export / import as JSON Lines, one canonical JSON document per line:
 *   line 1      {"format":"tollgate-event-store","version":1}
 *   then        one event per line in global position order, keys sorted:
 *               {"data":…,"globalHash":…,"id":…,"metadata":…,"occurredAt":…,"position":…,
 *                "recordedAt":…,"schemaVersion":…,"streamHash":…,"streamId":…,"streamVersion":…,"type":…}
 *   last line   {"end":true,"events":N,"headHash":…,"headPosition":N}
 * data and metadata are the stored canonical bytes, so an export re-imported and exported again
 * is byte-identical, and anyone can recompute both chains from the file alone (see hashing.ts).
 */
export const ARCHIVE_FORMAT = 'tollgate-event-store';
export const ARCHIVE_VERSION = 1;
const HEADER = canonicalJson({ format: ARCHIVE_FORMAT, version: ARCHIVE_VERSION });

export interface ArchivedEvent {
  position: number;
  id: string;
  streamId: string;
  streamVersion: number;
  type: string;
  schemaVersion: number;
  /** Canonical JSON text. */
  data: string;
  /** Canonical JSON text. */
  metadata: string;
  occurredAt: string;
  recordedAt: string;
  streamHash: string;
  globalHash: string;
}

export function archiveLine(event: ArchivedEvent): string {
  return (
    `{"data":${event.data},"globalHash":${JSON.stringify(event.globalHash)},"id":${JSON.stringify(event.id)},` +
    `"metadata":${event.metadata},"occurredAt":${JSON.stringify(event.occurredAt)},"position":${event.position},` +
    `"recordedAt":${JSON.stringify(event.recordedAt)},"schemaVersion":${event.schemaVersion},` +
    `"streamHash":${JSON.stringify(event.streamHash)},"streamId":${JSON.stringify(event.streamId)},` +
    `"streamVersion":${event.streamVersion},"type":${JSON.stringify(event.type)}}`
  );
}

function trailer(events: number, headPosition: number, headHash: string): string {
  return canonicalJson({ end: true, events, headHash, headPosition });
}

const EXPORT_SQL = `SELECT g.position, e.event_id, e.stream_id, e.stream_version, e.event_type, e.schema_version, e.data, e.metadata,
    ${SCHEMA}.utc_millis(e.occurred_at), ${SCHEMA}.utc_micros(e.recorded_at), e.stream_hash, g.log_hash
  FROM ${SCHEMA}.global_log g JOIN ${SCHEMA}.events e ON e.seq = g.seq
  WHERE g.position > $1 ORDER BY g.position LIMIT $2`;

export interface ExportSummary {
  events: number;
  headPosition: number;
  headHash: string;
}

/** Writes every sealed event, from one consistent snapshot, to `file`. */
export async function exportArchive(executor: SqlExecutor, file: string, batchSize = 10_000): Promise<ExportSummary> {
  const out = createWriteStream(file, { encoding: 'utf8' });
  const failed = once(out, 'error').then(([error]) => Promise.reject(error as Error));
  failed.catch(() => undefined);
  const write = async (text: string) => {
    if (!out.write(text)) await Promise.race([once(out, 'drain'), failed]);
  };
  try {
    const summary = await executor.withSession(async (session) => {
      await session.exec('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      try {
        await write(`${HEADER}\n`);
        let after = 0;
        let headHash = GENESIS_HASH;
        for (;;) {
          const rows = await session.queryArrays(EXPORT_SQL, [after, batchSize]);
          let chunk = '';
          for (const row of rows) {
            const event: ArchivedEvent = {
              position: Number(row[0]),
              id: row[1] as string,
              streamId: row[2] as string,
              streamVersion: Number(row[3]),
              type: row[4] as string,
              schemaVersion: Number(row[5]),
              data: row[6] as string,
              metadata: row[7] as string,
              occurredAt: row[8] as string,
              recordedAt: row[9] as string,
              streamHash: row[10] as string,
              globalHash: row[11] as string,
            };
            chunk += `${archiveLine(event)}\n`;
            after = event.position;
            headHash = event.globalHash;
          }
          if (chunk) await write(chunk);
          if (rows.length < batchSize) break;
        }
        await write(`${trailer(after, after, headHash)}\n`);
        return { events: after, headPosition: after, headHash };
      } finally {
        await session.exec('COMMIT').catch(() => undefined);
      }
    });
    out.end();
    await Promise.race([once(out, 'finish'), failed]);
    return summary;
  } catch (error) {
    out.destroy();
    throw error;
  }
}

export interface ImportSummary {
  events: number;
  streams: number;
  headPosition: number;
  headHash: string;
}

const EVENT_KEYS = [
  'data',
  'globalHash',
  'id',
  'metadata',
  'occurredAt',
  'position',
  'recordedAt',
  'schemaVersion',
  'streamHash',
  'streamId',
  'streamVersion',
  'type',
].join(',');

/**
 * Restores an export into an empty store, in one transaction. Every line is checked before it is
 * kept: canonical form, contiguous positions, each stream's order, both hash chains, the event's
 * schema, and the trailer. Any failure refuses the whole file, naming the line; nothing is written.
 */
export async function importArchive(
  executor: SqlExecutor,
  registry: EventRegistry,
  file: string,
  batchSize = 2_000,
): Promise<ImportSummary> {
  return executor.withSession((session) =>
    transactionOn(session, async () => {
      const { rows } = await session.query<{ present: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${SCHEMA}.events) AS present`);
      if (rows[0]?.present) throw new ImportTargetNotEmptyError(executor.location);
      return new Importer(session, registry, batchSize).run(file);
    }),
  );
}

const HASH = /^[0-9a-f]{64}$/;
const MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const MICROS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

function firstMalformedField(event: ArchivedEvent): string | undefined {
  const positiveInteger = (value: unknown) => Number.isSafeInteger(value) && (value as number) > 0;
  if (!positiveInteger(event.position)) return 'position';
  if (!isUuid(event.id) || event.id !== event.id.toLowerCase()) return 'id';
  if (typeof event.streamId !== 'string' || validateStreamId(event.streamId).length > 0) return 'streamId';
  if (!positiveInteger(event.streamVersion)) return 'streamVersion';
  if (typeof event.type !== 'string' || event.type.length === 0) return 'type';
  if (!positiveInteger(event.schemaVersion)) return 'schemaVersion';
  if (typeof event.occurredAt !== 'string' || !MILLIS.test(event.occurredAt)) return 'occurredAt';
  if (typeof event.recordedAt !== 'string' || !MICROS.test(event.recordedAt)) return 'recordedAt';
  if (typeof event.streamHash !== 'string' || !HASH.test(event.streamHash)) return 'streamHash';
  if (typeof event.globalHash !== 'string' || !HASH.test(event.globalHash)) return 'globalHash';
  return undefined;
}

class Importer {
  private readonly streams = new Map<string, { version: number; hash: string }>();
  private head = 0;
  private headHash = GENESIS_HASH;
  private pending: ArchivedEvent[] = [];
  private ended = false;

  constructor(
    private readonly session: SqlSession,
    private readonly registry: EventRegistry,
    private readonly batchSize: number,
  ) {}

  async run(file: string): Promise<ImportSummary> {
    const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
    let lineNumber = 0;
    for await (const line of lines) {
      lineNumber += 1;
      if (lineNumber === 1) {
        if (line !== HEADER) throw new ImportRefusedError(1, `not a Tollgate event export (expected the header ${HEADER})`);
        continue;
      }
      if (this.ended) throw new ImportRefusedError(lineNumber, 'text after the trailer line');
      if (line.startsWith('{"end":')) {
        this.checkTrailer(line, lineNumber);
        continue;
      }
      this.pending.push(this.checkEvent(line, lineNumber));
      if (this.pending.length >= this.batchSize) await this.flush();
    }
    if (lineNumber === 0) throw new ImportRefusedError(1, 'the file is empty');
    if (!this.ended) throw new ImportRefusedError(lineNumber + 1, 'the file ends without its trailer line (truncated?)');
    await this.flush();
    await this.writeStreamHeads();
    return { events: this.head, streams: this.streams.size, headPosition: this.head, headHash: this.headHash };
  }

  private checkEvent(line: string, lineNumber: number): ArchivedEvent {
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new ImportRefusedError(lineNumber, 'not valid JSON');
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || Object.keys(parsed).sort().join(',') !== EVENT_KEYS) {
      throw new ImportRefusedError(lineNumber, `an event line must have exactly the keys ${EVENT_KEYS}`);
    }
    let event: ArchivedEvent;
    try {
      event = {
        position: parsed.position as number,
        id: parsed.id as string,
        streamId: parsed.streamId as string,
        streamVersion: parsed.streamVersion as number,
        type: parsed.type as string,
        schemaVersion: parsed.schemaVersion as number,
        data: canonicalJson(parsed.data),
        metadata: canonicalJson(parsed.metadata),
        occurredAt: parsed.occurredAt as string,
        recordedAt: parsed.recordedAt as string,
        streamHash: parsed.streamHash as string,
        globalHash: parsed.globalHash as string,
      };
    } catch (error) {
      throw new ImportRefusedError(lineNumber, `not canonical: ${(error as Error).message}`);
    }
    const wrongField = firstMalformedField(event);
    if (wrongField) throw new ImportRefusedError(lineNumber, `field ${wrongField} is malformed`);
    if (archiveLine(event) !== line) throw new ImportRefusedError(lineNumber, 'the line is not in canonical form (edited?)');
    const expected = this.head + 1;
    if (event.position !== expected) {
      throw new ImportRefusedError(
        lineNumber,
        `position ${event.position} where ${expected} was expected (lines reordered or missing)`,
      );
    }
    const stream = this.streams.get(event.streamId) ?? { version: 0, hash: GENESIS_HASH };
    if (event.streamVersion !== stream.version + 1) {
      throw new ImportRefusedError(
        lineNumber,
        `stream ${event.streamId} version ${event.streamVersion} where ${stream.version + 1} was expected (reordered or missing)`,
      );
    }
    const recomputedStreamHash = streamHash(stream.hash, canonicalEnvelope(event));
    if (recomputedStreamHash !== event.streamHash) {
      throw new ImportRefusedError(lineNumber, `the event does not match its stream hash (corrupted)`);
    }
    if (globalHash(this.headHash, event.position, event.streamHash, event.recordedAt) !== event.globalHash) {
      throw new ImportRefusedError(lineNumber, 'the event does not match its global hash (corrupted)');
    }
    try {
      this.registry.validate(event.type, event.schemaVersion, JSON.parse(event.data));
    } catch (error) {
      throw new ImportRefusedError(lineNumber, (error as Error).message);
    }
    this.streams.set(event.streamId, { version: event.streamVersion, hash: event.streamHash });
    this.head = event.position;
    this.headHash = event.globalHash;
    return event;
  }

  private checkTrailer(line: string, lineNumber: number): void {
    const expected = trailer(this.head, this.head, this.headHash);
    if (line !== expected) {
      throw new ImportRefusedError(lineNumber, `the trailer does not match the events before it (expected ${expected})`);
    }
    this.ended = true;
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    const { rows } = await this.session.query<{ seq: number; event_id: string }>(
      `INSERT INTO ${SCHEMA}.events (event_id, stream_id, stream_version, event_type, schema_version, data, metadata, occurred_at, recorded_at, stream_hash)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::integer[], $6::text[], $7::text[], $8::timestamptz[], $9::timestamptz[], $10::text[])
       RETURNING seq, event_id`,
      [
        batch.map((event) => event.id),
        batch.map((event) => event.streamId),
        batch.map((event) => event.streamVersion),
        batch.map((event) => event.type),
        batch.map((event) => event.schemaVersion),
        batch.map((event) => event.data),
        batch.map((event) => event.metadata),
        batch.map((event) => event.occurredAt),
        batch.map((event) => event.recordedAt),
        batch.map((event) => event.streamHash),
      ],
    );
    const seqById = new Map(rows.map((row) => [row.event_id, Number(row.seq)]));
    await this.session.query(
      `INSERT INTO ${SCHEMA}.global_log (position, seq, log_hash) SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[])`,
      [batch.map((event) => event.position), batch.map((event) => seqById.get(event.id)), batch.map((event) => event.globalHash)],
    );
  }

  private async writeStreamHeads(): Promise<void> {
    const entries = [...this.streams.entries()];
    for (let start = 0; start < entries.length; start += 10_000) {
      const slice = entries.slice(start, start + 10_000);
      await this.session.query(
        `INSERT INTO ${SCHEMA}.streams (stream_id, version, head_hash) SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[])`,
        [slice.map(([id]) => id), slice.map(([, state]) => state.version), slice.map(([, state]) => state.hash)],
      );
    }
  }
}
