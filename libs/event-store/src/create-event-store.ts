import { join } from 'node:path';
import { createEventRegistry, type EventRegistry } from '@tollgate/contracts';
import type { SqlExecutor } from './sql/executor';
import { isMemory, PgliteExecutor } from './sql/pglite-executor';
import { PostgresExecutor } from './sql/postgres-executor';
import { migrate } from './sql/schema';
import { SqlEventStore, type SqlEventStoreOptions } from './sql-event-store';

export interface CreateEventStoreOptions extends Partial<Omit<SqlEventStoreOptions, 'registry'>> {
  /** PostgreSQL connection string. Default: DATABASE_URL. When neither is set, PGlite is used. */
  databaseUrl?: string;
  /**
   * Tollgate's data directory for the embedded PGlite (the database lives in `<dataDir>/pgdata`).
   * Default: TOLLGATE_DATA_DIR, else ./.tollgate. `memory://` gives a throw-away in-memory store;
   * `memory://<name>` an in-memory database shared by name within the process.
   */
  dataDir?: string;
  /** Default: every event Tollgate defines (createEventRegistry()). */
  registry?: EventRegistry;
  /** PostgreSQL pool size. */
  poolSize?: number;
}

/** Where a process's data lives, by the workspace rule: DATABASE_URL → PostgreSQL, else PGlite. */
export function resolveBackend(options: Pick<CreateEventStoreOptions, 'databaseUrl' | 'dataDir'> = {}):
  | { backend: 'postgres'; databaseUrl: string }
  | { backend: 'pglite'; directory: string } {
  const databaseUrl = options.databaseUrl ?? (options.dataDir === undefined ? process.env.DATABASE_URL : undefined);
  if (databaseUrl) return { backend: 'postgres', databaseUrl };
  const dataDir = options.dataDir ?? process.env.TOLLGATE_DATA_DIR ?? './.tollgate';
  return { backend: 'pglite', directory: isMemory(dataDir) ? dataDir : join(dataDir, 'pgdata') };
}

export async function openExecutor(options: Pick<CreateEventStoreOptions, 'databaseUrl' | 'dataDir' | 'poolSize'> = {}): Promise<SqlExecutor> {
  const target = resolveBackend(options);
  return target.backend === 'postgres'
    ? new PostgresExecutor({ connectionString: target.databaseUrl, poolSize: options.poolSize })
    : PgliteExecutor.open(target.directory);
}

/**
 * Opens the event store: connects, runs the migrations, seals anything a previous process left
 * unsealed, and returns the store. Close it with `store.close()`.
 */
export async function createEventStore(options: CreateEventStoreOptions = {}): Promise<SqlEventStore> {
  const executor = await openExecutor(options);
  try {
    await migrate(executor);
  } catch (error) {
    await executor.close().catch(() => undefined);
    throw error;
  }
  const store = new SqlEventStore(executor, { ...options, registry: options.registry ?? createEventRegistry() });
  try {
    await store.start();
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
  return store;
}
