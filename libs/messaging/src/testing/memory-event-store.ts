import type { EventInput, RecordedEvent } from '@tollgate/contracts';
import type { AppendResult, EventStore, ExpectedVersion, ReadAllOptions, ReadStreamOptions, SubscribeAllOptions, Subscription } from '@tollgate/event-store';

/**
 * A minimal in-memory EventStore with the port's subscription semantics (history then live, position order,
 * a throwing handler stops the subscription), so relay logic can be tested without a database. The real
 * store runs in relay.int.spec.ts.
 */
export class MemoryEventStore implements EventStore {
  private readonly log: RecordedEvent[] = [];
  private readonly waiters = new Set<() => void>();

  async append(streamId: string, _expectedVersion: ExpectedVersion, events: readonly EventInput[]): Promise<AppendResult> {
    const version = this.log.filter((event) => event.streamId === streamId).length;
    events.forEach((input, index) => {
      this.log.push({
        id: input.id,
        streamId,
        streamVersion: version + index + 1,
        position: this.log.length + 1,
        type: input.type,
        schemaVersion: input.schemaVersion ?? 1,
        data: input.data,
        metadata: input.metadata,
        occurredAt: input.occurredAt,
        recordedAt: new Date().toISOString(),
      });
    });
    for (const wake of this.waiters) wake();
    return { streamId, firstVersion: version + 1, lastVersion: version + events.length, deduplicated: false };
  }

  async readStream(streamId: string, _options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return this.log.filter((event) => event.streamId === streamId);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return this.log.slice(options.after ?? 0, (options.after ?? 0) + (options.maxCount ?? this.log.length));
  }

  subscribeAll(options: SubscribeAllOptions): Subscription {
    let stopped = false;
    let wake: () => void = () => {};
    const done = (async () => {
      let after = options.after;
      await Promise.resolve();
      while (!stopped) {
        const next = this.log[after];
        if (!next) {
          await new Promise<void>((resolve) => {
            wake = resolve;
            this.waiters.add(resolve);
          });
          this.waiters.delete(wake);
          continue;
        }
        try {
          await options.handler(next);
        } catch (error) {
          options.onError?.(error);
          return;
        }
        after = next.position;
      }
    })();
    return {
      stop: async () => {
        stopped = true;
        wake();
        await done;
      },
    };
  }

  async headPosition(): Promise<number> {
    return this.log.length;
  }

  async close(): Promise<void> {}
}
