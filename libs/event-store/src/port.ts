import type { EventInput, RecordedEvent } from '@tollgate/contracts';

/** What the writer expects the stream to be: an exact last version, or a condition. */
export type ExpectedVersion = number | 'no-stream' | 'stream-exists' | 'any';

export interface AppendResult {
  streamId: string;
  /** The stream version of the first and last event of this append (or of the stored duplicates). */
  firstVersion: number;
  lastVersion: number;
  /** True when every event was already stored with the same content: nothing was written. */
  deduplicated: boolean;
}

export interface ReadStreamOptions {
  direction?: 'forward' | 'backward';
  /** Inclusive stream version to start from (forward: lowest, backward: highest). */
  fromVersion?: number;
  maxCount?: number;
}

export interface ReadAllOptions {
  /** Exclusive: events with position > after. 0 reads from the beginning. */
  after?: number;
  maxCount?: number;
}

export interface Subscription {
  /** Resolves when the subscription has stopped. */
  stop(): Promise<void>;
}

export interface SubscribeAllOptions {
  /** Exclusive checkpoint: deliver events with position > after, history first, then live. */
  after: number;
  /** Called once per event, in position order, each exactly once; awaited before the next. */
  handler: (event: RecordedEvent) => Promise<void> | void;
  onError?: (error: unknown) => void;
}

/**
 * The event store port. Narrow on purpose: a KurrentDB adapter must be able to implement it
 * and pass the same contract suite.
 */
export interface EventStore {
  append(streamId: string, expectedVersion: ExpectedVersion, events: readonly EventInput[]): Promise<AppendResult>;
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  subscribeAll(options: SubscribeAllOptions): Subscription;
  /** Highest sealed (globally positioned) event, 0 when empty. */
  headPosition(): Promise<number>;
  close(): Promise<void>;
}
