import type { SqlExecutor } from './sql/executor';
import { SCHEMA } from './sql/schema';

/**
 * Background sealing (event_store.seal(): give queued, committed appends their dense global
 * positions). Most appends seal themselves in their own commit; this covers those that found the
 * seal lock taken, and appends a crashed process left queued. Requests coalesce: while one seal
 * runs, any number share the next one. `request()` resolves once a seal that started after the
 * request has finished, so everything the caller committed before asking is sealed by then.
 */
export class Sealer {
  private requested = 0;
  private completed = 0;
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private lastStart = 0;
  private readonly waiters: Array<{ generation: number; resolve: () => void; reject: (error: unknown) => void }> = [];
  /** Commit times of this process's queued appends that no later sealer is known to cover. */
  private readonly uncovered: number[] = [];

  constructor(
    private readonly executor: SqlExecutor,
    private readonly onSealed: (head: number) => void,
    /**
     * Least time between the starts of two seals. Each seal that finds work is a durable commit;
     * under a steady stream of queued appends a short pause lets one seal cover several.
     */
    private readonly minIntervalMs = 0,
  ) {}

  /** Asks for a seal now; requests made while one runs share the next. */
  request(): Promise<void> {
    this.uncovered.length = 0;
    const generation = ++this.requested;
    const done = this.waitFor(generation);
    this.kick();
    return done;
  }

  /**
   * An append committed at `committedAt` (performance.now()) found the seal lock taken and was
   * queued. The next append that gets the lock seals it in its own commit, so a background seal
   * is only asked for if, `delayMs` later, no append that sealed has started since.
   */
  noteQueued(committedAt: number, delayMs: number): void {
    this.uncovered.push(committedAt);
    this.scheduleCheck(delayMs);
  }

  private scheduleCheck(delayMs: number): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.uncovered.length > 0 && !this.running) void this.trySeal(delayMs);
    }, delayMs);
    this.timer.unref();
  }

  /**
   * A background seal that never waits for the lock: a waiter would take the lock the moment it is
   * free and leave every append behind it queued. If the lock is taken, look again later.
   */
  private async trySeal(delayMs: number): Promise<void> {
    const startedAt = performance.now();
    try {
      const { rows } = await this.executor.query<{ head: number | null }>(`SELECT ${SCHEMA}.seal(false) AS head`);
      const head = rows[0]?.head;
      if (head !== null && head !== undefined) {
        this.noteSealedBy(startedAt);
        this.onSealed(Number(head));
      }
    } catch {
      // The sweep and any waiting reader retry; nothing is lost while an append sits queued.
    }
    if (this.uncovered.length > 0) this.scheduleCheck(delayMs);
  }

  /** An append that started at `startedAt` sealed: it took everything committed before that. */
  noteSealedBy(startedAt: number): void {
    if (this.uncovered.length === 0) return;
    const remaining = this.uncovered.filter((committedAt) => committedAt >= startedAt);
    this.uncovered.length = 0;
    this.uncovered.push(...remaining);
  }

  /** Resolves when this process's appends so far are sealed (read-your-writes). */
  settle(): Promise<void> {
    // Whoever waits should not also wait out a deferral.
    if (this.uncovered.length > 0) return this.request();
    if (this.completed >= this.requested) return Promise.resolve();
    return this.waitFor(this.requested);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
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
