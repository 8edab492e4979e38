import type { DataSource, EntityManager } from 'typeorm';
import type { RecordedEvent } from '@tollgate/contracts';
import { GlobalLogGapError } from '../errors';
import { decodeEventObject, READ_ALL_SQL } from '../rows';
import { SCHEMA } from '../sql/schema';
import type { SqlEventStore } from '../sql-event-store';

export interface Projection {
  /** Stable and unique: the checkpoint is stored under it. */
  name: string;
  /** A DataSource on the store's database (createReadModelDataSource). */
  dataSource: DataSource;
  /**
   * Applies one event to the read model. Runs inside the runner's transaction: write through
   * `manager` only. Throwing rolls back the whole batch, checkpoint included.
   */
  handle(event: RecordedEvent, manager: EntityManager): Promise<void> | void;
  /** Empties the read model; required for `rebuild()`. Runs in the rebuild's transaction. */
  reset?(manager: EntityManager): Promise<void> | void;
  /** When set, only these event types reach `handle` (the checkpoint still passes the others). */
  types?: readonly string[];
}

export interface ProjectionRunnerOptions {
  /** Events applied per transaction. */
  batchSize?: number;
  /** Called with each failure of the live loop (it retries with back-off). */
  onError?: (error: unknown) => void;
}

/**
 * Applies the global log to a read model. Each batch runs in one transaction that locks the
 * projection's checkpoint row, reads the next events after it, applies them and moves the
 * checkpoint: a crash anywhere rolls all of it back, so an event is never lost nor applied twice,
 * and two runners of the same projection take turns instead of racing.
 *
 *   const runner = new ProjectionRunner(store, { name: 'positions', dataSource, handle, reset });
 *   await runner.catchUp();   // or runner.start() to follow live; runner.rebuild() to start over
 */
export class ProjectionRunner {
  private readonly batchSize: number;
  private readonly types: ReadonlySet<string> | undefined;
  private loop: Promise<void> | undefined;
  private controller: AbortController | undefined;
  private prepared = false;

  constructor(
    private readonly store: SqlEventStore,
    private readonly projection: Projection,
    private readonly options: ProjectionRunnerOptions = {},
  ) {
    if (!projection.name) throw new Error('a projection needs a name');
    this.batchSize = options.batchSize ?? 1_000;
    this.types = projection.types ? new Set(projection.types) : undefined;
  }

  get name(): string {
    return this.projection.name;
  }

  /** The position of the last event applied (0 before the first). */
  async checkpoint(): Promise<number> {
    await this.ensureCheckpointRow();
    const rows = (await this.projection.dataSource.query(`SELECT position FROM ${SCHEMA}.projection_checkpoints WHERE name = $1`, [
      this.projection.name,
    ])) as Array<{ position: number | string }>;
    return Number(rows[0]?.position ?? 0);
  }

  /** Applies everything sealed so far; resolves with the new checkpoint. */
  async catchUp(): Promise<number> {
    await this.store.whenSealed();
    await this.ensureCheckpointRow();
    for (;;) {
      const { applied, checkpoint } = await this.applyBatch();
      if (applied < this.batchSize) return checkpoint;
    }
  }

  /** Empties the read model and sets the checkpoint to 0 in one transaction, then catches up. */
  async rebuild(): Promise<number> {
    const reset = this.projection.reset;
    if (!reset) throw new Error(`projection ${this.projection.name} has no reset(), so it cannot be rebuilt`);
    await this.ensureCheckpointRow();
    await this.projection.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT position FROM ${SCHEMA}.projection_checkpoints WHERE name = $1 FOR UPDATE`, [this.projection.name]);
      await reset.call(this.projection, manager);
      await manager.query(`UPDATE ${SCHEMA}.projection_checkpoints SET position = 0, updated_at = clock_timestamp() WHERE name = $1`, [
        this.projection.name,
      ]);
    });
    return this.catchUp();
  }

  /** Follows the log live until `stop()`. Failures are reported and retried with back-off. */
  start(): void {
    if (this.loop) return;
    const controller = new AbortController();
    this.controller = controller;
    this.loop = this.follow(controller.signal);
  }

  async stop(): Promise<void> {
    this.controller?.abort();
    await this.loop;
    this.loop = undefined;
    this.controller = undefined;
  }

  private async follow(signal: AbortSignal): Promise<void> {
    let delay = 50;
    while (!signal.aborted) {
      try {
        await this.ensureCheckpointRow();
        const { applied, checkpoint } = await this.applyBatch();
        delay = 50;
        if (applied < this.batchSize) await this.store.waitForPosition(checkpoint, undefined, signal);
      } catch (error) {
        if (signal.aborted) break;
        this.options.onError?.(error);
        await sleep(delay, signal);
        delay = Math.min(delay * 2, 10_000);
      }
    }
  }

  private async applyBatch(): Promise<{ applied: number; checkpoint: number }> {
    return this.projection.dataSource.transaction(async (manager) => {
      const locked = (await manager.query(`SELECT position FROM ${SCHEMA}.projection_checkpoints WHERE name = $1 FOR UPDATE`, [
        this.projection.name,
      ])) as Array<{ position: number | string }>;
      let checkpoint = Number(locked[0]?.position ?? 0);
      const rows = (await manager.query(READ_ALL_SQL, [checkpoint, this.batchSize])) as Array<Record<string, unknown>>;
      for (const row of rows) {
        const event = decodeEventObject(row);
        if (event.position !== checkpoint + 1) throw new GlobalLogGapError(checkpoint + 1, event.position);
        if (!this.types || this.types.has(event.type)) await this.projection.handle(event, manager);
        checkpoint = event.position;
      }
      if (rows.length > 0) {
        await manager.query(`UPDATE ${SCHEMA}.projection_checkpoints SET position = $2, updated_at = clock_timestamp() WHERE name = $1`, [
          this.projection.name,
          checkpoint,
        ]);
      }
      return { applied: rows.length, checkpoint };
    });
  }

  private async ensureCheckpointRow(): Promise<void> {
    if (this.prepared) return;
    await this.projection.dataSource.query(
      `INSERT INTO ${SCHEMA}.projection_checkpoints (name, position) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING`,
      [this.projection.name],
    );
    this.prepared = true;
  }
}

function sleep(milliseconds: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, milliseconds);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
