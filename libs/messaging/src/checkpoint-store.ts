/**
 * Where the relay remembers the last store position it has published. Kept in the store's own database
 * (PostgreSQL or the embedded PGlite) so it lives and is backed up with the events it points into.
 */
export interface CheckpointStore {
  /** The saved position for `name`, 0 when none was saved. */
  load(name: string): Promise<number>;
  /** Saves `position`; never moves a checkpoint backwards (a stale relay cannot undo a newer one's progress). */
  save(name: string, position: number): Promise<void>;
  /** Sets the checkpoint to exactly `position`, also backwards (an operator re-publishing history). */
  reset(name: string, position: number): Promise<void>;
}

/** The one method needed from `pg`'s Pool/Client, PGlite, or the event store's SQL executor. */
export interface SqlClient {
  query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
}

const TABLE = 'messaging.relay_checkpoints';

/** A CheckpointStore in a table `messaging.relay_checkpoints`, created on first use. */
export class SqlCheckpointStore implements CheckpointStore {
  private ready: Promise<void> | undefined;

  constructor(private readonly sql: SqlClient) {}

  async load(name: string): Promise<number> {
    await this.ensureTable();
    const { rows } = await this.sql.query(`SELECT position FROM ${TABLE} WHERE name = $1`, [name]);
    const row = rows[0] as { position: string | number } | undefined;
    return row ? Number(row.position) : 0;
  }

  async save(name: string, position: number): Promise<void> {
    assertPosition(position);
    await this.ensureTable();
    await this.sql.query(
      `INSERT INTO ${TABLE} (name, position) VALUES ($1, $2)
       ON CONFLICT (name) DO UPDATE SET position = GREATEST(${TABLE}.position, EXCLUDED.position), updated_at = clock_timestamp()`,
      [name, position],
    );
  }

  async reset(name: string, position: number): Promise<void> {
    assertPosition(position);
    await this.ensureTable();
    await this.sql.query(
      `INSERT INTO ${TABLE} (name, position) VALUES ($1, $2)
       ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = clock_timestamp()`,
      [name, position],
    );
  }

  private ensureTable(): Promise<void> {
    this.ready ??= (async () => {
      const statements = [
        'CREATE SCHEMA IF NOT EXISTS messaging',
        `CREATE TABLE IF NOT EXISTS ${TABLE} (
           name text PRIMARY KEY,
           position bigint NOT NULL CHECK (position >= 0),
           updated_at timestamptz NOT NULL DEFAULT clock_timestamp())`,
      ];
      for (const statement of statements) {
        try {
          await this.sql.query(statement);
        } catch (error) {
          // Two processes creating it at once: one wins, the other sees a duplicate in the catalog.
          if ((error as { code?: string }).code !== '23505' && (error as { code?: string }).code !== '42P06' && (error as { code?: string }).code !== '42P07') throw error;
        }
      }
    })().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }
}

/** In memory, for tests and throw-away runs. */
export class MemoryCheckpointStore implements CheckpointStore {
  private readonly positions = new Map<string, number>();

  async load(name: string): Promise<number> {
    return this.positions.get(name) ?? 0;
  }

  async save(name: string, position: number): Promise<void> {
    assertPosition(position);
    this.positions.set(name, Math.max(this.positions.get(name) ?? 0, position));
  }

  async reset(name: string, position: number): Promise<void> {
    assertPosition(position);
    this.positions.set(name, position);
  }
}

/**
 * The checkpoint store that lives beside `store`'s events: the SQL store exposes its executor (PostgreSQL
 * pool or the process's one PGlite session), which is the only safe way to reach an embedded PGlite.
 */
export function checkpointStoreBeside(store: object): CheckpointStore {
  const executor = (store as { executor?: unknown }).executor;
  if (executor && typeof (executor as SqlClient).query === 'function') return new SqlCheckpointStore(executor as SqlClient);
  throw new Error('this event store exposes no SQL executor; pass a CheckpointStore for the relay explicitly');
}

function assertPosition(position: number): void {
  if (!Number.isSafeInteger(position) || position < 0) throw new Error(`checkpoint position must be an integer ≥ 0, got ${position}`);
}
