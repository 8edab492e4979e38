import { EventEmitter } from 'node:events';
import { DataSource, type DataSourceOptions } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import { PgliteExecutor } from '../sql/pglite-executor';
import { PostgresExecutor } from '../sql/postgres-executor';
import type { SqlEventStore } from '../sql-event-store';

export type ReadModelDataSourceOptions = Omit<
  PostgresConnectionOptions,
  'type' | 'driver' | 'url' | 'host' | 'port' | 'username' | 'password' | 'database' | 'replication'
>;

/**
 * A TypeORM DataSource on the same database as the store, so a projection's read-model writes and
 * its checkpoint commit in one transaction. On PostgreSQL it opens its own pool on the same URL;
 * on PGlite it shares the store's single session (TypeORM's postgres driver over an adapter, the
 * approach of the typeorm-pglite package, but bound to the store's instance and its session lock).
 *
 * On PGlite a TypeORM transaction holds the only session: inside `handle`, use the transaction's
 * manager, never the store or another manager, or the call waits for itself.
 */
export async function createReadModelDataSource(store: SqlEventStore, options: ReadModelDataSourceOptions = {}): Promise<DataSource> {
  const executor = store.executor;
  let connection: DataSourceOptions;
  if (executor instanceof PostgresExecutor) {
    connection = { ...options, type: 'postgres', url: executor.connectionString } as DataSourceOptions;
  } else if (executor instanceof PgliteExecutor) {
    connection = { ...options, type: 'postgres', driver: pgliteDriver(executor) } as DataSourceOptions;
  } else {
    throw new Error(`no TypeORM adapter for the ${executor.backend} backend`);
  }
  const dataSource = new DataSource(connection);
  await dataSource.initialize();
  return dataSource;
}

type ConnectCallback = (error: unknown, client: PgliteClient | null, release: (error?: unknown) => void) => void;
type QueryCallback = (error: unknown, result: PgliteQueryResult | null) => void;

interface PgliteQueryResult {
  rows: unknown[];
  rowCount: number;
  command: string;
}

/** What TypeORM's postgres driver needs from the `pg` module: a Pool class. */
function pgliteDriver(executor: PgliteExecutor): { Pool: new (options?: unknown) => EventEmitter } {
  class PglitePool extends EventEmitter {
    /** TypeORM passes pg's pool options; the store's session is all there is. */
    constructor(_options?: unknown) {
      super();
    }

    connect(callback: ConnectCallback): void {
      executor.leaseSession().then(
        ({ release }) => {
          const client = new PgliteClient(executor);
          let released = false;
          callback(null, client, () => {
            if (released) return;
            released = true;
            client.removeAllListeners();
            release();
          });
        },
        (error: unknown) => callback(error, null, () => undefined),
      );
    }

    query(sql: string, parameters?: unknown[] | QueryCallback, callback?: QueryCallback): Promise<PgliteQueryResult> {
      return executor.withSession(() => runOn(executor, sql, parameters, callback));
    }

    /** The store owns the PGlite instance; the DataSource closing must not close it. */
    end(callback?: (error: unknown) => void): void {
      callback?.(null);
    }
  }
  return { Pool: PglitePool };
}

/** A leased connection: queries run on the session the lease holds. */
class PgliteClient extends EventEmitter {
  constructor(private readonly executor: PgliteExecutor) {
    super();
  }

  query(sql: string, parameters?: unknown[] | QueryCallback, callback?: QueryCallback): Promise<PgliteQueryResult> {
    return runOn(this.executor, sql, parameters, callback);
  }
}

async function runOn(
  executor: PgliteExecutor,
  sql: string,
  parametersOrCallback?: unknown[] | QueryCallback,
  maybeCallback?: QueryCallback,
): Promise<PgliteQueryResult> {
  const callback = typeof parametersOrCallback === 'function' ? parametersOrCallback : maybeCallback;
  const parameters = Array.isArray(parametersOrCallback) ? parametersOrCallback : undefined;
  try {
    const db = executor.database;
    // With parameters: one statement (extended protocol). Without: possibly several statements
    // (TypeORM's schema sync), where TypeORM expects the last statement's result.
    const results = parameters && parameters.length > 0 ? [await db.query(sql, parameters)] : await db.exec(sql);
    const last = results[results.length - 1];
    const rows = (last?.rows ?? []) as unknown[];
    const result: PgliteQueryResult = {
      rows,
      rowCount: Math.max(last?.affectedRows ?? 0, rows.length),
      command: /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? '',
    };
    callback?.(null, result);
    return result;
  } catch (error) {
    callback?.(error, null);
    throw error;
  }
}
