import type { SqlExecutor } from './executor';

/**
 * The event store's schema, one SQL for PostgreSQL and PGlite, as numbered migrations. They run at
 * start-up inside one transaction under an advisory lock, so concurrent starters apply each once.
 * A migration is never edited after release: add the next number instead.
 */
export const SCHEMA = 'event_store';

/** Advisory lock keys (bigint): one for migrations, one that makes sealing single-writer. */
export const MIGRATION_LOCK_KEY = 7_416_220_001;
export const SEAL_LOCK_KEY = 7_416_220_002;

export const SEALED_CHANNEL = 'event_store_sealed';

/** The hash every chain starts from. */
export const GENESIS_HASH = '0'.repeat(64);

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'events, streams, global log, sealer, append-only triggers',
    sql: `
CREATE SCHEMA IF NOT EXISTS ${SCHEMA};

-- Timestamps travel as text in one exact form, so hashes and exports are reproducible.
CREATE FUNCTION ${SCHEMA}.utc_micros(ts timestamptz) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') $$;
CREATE FUNCTION ${SCHEMA}.utc_millis(ts timestamptz) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$;

-- Head of each stream: the optimistic-concurrency row (version) and the stream chain's tip.
CREATE TABLE ${SCHEMA}.streams (
  stream_id text PRIMARY KEY,
  version bigint NOT NULL CHECK (version > 0),
  head_hash text NOT NULL
);

-- The facts. seq is insertion order, NOT commit order: it is never shown to readers.
CREATE TABLE ${SCHEMA}.events (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id uuid NOT NULL,
  stream_id text NOT NULL,
  stream_version bigint NOT NULL CHECK (stream_version > 0),
  event_type text NOT NULL,
  schema_version integer NOT NULL,
  data text NOT NULL,
  metadata text NOT NULL,
  occurred_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  stream_hash text NOT NULL,
  CONSTRAINT events_event_id_unique UNIQUE (event_id),
  CONSTRAINT events_stream_version_unique UNIQUE (stream_id, stream_version)
);

-- Committed appends not yet given global positions (one row per append: its events' seqs).
-- Writers add, the sealer takes.
CREATE TABLE ${SCHEMA}.seal_queue (seqs bigint[] NOT NULL);

-- The dense global order: position n is the n-th event the sealer saw committed.
CREATE TABLE ${SCHEMA}.global_log (
  position bigint PRIMARY KEY,
  seq bigint NOT NULL,
  log_hash text NOT NULL,
  CONSTRAINT global_log_seq_unique UNIQUE (seq)
);

CREATE TABLE ${SCHEMA}.projection_checkpoints (
  name text PRIMARY KEY,
  position bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE FUNCTION ${SCHEMA}.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '%.% is append-only: % refused', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege', HINT = 'events are facts; append a correcting event instead';
END $$;

CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON ${SCHEMA}.events
  FOR EACH STATEMENT EXECUTE FUNCTION ${SCHEMA}.refuse_change();
CREATE TRIGGER global_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON ${SCHEMA}.global_log
  FOR EACH STATEMENT EXECUTE FUNCTION ${SCHEMA}.refuse_change();

-- The sealer. One caller at a time (transaction advisory lock); it takes every queued event
-- that is committed and visible now, in insertion order, gives each the next dense position and
-- extends the global hash chain. Each statement of a VOLATILE function takes a fresh snapshot,
-- so the queue is read after the lock is held: nothing committed before that is left behind.
CREATE FUNCTION ${SCHEMA}.seal() RETURNS bigint
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = ${SCHEMA}, pg_temp AS $$
DECLARE
  head bigint;
  head_hash text;
  taken bigint[];
  sealed_positions bigint[] := '{}';
  sealed_seqs bigint[] := '{}';
  sealed_hashes text[] := '{}';
  item record;
BEGIN
  PERFORM pg_advisory_xact_lock(${SEAL_LOCK_KEY});
  WITH removed AS (DELETE FROM ${SCHEMA}.seal_queue RETURNING seqs)
    SELECT array_agg(q.seq ORDER BY q.seq) INTO taken FROM removed, unnest(removed.seqs) AS q(seq);
  SELECT g.position, g.log_hash INTO head, head_hash FROM ${SCHEMA}.global_log g ORDER BY g.position DESC LIMIT 1;
  IF head IS NULL THEN
    head := 0;
    head_hash := '${GENESIS_HASH}';
  END IF;
  IF taken IS NULL THEN
    RETURN head;
  END IF;
  FOR item IN
    SELECT e.seq, e.stream_hash, ${SCHEMA}.utc_micros(e.recorded_at) AS recorded
    FROM unnest(taken) WITH ORDINALITY AS q(seq, ord)
    JOIN ${SCHEMA}.events e ON e.seq = q.seq
    ORDER BY q.ord
  LOOP
    head := head + 1;
    head_hash := encode(sha256(convert_to(head_hash || ':' || head::text || ':' || item.stream_hash || ':' || item.recorded, 'UTF8')), 'hex');
    sealed_positions := sealed_positions || head;
    sealed_seqs := sealed_seqs || item.seq;
    sealed_hashes := sealed_hashes || head_hash;
  END LOOP;
  INSERT INTO ${SCHEMA}.global_log (position, seq, log_hash) SELECT * FROM unnest(sealed_positions, sealed_seqs, sealed_hashes);
  PERFORM pg_notify('${SEALED_CHANNEL}', head::text);
  RETURN head;
END $$;
`,
  },
  {
    version: 2,
    name: 'checkpoints of the global chain head, optionally signed',
    sql: `
CREATE TABLE ${SCHEMA}.checkpoints (
  position bigint PRIMARY KEY,
  log_hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  key_id text,
  signature text
);
CREATE TRIGGER checkpoints_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON ${SCHEMA}.checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION ${SCHEMA}.refuse_change();
`,
  },
];

export const LATEST_SCHEMA_VERSION = Math.max(...migrations.map((migration) => migration.version));

export class SchemaTooNewError extends Error {
  override name = 'SchemaTooNewError';
  constructor(readonly databaseVersion: number, readonly codeVersion: number) {
    super(`the event store schema is at version ${databaseVersion}, newer than this build knows (${codeVersion}); upgrade Tollgate`);
  }
}

/** Applies the missing migrations; a second run (or a concurrent one) changes nothing. */
export async function migrate(executor: SqlExecutor): Promise<{ applied: number[]; version: number }> {
  return executor.transaction(async (session) => {
    await session.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
    await session.exec(`
      CREATE SCHEMA IF NOT EXISTS ${SCHEMA};
      CREATE TABLE IF NOT EXISTS ${SCHEMA}.migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT clock_timestamp()
      );`);
    const { rows } = await session.query<{ version: number }>(`SELECT version FROM ${SCHEMA}.migrations`);
    const done = new Set(rows.map((row) => Number(row.version)));
    const newest = Math.max(0, ...done);
    if (newest > LATEST_SCHEMA_VERSION) throw new SchemaTooNewError(newest, LATEST_SCHEMA_VERSION);
    const applied: number[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      await session.exec(migration.sql);
      await session.query(`INSERT INTO ${SCHEMA}.migrations (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
      applied.push(migration.version);
    }
    return { applied, version: LATEST_SCHEMA_VERSION };
  });
}
