import { randomUUID } from 'node:crypto';
import type { EventMetadata, RecordedEvent } from '@tollgate/contracts';

let position = 0;

/** A recorded event for bus tests; positions increase across calls so order can be checked. */
export function recordedEvent(streamId: string, type: string, data: unknown = {}, metadata: Partial<EventMetadata> = {}): RecordedEvent {
  position += 1;
  const now = new Date().toISOString();
  return {
    id: randomUUID(),
    streamId,
    streamVersion: position,
    position,
    type,
    schemaVersion: 1,
    data,
    metadata: { correlationId: randomUUID(), causationId: null, actor: 'system:test', ...metadata },
    occurredAt: now,
    recordedAt: now,
  };
}
