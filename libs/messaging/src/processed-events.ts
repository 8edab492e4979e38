import type { ProcessedEventIds } from './bus';

/**
 * The last `capacity` event ids a consumer handled, in memory. Covers redeliveries and relay re-publishes
 * while the process lives; a handler whose effects must be exactly-once across restarts records ids (or a
 * position checkpoint) in its own database transaction instead.
 */
export class RecentEventIds implements ProcessedEventIds {
  private readonly ids = new Set<string>();

  constructor(private readonly capacity = 100_000) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`capacity must be a positive integer, got ${capacity}`);
  }

  has(eventId: string): boolean {
    return this.ids.has(eventId);
  }

  add(eventId: string): void {
    if (this.ids.has(eventId)) return;
    this.ids.add(eventId);
    if (this.ids.size > this.capacity) {
      // A Set iterates in insertion order: the first id is the oldest.
      const oldest = this.ids.values().next().value as string;
      this.ids.delete(oldest);
    }
  }

  get size(): number {
    return this.ids.size;
  }
}
