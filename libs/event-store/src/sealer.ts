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
  /** A background seal (trySeal) is on its way; one at a time is enough, it takes the whole queue. */
  private trying = false;
  private deferralMs = 5;
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
    this.deferralMs = delayMs;
    this.uncovered.push(committedAt);
    this.scheduleCheck(delayMs);
  }

  /**
   * The sealed head moved (a NOTIFY from any process, or a seal seen in this one): whoever held the
   * seal lock has committed and released it, since PostgreSQL releases the lock before it sends the
   * notification. If appends of this process are still queued and no append of this process is on
   * its way to the lock (the caller checks), seal them now instead of at the end of the deferral:
   * with writers in several processes most appends found the lock taken, and waiting out the
   * deferral before their seal's commit lengthened the tail (p99 append → subscriber 54–69 ms, 41–47
   * ms with this). The deferral stays as the fallback when no notification comes.
   */
  sealQueuedNow(): void {
    if (this.uncovered.length === 0 || this.running || this.trying || this.closed) return;
    void this.trySeal(this.deferralMs);
  }

  private scheduleCheck(delayMs: number): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.uncovered.length > 0 && !this.running && !this.trying) void this.trySeal(delayMs);
      else if (this.uncovered.length > 0) this.scheduleCheck(delayMs);
    }, delayMs);
    this.timer.unref();
  }

  /**
   * A background seal that never waits for the lock: a waiter would take the lock the moment it is
   * free and leave every append behind it queued. If the lock is taken, look again later.
   */
  private async trySeal(delayMs: number): Promise<void> {
    this.trying = true;
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
    } finally {
      this.trying = false;
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
