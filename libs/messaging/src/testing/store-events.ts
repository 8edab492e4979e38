import { randomUUID } from 'node:crypto';
import type { EventInput } from '@tollgate/contracts';

/** An OperatorNote (allowed on any stream) to append in relay tests and benchmarks. */
export function note(text: string, metadata: Partial<EventInput['metadata']> = {}): EventInput {
  return {
    id: randomUUID(),
    type: 'OperatorNote',
    data: { text },
    metadata: { correlationId: randomUUID(), causationId: null, actor: 'system:test', ...metadata },
    occurredAt: new Date().toISOString(),
  };
}
