import type { SqlExecutor } from './sql/executor';
import { SCHEMA } from './sql/schema';

/**
 * Asks the database to seal (event_store.seal(): give committed events their dense global
 * positions). Requests coalesce: while one seal runs, any number of appends share the next one.
 * `request()` resolves once a seal that started after the request has finished, so everything the
 * caller committed before asking is sealed by then.
 */
export class Sealer {
  private requested = 0;
  private completed = 0;
  private running: Promise<void> | undefined;
  private closed = false;
  private readonly waiters: Array<{ generation: number; resolve: () => void; reject: (error: unknown) => void }> = [];

  private lastStart = 0;

  constructor(
    private readonly executor: SqlExecutor,
    private readonly onSealed: (head: number) => void,
    /**
     * Least time between the starts of two seals. Each seal is a durable commit; under a steady
     * stream of small appends a short pause lets one seal cover several appends.
     */
    private readonly minIntervalMs = 0,
  ) {}

  request(): Promise<void> {
    const generation = ++this.requested;
    const done = this.waitFor(generation);
    this.kick();
    return done;
  }

  /** Resolves when every seal requested so far has run (read-your-writes for this process). */
  settle(): Promise<void> {
    return this.completed >= this.requested ? Promise.resolve() : this.waitFor(this.requested);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.running;
    const error = new Error('the event store closed before sealing');
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
  }

  private waitFor(generation: number): Promise<void> {
    return new Promise((resolve, reject) => this.waiters.push({ generation, resolve, reject }));
  }

  private kick(): void {
    if (this.running || this.closed) return;
    this.running = this.loop().finally(() => {
      this.running = undefined;
      if (this.completed < this.requested && !this.closed) this.kick();
    });
  }

  private async loop(): Promise<void> {
    while (this.completed < this.requested && !this.closed) {
      const pause = this.lastStart + this.minIntervalMs - performance.now();
      if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
      this.lastStart = performance.now();
      const target = this.requested;
      let failure: unknown;
      try {
        const { rows } = await this.executor.query<{ head: number }>(`SELECT ${SCHEMA}.seal() AS head`);
        this.onSealed(Number(rows[0]?.head ?? 0));
      } catch (error) {
        failure = error;
      }
      this.completed = target;
      for (let index = this.waiters.length - 1; index >= 0; index--) {
        const waiter = this.waiters[index]!;
        if (waiter.generation > target) continue;
        this.waiters.splice(index, 1);
        if (failure === undefined) waiter.resolve();
        else waiter.reject(failure);
      }
    }
  }
}

/** The highest sealed position this process has heard of, and who is waiting to hear more. */
export class HeadWatcher {
  private head = 0;
  private readonly waiters = new Set<{ after: number; wake: () => void }>();

  get known(): number {
    return this.head;
  }

  observe(head: number): void {
    if (!(head > this.head)) return;
    this.head = head;
    for (const waiter of this.waiters) {
      if (head > waiter.after) waiter.wake();
    }
  }

  /** Resolves when a position above `after` is known, after `timeoutMs`, or when aborted. */
  wait(after: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.head > after || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = {
        after,
        wake: () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', waiter.wake);
          this.waiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(waiter.wake, timeoutMs);
      signal?.addEventListener('abort', waiter.wake, { once: true });
      this.waiters.add(waiter);
    });
  }

  wakeAll(): void {
    for (const waiter of [...this.waiters]) waiter.wake();
  }
}
