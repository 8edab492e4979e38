import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { canonicalJson, isUuid } from '@tollgate/kernel';
import type { EventRegistry } from '@tollgate/contracts';
import { ImportRefusedError, ImportTargetNotEmptyError } from './errors';
import { canonicalEnvelope, globalHash, streamHash } from './hashing';
import { eventsOfAppend, isoFromPostgres, NEXT_APPENDS, POSITION_OF_EVENT, utcText } from './rows';
import { validateStreamId } from './prepare';
import { transactionOn, type SqlExecutor, type SqlSession } from './sql/executor';
import { GENESIS_HASH, SCHEMA } from './sql/schema';

/**
 * Export / import as JSON Lines, one canonical JSON document per line:
 *   line 1      {"format":"tollgate-event-store","version":1}
 *   then        one event per line in global position order, keys sorted:
 *               {"data":…,"id":…,"logHash":…,"metadata":…,"occurredAt":…,"position":…,
 *                "recordedAt":…,"schemaVersion":…,"streamHash":…,"streamId":…,"streamVersion":…,"type":…}
 *               consecutive lines with the same logHash are one append (see hashing.ts)
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
  /** Global chain hash of the append this event belongs to. */
  logHash: string;
}

export function archiveLine(event: ArchivedEvent): string {
  return (
    `{"data":${event.data},"id":${JSON.stringify(event.id)},"logHash":${JSON.stringify(event.logHash)},` +
    `"metadata":${event.metadata},"occurredAt":${JSON.stringify(event.occurredAt)},"position":${event.position},` +
    `"recordedAt":${JSON.stringify(event.recordedAt)},"schemaVersion":${event.schemaVersion},` +
    `"streamHash":${JSON.stringify(event.streamHash)},"streamId":${JSON.stringify(event.streamId)},` +
    `"streamVersion":${event.streamVersion},"type":${JSON.stringify(event.type)}}`
  );
}

function trailer(events: number, headPosition: number, headHash: string): string {
  return canonicalJson({ end: true, events, headHash, headPosition });
}

const EXPORT_SQL = `SELECT ${POSITION_OF_EVENT}, e.event_id, e.stream_id, e.stream_version, e.event_type, e.schema_version, e.data, e.metadata,
    ${utcText('e.occurred_at')}, ${utcText('e.recorded_at')}, e.stream_hash, g.log_hash
  FROM ${NEXT_APPENDS}
  ${eventsOfAppend('e.*', '$1')}
  ORDER BY g.last_position, e.stream_version
  LIMIT $2`;

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
              occurredAt: isoFromPostgres(row[8] as string, 3),
              recordedAt: isoFromPostgres(row[9] as string, 6),
              streamHash: row[10] as string,
              logHash: row[11] as string,
            };
            chunk += `${archiveLine(event)}\n`;
            after = event.position;
            headHash = event.logHash;
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
  'id',
  'logHash',
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
  if (typeof event.logHash !== 'string' || !HASH.test(event.logHash)) return 'logHash';
  return undefined;
}

interface PendingAppend {
  events: ArchivedEvent[];
  lastLine: number;
}

class Importer {
  private readonly streams = new Map<string, { version: number; hash: string }>();
  private head = 0;
  private headHash = GENESIS_HASH;
  private current: PendingAppend | undefined;
  private ready: ArchivedEvent[][] = [];
  private readyEvents = 0;
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
        this.closeAppend();
        this.checkTrailer(line, lineNumber);
        continue;
      }
      const event = this.checkEvent(line, lineNumber);
      if (this.current && this.current.events[0]!.logHash !== event.logHash) this.closeAppend();
      if (this.current) this.checkSameAppend(this.current, event, lineNumber);
      this.current ??= { events: [], lastLine: lineNumber };
      this.current.events.push(event);
      this.current.lastLine = lineNumber;
      if (this.readyEvents >= this.batchSize) await this.flush();
    }
    if (lineNumber === 0) throw new ImportRefusedError(1, 'the file is empty');
    if (!this.ended) throw new ImportRefusedError(lineNumber + 1, 'the file ends without its trailer line (truncated?)');
    await this.flush();
    await this.writeStreamHeads();
    return { events: this.head, streams: this.streams.size, headPosition: this.head, headHash: this.headHash };
  }

  /** Checks one line on its own and against its stream: form, position, version, stream hash, schema. */
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
        logHash: parsed.logHash as string,
      };
    } catch (error) {
      throw new ImportRefusedError(lineNumber, `not canonical: ${(error as Error).message}`);
    }
    const wrongField = firstMalformedField(event);
    if (wrongField) throw new ImportRefusedError(lineNumber, `field ${wrongField} is malformed`);
    if (archiveLine(event) !== line) throw new ImportRefusedError(lineNumber, 'the line is not in canonical form (edited?)');
    const pendingCount = this.current?.events.length ?? 0;
    const expected = this.head + pendingCount + 1;
    if (event.position !== expected) {
      throw new ImportRefusedError(lineNumber, `position ${event.position} where ${expected} was expected (lines reordered or missing)`);
    }
    const stream = this.streams.get(event.streamId) ?? { version: 0, hash: GENESIS_HASH };
    if (event.streamVersion !== stream.version + 1) {
      throw new ImportRefusedError(
        lineNumber,
        `stream ${event.streamId} version ${event.streamVersion} where ${stream.version + 1} was expected (reordered or missing)`,
      );
    }
    if (streamHash(stream.hash, canonicalEnvelope(event)) !== event.streamHash) {
      throw new ImportRefusedError(lineNumber, 'the event does not match its stream hash (corrupted)');
    }
    try {
      this.registry.validate(event.type, event.schemaVersion, JSON.parse(event.data));
    } catch (error) {
      throw new ImportRefusedError(lineNumber, (error as Error).message);
    }
    this.streams.set(event.streamId, { version: event.streamVersion, hash: event.streamHash });
    return event;
  }

  private checkSameAppend(append: PendingAppend, event: ArchivedEvent, lineNumber: number): void {
    const first = append.events[0]!;
    if (event.streamId !== first.streamId || event.recordedAt !== first.recordedAt) {
      throw new ImportRefusedError(lineNumber, 'the line shares its logHash with the line before but not its stream or recordedAt (corrupted)');
    }
  }

  /** The append is complete: its log hash must continue the global chain. */
  private closeAppend(): void {
    const append = this.current;
    if (!append) return;
    this.current = undefined;
    const first = append.events[0]!;
    const last = append.events[append.events.length - 1]!;
    const recomputed = globalHash(this.headHash, {
      firstPosition: first.position,
      lastPosition: last.position,
      streamId: first.streamId,
      firstVersion: first.streamVersion,
      lastStreamHash: last.streamHash,
      recordedAt: first.recordedAt,
    });
    if (recomputed !== first.logHash) {
      throw new ImportRefusedError(append.lastLine, 'the append ending here does not match its log hash (corrupted or reordered)');
    }
    this.head = last.position;
    this.headHash = first.logHash;
    this.ready.push(append.events);
    this.readyEvents += append.events.length;
  }

  private checkTrailer(line: string, lineNumber: number): void {
    const expected = trailer(this.head, this.head, this.headHash);
    if (line !== expected) {
      throw new ImportRefusedError(lineNumber, `the trailer does not match the events before it (expected ${expected})`);
    }
    this.ended = true;
  }

  private async flush(): Promise<void> {
    if (this.ready.length === 0) return;
    const appends = this.ready;
    this.ready = [];
    this.readyEvents = 0;
    const { rows } = await this.session.query<{ id: string }>(
      `SELECT nextval('${SCHEMA}.append_ids')::text AS id FROM generate_series(1, $1)`,
      [appends.length],
    );
    const events = appends.flatMap((append, index) => append.map((event) => ({ event, appendId: rows[index]!.id })));
    await this.session.query(
      `INSERT INTO ${SCHEMA}.events (stream_id, stream_version, event_id, append_id, event_type, schema_version, data, metadata, occurred_at, recorded_at, stream_hash)
       SELECT * FROM unnest($1::text[], $2::bigint[], $3::uuid[], $4::bigint[], $5::text[], $6::integer[], $7::text[], $8::text[], $9::timestamptz[], $10::timestamptz[], $11::text[])`,
      [
        events.map(({ event }) => event.streamId),
        events.map(({ event }) => event.streamVersion),
        events.map(({ event }) => event.id),
        events.map(({ appendId }) => appendId),
        events.map(({ event }) => event.type),
        events.map(({ event }) => event.schemaVersion),
        events.map(({ event }) => event.data),
        events.map(({ event }) => event.metadata),
        events.map(({ event }) => event.occurredAt),
        events.map(({ event }) => event.recordedAt),
        events.map(({ event }) => event.streamHash),
      ],
    );
    await this.session.query(
      `INSERT INTO ${SCHEMA}.global_log (last_position, first_position, append_id, stream_id, first_version, log_hash)
       SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::bigint[], $6::text[])`,
      [
        appends.map((append) => append[append.length - 1]!.position),
        appends.map((append) => append[0]!.position),
        appends.map((_, index) => rows[index]!.id),
        appends.map((append) => append[0]!.streamId),
        appends.map((append) => append[0]!.streamVersion),
        appends.map((append) => append[0]!.logHash),
      ],
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
