import { Client, Pool, types as pgTypes, type PoolClient, type QueryArrayConfig } from 'pg';
import { transactionOn, type SqlExecutor, type SqlResult, type SqlSession } from './executor';

const INT8_OID = 20;

/** Positions and versions are int8; they stay far below 2^53, so plain numbers are exact. */
const typeParsers = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (value: string) => Number(value) : pgTypes.getTypeParser(oid, format ?? 'text')) as typeof pgTypes.getTypeParser,
};

export interface PostgresExecutorOptions {
  connectionString: string;
  /** Connections in the pool; appends from concurrent callers use one each. */
  poolSize?: number;
  applicationName?: string;
}

export class PostgresExecutor implements SqlExecutor {
  readonly backend = 'postgres' as const;
  readonly location: string;
  private readonly pool: Pool;
  private listener: ListenerConnection | undefined;

  /** The full connection string, for components that open their own connections (TypeORM). */
  get connectionString(): string {
    return this.options.connectionString;
  }

  constructor(private readonly options: PostgresExecutorOptions) {
    this.location = redactUrl(options.connectionString);
    this.pool = new Pool({
      connectionString: options.connectionString,
      max: options.poolSize ?? 10,
      application_name: options.applicationName ?? 'tollgate-event-store',
      // Timestamps are read as PostgreSQL's ISO text (rows.ts), whatever the server's default. JIT
      // compiles for tens of milliseconds to win nothing on these short, index-driven queries.
      options: '-c DateStyle=ISO -c jit=off',
      types: typeParsers,
    });
    // An idle client that dies (server restart) must not crash the process; the next query reconnects.
    this.pool.on('error', () => undefined);
  }

  async query<Row = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<SqlResult<Row>> {
    const result = await this.pool.query(sql, params as unknown[]);
    return { rows: result.rows as Row[], rowCount: result.rowCount ?? result.rows.length };
  }

  async queryArrays(sql: string, params: readonly unknown[] = []): Promise<unknown[][]> {
    const config: QueryArrayConfig = { text: sql, values: params as unknown[], rowMode: 'array' };
    const result = await this.pool.query(config);
    return result.rows as unknown[][];
  }

  async exec(sql: string): Promise<void> {
    await this.pool.query(sql);
  }

  async withSession<T>(work: (session: SqlSession) => Promise<T>): Promise<T> {
    const { session, release } = await this.leaseSession();
    try {
      return await work(session);
    } finally {
      release();
    }
  }

  async leaseSession(): Promise<{ session: SqlSession; release: () => void }> {
    const client = await this.pool.connect();
    let released = false;
    return {
      session: clientSession(client),
      release: () => {
        if (released) return;
        released = true;
        client.release();
      },
    };
  }

  transaction<T>(work: (session: SqlSession) => Promise<T>): Promise<T> {
    return this.withSession((session) => transactionOn(session, work));
  }

  async listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>> {
    this.listener ??= new ListenerConnection(this.options.connectionString);
    return this.listener.subscribe(channel, onPayload);
  }

  async close(): Promise<void> {
    await this.listener?.close();
    await this.pool.end();
  }
}

function clientSession(client: PoolClient): SqlSession {
  return {
    async query<Row>(sql: string, params: readonly unknown[] = []) {
      const result = await client.query(sql, params as unknown[]);
      return { rows: result.rows as Row[], rowCount: result.rowCount ?? result.rows.length };
    },
    async queryArrays(sql: string, params: readonly unknown[] = []) {
      const result = await client.query({ text: sql, values: params as unknown[], rowMode: 'array' });
      return result.rows as unknown[][];
    },
    async exec(sql: string) {
      await client.query(sql);
    },
  };
}

/**
 * One connection that only LISTENs. It reconnects after a failure and re-issues its LISTENs;
 * notifications sent while it was down are lost, which is why every waiter also polls.
 */
class ListenerConnection {
  private client: Client | undefined;
  private connecting: Promise<Client> | undefined;
  private readonly handlers = new Map<string, Set<(payload: string) => void>>();
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly connectionString: string) {}

  async subscribe(channel: string, handler: (payload: string) => void): Promise<() => Promise<void>> {
    const existing = this.handlers.get(channel);
    if (existing) {
      existing.add(handler);
    } else {
      this.handlers.set(channel, new Set([handler]));
      const client = await this.connect();
      await client.query(`LISTEN ${quoteIdentifier(channel)}`);
    }
    return async () => {
      const set = this.handlers.get(channel);
      set?.delete(handler);
      if (set && set.size === 0) {
        this.handlers.delete(channel);
        await this.client?.query(`UNLISTEN ${quoteIdentifier(channel)}`).catch(() => undefined);
      }
    };
  }

  private connect(): Promise<Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= (async () => {
      const client = new Client({ connectionString: this.connectionString, application_name: 'tollgate-event-store-listener' });
      client.on('notification', (message) => {
        for (const handler of this.handlers.get(message.channel) ?? []) handler(message.payload ?? '');
      });
      client.on('error', () => this.dropAndRetry(client));
      client.on('end', () => this.dropAndRetry(client));
      await client.connect();
      for (const channel of this.handlers.keys()) await client.query(`LISTEN ${quoteIdentifier(channel)}`);
      this.client = client;
      return client;
    })().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private dropAndRetry(client: Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    client.end().catch(() => undefined);
    if (this.closed || this.handlers.size === 0) return;
    this.retryTimer = setTimeout(() => {
      this.connect().catch(() => this.scheduleRetry());
    }, 500);
    this.retryTimer.unref();
  }

  private scheduleRetry(): void {
    if (this.closed) return;
    this.retryTimer = setTimeout(() => this.connect().catch(() => this.scheduleRetry()), 1000);
    this.retryTimer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const client = this.client ?? (await this.connecting?.catch(() => undefined));
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function redactUrl(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return 'postgres (unparseable DATABASE_URL)';
  }
}
