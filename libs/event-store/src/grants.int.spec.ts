import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { contractRegistry, createTestDatabase, note, type TestDatabase } from './contract.fixtures';
import { createEventStore } from './create-event-store';
import { serviceRoleGrants } from './sql/grants';
import { SCHEMA } from './sql/schema';

describe('production grants (PostgreSQL)', () => {
  let database: TestDatabase;
  const role = `tollgate_app_${randomBytes(4).toString('hex')}`;
  let serviceUrl: string;

  const asOwner = async (sql: string) => {
    const owner = new Client({ connectionString: database.url });
    await owner.connect();
    try {
      await owner.query(sql);
    } finally {
      await owner.end();
    }
  };

  beforeAll(async () => {
    database = await createTestDatabase('event_store_grants');
    // The owner migrates once; the service role then only ever finds the schema current.
    const owner = await createEventStore({ databaseUrl: database.url, registry: contractRegistry() });
    await owner.close();
    await asOwner(`CREATE ROLE ${role} LOGIN`);
    await asOwner(serviceRoleGrants(role));
    const url = new URL(database.url);
    url.username = role;
    serviceUrl = url.toString();
  }, 60_000);

  afterAll(async () => {
    await database?.drop();
    await asOwner(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
  }, 60_000);

  it('lets the service role append, read, seal, checkpoint and verify', async () => {
    const store = await createEventStore({ databaseUrl: serviceUrl, registry: contractRegistry() });
    try {
      await store.append('order-1', 'no-stream', [note('as the service role')]);
      expect(await store.readStream('order-1')).toHaveLength(1);
      await store.sealNow();
      expect(await store.writeCheckpoint()).toMatchObject({ position: 1 });
      expect(await store.verify()).toMatchObject({ ok: true, checked: 1 });
    } finally {
      await store.close();
    }
  });

  it.each([
    ['change an event', `UPDATE ${SCHEMA}.events SET data = '{}'`],
    ['delete an event', `DELETE FROM ${SCHEMA}.events`],
    ['insert around the chain', `INSERT INTO ${SCHEMA}.global_log VALUES (99, 99, 99, 'x-1', 1, 'forged')`],
    ['move a stream head', `UPDATE ${SCHEMA}.streams SET version = 1`],
    ['switch the trigger off', `ALTER TABLE ${SCHEMA}.events DISABLE TRIGGER events_append_only`],
    ['seal without the lock', `SELECT ${SCHEMA}.seal_locked(NULL, NULL, NULL, NULL, NULL, NULL)`],
  ])('refuses the service role to %s', async (_, sql) => {
    const service = new Client({ connectionString: serviceUrl });
    await service.connect();
    try {
      await expect(service.query(sql)).rejects.toThrow(/permission denied|must be owner/);
    } finally {
      await service.end();
    }
  });
});
