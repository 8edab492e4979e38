import type { EventMetadata, RecordedEvent } from '@tollgate/contracts';
import { SCHEMA } from './sql/schema';

/**
 * The column list every event read uses (position first), and its decoder. Rows come back as
 * arrays; data and metadata are canonical JSON text, parsed once here (decimals are strings in
 * that text, so nothing passes through a float).
 */
export const EVENT_COLUMNS = `e.event_id, e.stream_id, e.stream_version, e.event_type, e.schema_version, e.data, e.metadata,
  ${utcText('e.occurred_at')} AS occurred_at, ${utcText('e.recorded_at')} AS recorded_at`;

/**
 * A timestamptz as UTC text, the cheap way: PostgreSQL's own timestamp output (DateStyle ISO),
 * several times cheaper than to_char, normalised by `isoFromPostgres` in the client.
 */
export function utcText(column: string): string {
  return `(${column} AT TIME ZONE 'UTC')::text`;
}

/**
 * `2026-01-02 14:30:00.12` (PostgreSQL, trailing zeros dropped) → `2026-01-02T14:30:00.120Z` with
 * exactly `fractionDigits` digits: the form event_store.utc_millis / utc_micros write, and hashes use.
 */
export function isoFromPostgres(text: string, fractionDigits: 3 | 6): string {
  if (text.length < 19 || text.charCodeAt(10) !== 32 || text.charCodeAt(4) !== 45) {
    throw new Error(`unexpected timestamp text ${JSON.stringify(text)}: the session must use DateStyle ISO`);
  }
  const fraction = text.length > 20 ? text.slice(20) : '';
  if (fraction.length > fractionDigits) throw new Error(`timestamp ${text} has more than ${fractionDigits} fractional digits`);
  return `${text.slice(0, 10)}T${text.slice(11, 19)}.${fraction}${'000000'.slice(0, fractionDigits - fraction.length)}Z`;
}

/** An event's global position, from the append it belongs to (a global_log row `g`). */
export const POSITION_OF_EVENT = 'g.first_position + (e.stream_version - g.first_version)';

/**
 * The events of each global-log row `g`, in version order, skipping those at or before position
 * `afterParam`. LATERAL with its own ORDER BY/LIMIT keeps the plan a walk of the global log with an
 * index range scan per append, whatever the statistics say (a hash join over all events would
 * read the whole table for every batch).
 */
export function eventsOfAppend(columns: string, afterParam = '0'): string {
  return `CROSS JOIN LATERAL (
    SELECT ${columns} FROM ${SCHEMA}.events e
    WHERE e.stream_id = g.stream_id
      AND e.stream_version >= g.first_version + GREATEST(0, ${afterParam} - g.first_position + 1)
      AND e.stream_version <= g.first_version + (g.last_position - g.first_position)
    ORDER BY e.stream_version
    LIMIT g.last_position - g.first_position + 1
  ) e`;
}

const LATERAL_EVENT_COLUMNS = `e.stream_version, e.event_id, e.stream_id, e.event_type, e.schema_version, e.data, e.metadata, e.occurred_at, e.recorded_at`;

/**
 * The global-log rows that can hold the $2 events after position $1 (each append has at least
 * one), read in order through the primary key, so the LIMIT above them stops the walk early
 * instead of sorting the whole tail of the log (PGlite keeps no statistics to know better).
 */
export const NEXT_APPENDS = `(SELECT * FROM ${SCHEMA}.global_log WHERE last_position > $1 ORDER BY last_position LIMIT $2) g`;

/** Sealed events after position $1, at most $2, in position order. */
export const READ_ALL_SQL = `SELECT ${POSITION_OF_EVENT} AS position, ${EVENT_COLUMNS}
  FROM ${NEXT_APPENDS}
  ${eventsOfAppend(LATERAL_EVENT_COLUMNS, '$1')}
  ORDER BY g.last_position, e.stream_version
  LIMIT $2`;

export function decodeEventRow(row: readonly unknown[]): RecordedEvent {
  return {
    position: Number(row[0]),
    id: row[1] as string,
    streamId: row[2] as string,
    streamVersion: Number(row[3]),
    type: row[4] as string,
    schemaVersion: Number(row[5]),
    data: JSON.parse(row[6] as string) as unknown,
    metadata: JSON.parse(row[7] as string) as EventMetadata,
    occurredAt: isoFromPostgres(row[8] as string, 3),
    recordedAt: isoFromPostgres(row[9] as string, 6),
  };
}

/** Object rows (TypeORM's `manager.query`) in the same column order as `READ_ALL_SQL`. */
export function decodeEventObject(row: Record<string, unknown>): RecordedEvent {
  return decodeEventRow(Object.values(row));
}
