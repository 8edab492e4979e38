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
    name: 'events, streams, seal queue, global log, append and seal functions, append-only triggers',
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

-- One number per append, drawn inside the append statement. Never shown to readers: it is
-- insertion order, not commit order.
CREATE SEQUENCE ${SCHEMA}.append_ids;

-- The facts. All events of one append share its append_id and recorded_at.
CREATE TABLE ${SCHEMA}.events (
  stream_id text NOT NULL,
  stream_version bigint NOT NULL CHECK (stream_version > 0),
  event_id uuid NOT NULL,
  append_id bigint NOT NULL,
  event_type text NOT NULL,
  schema_version integer NOT NULL,
  data text NOT NULL,
  metadata text NOT NULL,
  occurred_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  stream_hash text NOT NULL,
  CONSTRAINT events_pkey PRIMARY KEY (stream_id, stream_version),
  CONSTRAINT events_event_id_unique UNIQUE (event_id)
);

-- Committed appends not yet given global positions. Writers add, the sealer takes.
CREATE TABLE ${SCHEMA}.seal_queue (
  append_id bigint NOT NULL,
  stream_id text NOT NULL,
  first_version bigint NOT NULL,
  event_count integer NOT NULL,
  last_hash text NOT NULL,
  recorded_at timestamptz NOT NULL
);

-- The dense global order, one row per append: its events hold positions
-- first_position .. last_position, in stream-version order.
CREATE TABLE ${SCHEMA}.global_log (
  last_position bigint PRIMARY KEY,
  first_position bigint NOT NULL,
  append_id bigint NOT NULL,
  stream_id text NOT NULL,
  first_version bigint NOT NULL,
  log_hash text NOT NULL,
  CONSTRAINT global_log_append_unique UNIQUE (append_id),
  CHECK (last_position >= first_position)
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

-- Sealing gives committed appends the next dense positions and extends the global hash chain
--   g = sha256(g_prev ":" first ":" last ":" first_version ":" last_stream_hash ":" recorded_at ":" stream_id)
-- Only the holder of the seal lock (a transaction advisory lock, held through its commit) seals, so
-- positions become visible in the order they were given: a reader of "position > n" never skips.
-- seal_locked(): the caller holds the lock. It takes every queued append committed and visible now
-- (in append_id order, which for one stream is commit order), then the caller's own append if given.
CREATE FUNCTION ${SCHEMA}.seal_locked(own_append bigint, own_stream text, own_first_version bigint, own_count integer,
    own_last_hash text, own_recorded timestamptz) RETURNS bigint
  -- No SET clause: only append() and seal() call it, and they fix search_path already.
  LANGUAGE plpgsql AS $$
DECLARE
  v_head bigint;
  v_hash text;
  v_start bigint;
  v_item record;
BEGIN
  SELECT g.last_position, g.log_hash INTO v_head, v_hash FROM ${SCHEMA}.global_log g ORDER BY g.last_position DESC LIMIT 1;
  IF v_head IS NULL THEN
    v_head := 0;
    v_hash := '${GENESIS_HASH}';
  END IF;
  v_start := v_head;
  FOR v_item IN
    WITH removed AS (DELETE FROM ${SCHEMA}.seal_queue RETURNING *)
    SELECT * FROM removed ORDER BY append_id
  LOOP
    v_hash := encode(sha256(convert_to(concat_ws(':', v_hash, v_head + 1, v_head + v_item.event_count, v_item.first_version,
      v_item.last_hash, ${SCHEMA}.utc_micros(v_item.recorded_at), v_item.stream_id), 'UTF8')), 'hex');
    INSERT INTO ${SCHEMA}.global_log (last_position, first_position, append_id, stream_id, first_version, log_hash)
      VALUES (v_head + v_item.event_count, v_head + 1, v_item.append_id, v_item.stream_id, v_item.first_version, v_hash);
    v_head := v_head + v_item.event_count;
  END LOOP;
  IF own_append IS NOT NULL THEN
    v_hash := encode(sha256(convert_to(concat_ws(':', v_hash, v_head + 1, v_head + own_count, own_first_version,
      own_last_hash, ${SCHEMA}.utc_micros(own_recorded), own_stream), 'UTF8')), 'hex');
    INSERT INTO ${SCHEMA}.global_log (last_position, first_position, append_id, stream_id, first_version, log_hash)
      VALUES (v_head + own_count, v_head + 1, own_append, own_stream, own_first_version, v_hash);
    v_head := v_head + own_count;
  END IF;
  IF v_head > v_start THEN
    PERFORM pg_notify('${SEALED_CHANNEL}', v_head::text);
  END IF;
  RETURN v_head;
END $$;

-- Only seal() and append(), which take the lock first, may call it.
REVOKE ALL ON FUNCTION ${SCHEMA}.seal_locked(bigint, text, bigint, integer, text, timestamptz) FROM PUBLIC;

-- Seals whatever is queued. With p_wait it waits for the lock; without, it returns NULL when
-- another transaction holds it (that one may be sealing already). Each statement of a VOLATILE
-- function takes a fresh snapshot, so the queue is read after the lock is held.
CREATE FUNCTION ${SCHEMA}.seal(p_wait boolean DEFAULT true) RETURNS bigint
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = ${SCHEMA}, pg_temp AS $$
BEGIN
  IF p_wait THEN
    PERFORM pg_advisory_xact_lock(${SEAL_LOCK_KEY});
  ELSIF NOT pg_try_advisory_xact_lock(${SEAL_LOCK_KEY}) THEN
    RETURN NULL;
  END IF;
  RETURN ${SCHEMA}.seal_locked(NULL, NULL, NULL, NULL, NULL, NULL);
END $$;

-- One append, one round trip: move the stream head if it is still at p_previous_version
-- (optimistic concurrency), insert the events, then seal if the seal lock is free (it seals in
-- this same commit) or queue the append for the next sealer. Returns NULL when the head moved
-- (nothing written), -1 when written and queued, else the sealed head position.
CREATE FUNCTION ${SCHEMA}.append(p_stream text, p_previous_version bigint, p_last_hash text, p_ids uuid[], p_types text[],
    p_schema_versions integer[], p_data text[], p_metadata text[], p_occurred timestamptz[], p_hashes text[], p_may_seal boolean) RETURNS bigint
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = ${SCHEMA}, pg_temp AS $$
DECLARE
  v_count integer := cardinality(p_ids);
  v_append bigint;
  v_recorded timestamptz;
BEGIN
  INSERT INTO ${SCHEMA}.streams AS s (stream_id, version, head_hash) VALUES (p_stream, p_previous_version + v_count, p_last_hash)
    ON CONFLICT (stream_id) DO UPDATE SET version = EXCLUDED.version, head_hash = EXCLUDED.head_hash
    WHERE s.version = p_previous_version;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  v_append := nextval('${SCHEMA}.append_ids');
  v_recorded := clock_timestamp();
  INSERT INTO ${SCHEMA}.events (stream_id, stream_version, event_id, append_id, event_type, schema_version, data, metadata, occurred_at, recorded_at, stream_hash)
    SELECT p_stream, p_previous_version + n.ordinal, n.event_id, v_append, n.event_type, n.schema_version, n.data, n.metadata, n.occurred_at, v_recorded, n.stream_hash
    FROM unnest(p_ids, p_types, p_schema_versions, p_data, p_metadata, p_occurred, p_hashes)
      WITH ORDINALITY AS n(event_id, event_type, schema_version, data, metadata, occurred_at, stream_hash, ordinal);
  IF p_may_seal AND pg_try_advisory_xact_lock(${SEAL_LOCK_KEY}) THEN
    RETURN ${SCHEMA}.seal_locked(v_append, p_stream, p_previous_version + 1, v_count, p_last_hash, v_recorded);
  END IF;
  INSERT INTO ${SCHEMA}.seal_queue (append_id, stream_id, first_version, event_count, last_hash, recorded_at)
    VALUES (v_append, p_stream, p_previous_version + 1, v_count, p_last_hash, v_recorded);
  RETURN -1;
END $$;

-- append() for the commonest case, one event, with scalar parameters: parsing seven one-element
-- array literals and unnesting them costs more than the insert itself.
CREATE FUNCTION ${SCHEMA}.append_one(p_stream text, p_previous_version bigint, p_hash text, p_id uuid, p_type text,
    p_schema_version integer, p_data text, p_metadata text, p_occurred timestamptz, p_may_seal boolean) RETURNS bigint
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = ${SCHEMA}, pg_temp AS $$
DECLARE
  v_append bigint;
  v_recorded timestamptz;
BEGIN
  INSERT INTO ${SCHEMA}.streams AS s (stream_id, version, head_hash) VALUES (p_stream, p_previous_version + 1, p_hash)
    ON CONFLICT (stream_id) DO UPDATE SET version = EXCLUDED.version, head_hash = EXCLUDED.head_hash
    WHERE s.version = p_previous_version;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  v_append := nextval('${SCHEMA}.append_ids');
  v_recorded := clock_timestamp();
  INSERT INTO ${SCHEMA}.events (stream_id, stream_version, event_id, append_id, event_type, schema_version, data, metadata, occurred_at, recorded_at, stream_hash)
    VALUES (p_stream, p_previous_version + 1, p_id, v_append, p_type, p_schema_version, p_data, p_metadata, p_occurred, v_recorded, p_hash);
  IF p_may_seal AND pg_try_advisory_xact_lock(${SEAL_LOCK_KEY}) THEN
    RETURN ${SCHEMA}.seal_locked(v_append, p_stream, p_previous_version + 1, 1, p_hash, v_recorded);
  END IF;
  INSERT INTO ${SCHEMA}.seal_queue (append_id, stream_id, first_version, event_count, last_hash, recorded_at)
    VALUES (v_append, p_stream, p_previous_version + 1, 1, p_hash, v_recorded);
  RETURN -1;
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

/**
 * Applies the missing migrations; a second run (or a concurrent one) changes nothing. When the
 * schema is already current it only reads, so services can run as a role that may not create
 * objects (see docs/event-store.md, grants).
 */
export async function migrate(executor: SqlExecutor): Promise<{ applied: number[]; version: number }> {
  const current = await appliedVersions(executor).catch(() => undefined);
  if (current && Math.max(0, ...current) > LATEST_SCHEMA_VERSION) throw new SchemaTooNewError(Math.max(...current), LATEST_SCHEMA_VERSION);
  if (current && migrations.every((migration) => current.has(migration.version))) {
    await assertReleasedSchema(executor);
    return { applied: [], version: LATEST_SCHEMA_VERSION };
  }
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

async function appliedVersions(executor: SqlExecutor): Promise<Set<number> | undefined> {
  const { rows } = await executor.query<{ present: boolean }>(`SELECT to_regclass('${SCHEMA}.migrations') IS NOT NULL AS present`);
  if (!rows[0]?.present) return undefined;
  const applied = await executor.query<{ version: number }>(`SELECT version FROM ${SCHEMA}.migrations`);
  return new Set(applied.rows.map((row) => Number(row.version)));
}

/**
 * A database migrated by a pre-release build records version 1 but has other tables or functions;
 * say so plainly instead of failing later on a missing column.
 */
async function assertReleasedSchema(executor: SqlExecutor): Promise<void> {
  const { rows } = await executor.query<{ present: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = '${SCHEMA}' AND table_name = 'events' AND column_name = 'append_id')
        AND to_regprocedure('${SCHEMA}.append_one(text, bigint, text, uuid, text, integer, text, text, timestamptz, boolean)') IS NOT NULL
        AND to_regprocedure('${SCHEMA}.seal(boolean)') IS NOT NULL AS present`,
  );
  if (!rows[0]?.present) {
    throw new Error(
      `the event store at ${executor.location} was created by a pre-release build with an incompatible schema; move it away (e.g. the ./.tollgate directory) and start again`,
    );
  }
}
