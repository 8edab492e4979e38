/**
 * Shared by the event-store contract suites (*.int.spec.ts): every suite runs once per backend,
 * each on a fresh database (PostgreSQL: a new database; PGlite: a new data directory).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { allEventDefinitions, decimalString, defineEvent, EventRegistry, type EventInput } from '@tollgate/contracts';
// Test-only dependency on the shared test servers; platform code never imports it. The specs
// take these helpers from here so the boundary exception stays in this one file.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { createTestDatabase, waitFor, type TestDatabase } from '@tollgate/testing';

export { createTestDatabase, waitFor, type TestDatabase };
import { createEventStore, type CreateEventStoreOptions } from './create-event-store';
import type { SqlEventStore } from './sql-event-store';

export const ContractFill = defineEvent(
  'ContractTestFill',
  1,
  z
    .object({
      orderId: z.string().min(1),
      symbol: z.string().min(1),
      quantity: decimalString,
      price: decimalString,
    })
    .strict(),
);

export function contractRegistry(): EventRegistry {
  return new EventRegistry([...allEventDefinitions, ContractFill]);
}

export interface BackendFixture {
  name: 'postgres' | 'pglite';
  /** Opens a store on this fixture's database (several may be open at once). */
  open(options?: Partial<CreateEventStoreOptions>): Promise<SqlEventStore>;
  /** PostgreSQL only: the database URL, for superuser tampering. */
  url?: string;
  cleanup(): Promise<void>;
}

export type BackendName = BackendFixture['name'];
export const BACKENDS: BackendName[] = ['postgres', 'pglite'];

export async function openBackend(name: BackendName): Promise<BackendFixture> {
  const registry = contractRegistry();
  if (name === 'postgres') {
    const database = await createTestDatabase('event_store');
    return {
      name,
      url: database.url,
      open: (options = {}) => createEventStore({ databaseUrl: database.url, registry, ...options }),
      cleanup: () => database.drop(),
    };
  }
  // In memory (a data directory costs an initdb on disk per suite); named, so several stores in
  // this process share it the way processes share a PostgreSQL database.
  const dataDir = `memory://contract-${randomUUID()}`;
  return {
    name,
    open: (options = {}) => createEventStore({ dataDir, registry, ...options }),
    cleanup: async () => undefined,
  };
}

export const testMetadata = { correlationId: 'corr-1', causationId: null, actor: 'user:test' };

export function note(text: string, id: string = randomUUID()): EventInput {
  return { id, type: 'OperatorNote', data: { text }, metadata: testMetadata, occurredAt: '2026-01-02T14:30:00.000Z' };
}

export function fill(quantity: string, price: string, id: string = randomUUID()): EventInput {
  return {
    id,
    type: 'ContractTestFill',
    data: { orderId: 'order-1', symbol: 'AAPL', quantity, price },
    metadata: testMetadata,
    occurredAt: '2026-01-02T14:30:00.123Z',
  };
}

/** A stream id unique to one test. */
export function streamOf(category = 'test'): string {
  return `${category}-${randomUUID().slice(0, 8)}`;
}
