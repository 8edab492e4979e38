import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { Mutex } from './mutex';
import { transactionOn, type SqlExecutor, type SqlResult, type SqlSession } from './executor';

/**
 * PGlite is one single-threaded session. Everything in the process that uses the same data
 * directory shares one instance (two instances on one directory corrupt it) and one mutex (a
 * transaction owns the session until it ends). Another process is kept out by a lock file.
 */
interface SharedInstance {
  db: PGlite;
  mutex: Mutex;
  references: number;
  lockFile?: string;
}

const instances = new Map<string, Promise<SharedInstance>>();

type PgliteModule = typeof import('@electric-sql/pglite');
let pgliteModule: PgliteModule | undefined;

/**
 * Loads PGlite through Node's own module loader. PGlite's Node build calls import() internally;
 * inside a vm sandbox (Jest) that needs --experimental-vm-modules, while Node's loader just works.
 * Outside Jest this is the same module `require` would return.
 */
function loadPglite(): PgliteModule {
  if (!pgliteModule) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const nodeModule = require('node:module') as { _load(request: string, parent: unknown, isMain: boolean): unknown };
    pgliteModule = nodeModule._load(require.resolve('@electric-sql/pglite'), null, false) as PgliteModule;
  }
  return pgliteModule;
}

/** A PGlite error, re-created in this realm so `instanceof Error` holds and the SQLSTATE survives. */
export class PgliteError extends Error {
  override name = 'PgliteError';
  constructor(message: string, readonly code?: string, readonly constraint?: string, readonly detail?: string) {
    super(message);
  }
}

function localError(error: unknown): Error {
  if (error instanceof Error) return error;
  const source = (error ?? {}) as { message?: unknown; code?: unknown; constraint?: unknown; detail?: unknown };
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return new PgliteError(text(source.message) ?? String(error), text(source.code), text(source.constraint), text(source.detail));
}

export const MEMORY_DATA_DIR = 'memory://';

export function isMemory(dataDir: string): boolean {
  return dataDir.startsWith(MEMORY_DATA_DIR);
}

export class DataDirectoryInUseError extends Error {
  override name = 'DataDirectoryInUseError';
  constructor(readonly directory: string, readonly pid: number) {
    super(`PGlite data directory ${directory} is in use by process ${pid}; PGlite serves one process (set DATABASE_URL to share a store)`);
  }
}

async function acquireInstance(dataDir: string): Promise<{ key: string; shared: SharedInstance }> {
  // A bare memory:// is a private database per store; memory://<name> is shared by name within
  // the process (so several stores, or a store and TypeORM, can use one in-memory database).
  const key = isMemory(dataDir)
    ? dataDir === MEMORY_DATA_DIR
      ? `${MEMORY_DATA_DIR}#${Math.random().toString(36).slice(2)}`
      : dataDir
    : resolve(dataDir);
  let pending = instances.get(key);
  if (!pending) {
    pending = openInstance(dataDir, key);
    instances.set(key, pending);
    pending.catch(() => instances.delete(key));
  }
  const shared = await pending;
  shared.references += 1;
  return { key, shared };
}

async function openInstance(dataDir: string, key: string): Promise<SharedInstance> {
  if (isMemory(dataDir)) {
    return { db: await loadPglite().PGlite.create(MEMORY_DATA_DIR), mutex: new Mutex(), references: 0 };
  }
  // Beside the data directory, not in it: PGlite's initdb wants an empty directory.
  mkdirSync(dirname(key), { recursive: true });
  const lockFile = `${key}.lock`;
  takeLock(lockFile, key);
  try {
    const db = await loadPglite().PGlite.create(key);
    return { db, mutex: new Mutex(), references: 0, lockFile };
  } catch (error) {
    releaseLock(lockFile);
    throw error;
  }
}

function takeLock(lockFile: string, directory: string): void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockFile, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(lockFile, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && processIsAlive(holder)) {
        throw new DataDirectoryInUseError(directory, holder);
      }
      // Left behind by a process that died: take it over.
      unlinkSync(lockFile);
    }
  }
  throw new Error(`could not lock PGlite data directory ${directory}`);
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function releaseLock(lockFile: string): void {
  try {
    unlinkSync(lockFile);
  } catch {
    // already gone
  }
}

export class PgliteExecutor implements SqlExecutor {
  readonly backend = 'pglite' as const;
  readonly location: string;
  private closed = false;

  private constructor(private readonly key: string, private readonly shared: SharedInstance, dataDir: string) {
    this.location = isMemory(dataDir) ? 'pglite (in memory)' : `pglite:${key}`;
  }

  static async open(dataDir: string): Promise<PgliteExecutor> {
    const { key, shared } = await acquireInstance(dataDir);
    return new PgliteExecutor(key, shared, dataDir);
  }

  /** The shared instance, for adapters (TypeORM) that must use the same session. */
  get database(): PGlite {
    return this.shared.db;
  }

  private readonly session: SqlSession = {
    query: (sql, params) => this.rawQuery(sql, params),
    queryArrays: (sql, params) => this.rawQueryArrays(sql, params),
    exec: (sql) => this.rawExec(sql),
  };

  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<SqlResult<Row>> {
    return this.shared.mutex.run(() => this.rawQuery<Row>(sql, params));
  }

  queryArrays(sql: string, params?: readonly unknown[]): Promise<unknown[][]> {
    return this.shared.mutex.run(() => this.rawQueryArrays(sql, params));
  }

  exec(sql: string): Promise<void> {
    return this.shared.mutex.run(() => this.rawExec(sql));
  }

  withSession<T>(work: (session: SqlSession) => Promise<T>): Promise<T> {
    return this.shared.mutex.run(() => work(this.session));
  }

  async leaseSession(): Promise<{ session: SqlSession; release: () => void }> {
    const release = await this.shared.mutex.acquire();
    return { session: this.session, release };
  }

  transaction<T>(work: (session: SqlSession) => Promise<T>): Promise<T> {
    return this.withSession((session) => transactionOn(session, work));
  }

  async listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>> {
    const unlisten = await this.shared.mutex.run(() => this.shared.db.listen(channel, onPayload));
    return () => this.shared.mutex.run(() => unlisten());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.shared.references -= 1;
    if (this.shared.references > 0) return;
    instances.delete(this.key);
    await this.shared.mutex.run(() => this.shared.db.close());
    if (this.shared.lockFile) releaseLock(this.shared.lockFile);
  }

  private async rawQuery<Row>(sql: string, params?: readonly unknown[]): Promise<SqlResult<Row>> {
    try {
      const result = await this.shared.db.query<Row>(sql, params ? [...params] : undefined);
      return { rows: result.rows, rowCount: Math.max(result.affectedRows ?? 0, result.rows.length) };
    } catch (error) {
      throw localError(error);
    }
  }

  private async rawQueryArrays(sql: string, params?: readonly unknown[]): Promise<unknown[][]> {
    try {
      const result = await this.shared.db.query<unknown[]>(sql, params ? [...params] : undefined, { rowMode: 'array' });
      return result.rows;
    } catch (error) {
      throw localError(error);
    }
  }

  private async rawExec(sql: string): Promise<void> {
    try {
      await this.shared.db.exec(sql);
    } catch (error) {
      throw localError(error);
    }
  }
}
