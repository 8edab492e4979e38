import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createEventStore } from '@tollgate/event-store';
import { createTestDatabase, NATS_TEST_URL, POSTGRES_ADMIN_URL, type TestDatabase } from '@tollgate/testing';
import type { CrashDrillDocument } from './crash-drill.command';

/**
 * `tollgate drill crash-recovery` as a process, one run per dangerous point: it starts the broker sandbox,
 * execution and reconciliation as processes of their own over NATS and PostgreSQL, SIGKILLs them at each
 * point, and its figures (from the sandbox's order log and the store) must show nothing lost or doubled.
 * The result is recorded as DrillCompleted in this machine's store (here: a test database).
 */
const ROOT = join(__dirname, '../../../..');
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase('crash_drill_record');
});

afterAll(async () => {
  await database?.drop();
});

function tollgate(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/tollgate.js'), ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

it('kills execution and reconciliation at every dangerous point and proves no duplicate order, no missing fill, and a passing reconciliation', async () => {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: database.url,
    NATS_URL: '',
    // Nothing answers here: the result goes straight into the store DATABASE_URL names.
    TOLLGATE_GATEWAY_URL: 'http://127.0.0.1:9',
  };
  const result = await tollgate(['drill', 'crash-recovery', '--runs', '1', '--json', '--postgres-url', POSTGRES_ADMIN_URL, '--nats-url', NATS_TEST_URL], env);
  if (result.code !== 0) process.stderr.write(result.stderr);
  const report = JSON.parse(result.stdout) as CrashDrillDocument;
  expect(report).toMatchObject({
    drill: 'crash-recovery',
    passed: true,
    figures: { runs: 4, duplicateOrders: 0, missingFills: 0, reconciliationFailures: 0, ledgerMismatches: 0, stuckRuns: 0 },
  });
  expect(Object.keys(report.scenarios).sort()).toEqual(['after-intent-before-send', 'after-send-before-ack', 'between-partial-fills', 'during-cancel']);
  expect(report.checks.every((check) => check.passed)).toBe(true);
  expect(result.code).toBe(0);

  const store = await createEventStore({ databaseUrl: database.url });
  try {
    const recorded = await store.readStream('drill-crash-recovery');
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ type: 'DrillCompleted', data: { drill: 'crash-recovery', passed: true, figures: { runs: 4, duplicateOrders: 0, missingFills: 0, reconciliationFailures: 0 } } });
  } finally {
    await store.close();
  }
}, 175_000);
