import type { RecordedEvent } from '@tollgate/contracts';
import type { EventStore, Subscription } from '@tollgate/event-store';

export interface FollowStoreOptions {
  /** Called once per event, in position order: the history first, then live. */
  handler: (event: RecordedEvent) => void;
  /**
   * Runs once, right after the handler has applied the event at the store's head as of the call (at once
   * on an empty store), before any later event is handled: a follower that flips to "live" here never
   * treats a live event as history, nor history as live.
   */
  onCaughtUp?: () => void;
  onError: (error: unknown) => void;
}

export interface FollowedStore extends Subscription {
  /** Resolves once `onCaughtUp` has run. */
  readonly caughtUp: Promise<void>;
}

/**
 * Catches up with the store's head as of the call, then keeps following it live. Returned before it has
 * caught up so the caller can hold (and stop) the subscription while it catches up.
 */
export function followStore(store: EventStore, options: FollowStoreOptions): FollowedStore {
  let subscription: Subscription | undefined;
  let stopped = false;
  const caughtUp = store.headPosition().then(
    (head) =>
      new Promise<void>((resolve) => {
        // Stopped before the head was known: nothing is subscribed, and nothing will catch up.
        if (stopped) return;
        let live = false;
        const reachHead = (): void => {
          live = true;
          options.onCaughtUp?.();
          resolve();
        };
        if (head === 0) reachHead();
        subscription = store.subscribeAll({
          after: 0,
          handler: (event) => {
            options.handler(event);
            if (!live && event.position >= head) reachHead();
          },
          onError: options.onError,
        });
      }),
  );
  return {
    caughtUp,
    stop: async () => {
      stopped = true;
      await subscription?.stop();
    },
  };
}
