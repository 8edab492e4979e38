/**
 * One small SQL surface over the two backends, so the store has one SQL:
 * PostgreSQL through `pg` (a pool, plus a dedicated LISTEN connection) and PGlite in-process
 * (one session, shared by everything in the process and serialised by a mutex).
 */
export type Backend = 'postgres' | 'pglite';

export interface SqlResult<Row> {
  rows: Row[];
  /** Rows inserted, updated or deleted (or returned, for a SELECT). */
  rowCount: number;
}

export interface SqlQueryable {
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<SqlResult<Row>>;
  /** Rows as positional arrays: cheaper to build than objects on the hot read paths. */
  queryArrays(sql: string, params?: readonly unknown[]): Promise<unknown[][]>;
  /** Several statements, no parameters (simple query protocol). */
  exec(sql: string): Promise<void>;
}

/** One connection held exclusively for a unit of work (a transaction, a TypeORM query runner). */
export type SqlSession = SqlQueryable;

export interface SqlExecutor extends SqlQueryable {
  readonly backend: Backend;
  /** Where the data lives, without credentials, for messages and `store` output. */
  readonly location: string;
  /** Runs work on one connection that nobody else uses meanwhile. */
  withSession<T>(work: (session: SqlSession) => Promise<T>): Promise<T>;
  /** Holds one connection until `release` is called (TypeORM's pool protocol needs this shape). */
  leaseSession(): Promise<{ session: SqlSession; release: () => void }>;
  transaction<T>(work: (session: SqlSession) => Promise<T>): Promise<T>;
  /** Subscribes to NOTIFY on a channel; returns the unsubscribe. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** The SQLSTATE of a driver error, on either backend. */
export function sqlState(error: unknown): string | undefined {
  if (error && typeof error === 'object' && 'code' in error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

/** The violated constraint of a driver error, when the backend reports it. */
export function sqlConstraint(error: unknown): string | undefined {
  if (error && typeof error === 'object' && 'constraint' in error) {
    const constraint = (error as { constraint?: unknown }).constraint;
    return typeof constraint === 'string' ? constraint : undefined;
  }
  return undefined;
}

export const UNIQUE_VIOLATION = '23505';

export async function transactionOn<T>(session: SqlSession, work: (session: SqlSession) => Promise<T>): Promise<T> {
  await session.exec('BEGIN');
  let result: T;
  try {
    result = await work(session);
  } catch (error) {
    await session.exec('ROLLBACK').catch(() => undefined);
    throw error;
  }
  await session.exec('COMMIT');
  return result;
}
