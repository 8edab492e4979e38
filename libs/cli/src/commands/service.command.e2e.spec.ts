import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { commandSubjects } from '@tollgate/contracts';
import { connectNatsBus, type NatsBus } from '@tollgate/messaging';
import { createLogger } from '@tollgate/telemetry';
import { createTestDatabase, NATS_TEST_URL, waitFor, type TestDatabase } from '@tollgate/testing';

/**
 * `tollgate service NAME` as an operator and a supervisor use it: on the real NATS server and a fresh
 * PostgreSQL database it prints its readiness line, answers over NATS, and on SIGTERM closes its
 * services, its NATS connection and its pg pool and exits 0 promptly — a supervisor never needs SIGKILL.
 */
const ROOT = join(__dirname, '../../../..');
/** What "promptly" means for a stop: the command's own grace (1.5 s) plus a little process overhead. */
const PROMPT_EXIT_MS = 2_500;

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

describe('tollgate service', () => {
  const namespace = `e2e_service_${randomBytes(5).toString('hex')}`;
  const children: ChildProcess[] = [];
  let database: TestDatabase;
  let bus: NatsBus;

  function start(args: string[], env: NodeJS.ProcessEnv = {}): Started {
    const child = spawn(process.execPath, [join(ROOT, 'bin/tollgate.js'), ...args], {
      cwd: ROOT,
      env: {
        ...process.env,
        NATS_URL: NATS_TEST_URL,
        TOLLGATE_NATS_NAMESPACE: namespace,
        DATABASE_URL: database.url,
        TOLLGATE_MODE: 'SIMULATED',
        TOLLGATE_LOG_LEVEL: 'warn',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    return { child, output: () => output, exited };
  }

  beforeAll(async () => {
    database = await createTestDatabase('service_cli');
    bus = await connectNatsBus({ url: NATS_TEST_URL, namespace, logger: createLogger({ serviceName: 'e2e', level: 'silent' }) });
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await bus?.deleteEventStream().catch(() => undefined);
    await bus?.close();
    await database?.drop();
  });

  it('runs the ledger over NATS and PostgreSQL, then exits 0 promptly on SIGTERM with everything closed', async () => {
    const ledger = start(['service', 'ledger']);
    await waitFor(() => /^ledger is running \(NATS .*, PostgreSQL\)/m.test(ledger.output()) || ledger.child.exitCode !== null, {
      timeoutMs: 60_000,
      intervalMs: 50,
      what: 'the ledger service to print its readiness line',
    });
    expect(ledger.child.exitCode).toBeNull();
    // It is really serving: a request over NATS is answered (its consumers and pg pool are in use).
    await waitFor(() => bus.request(commandSubjects.ledger.positions, {}, { timeoutMs: 1_000 }).then(Boolean, () => false), {
      timeoutMs: 30_000,
      intervalMs: 200,
      what: 'the ledger to answer over NATS',
    });

    const signalledAt = Date.now();
    ledger.child.kill('SIGTERM');
    const exit = await Promise.race([ledger.exited, new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), PROMPT_EXIT_MS))]);
    const tookMs = Date.now() - signalledAt;

    expect(exit).toEqual({ code: 0, signal: null });
    expect(tookMs).toBeLessThan(PROMPT_EXIT_MS);
    // Closed, not abandoned: the grace did not run out.
    expect(ledger.output()).not.toMatch(/did not close within/);
    // Its pg connections went with it: nothing is left on its database.
    const connections = await waitFor(async () => {
      const client = new Client({ connectionString: database.url });
      await client.connect();
      try {
        const { rows } = await client.query<{ count: string }>('SELECT count(*) AS count FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
        return rows[0]!.count === '0' ? rows[0]!.count : undefined;
      } finally {
        await client.end();
      }
    }, { timeoutMs: 5_000, intervalMs: 100, what: "the ledger's pg connections to be gone" });
    expect(connections).toBe('0');
  }, 120_000);

  it('refuses to start the simulated exchange outside SIMULATED mode, with a one-line reason', async () => {
    const exchange = start(['service', 'simulated-exchange'], { TOLLGATE_MODE: 'SANDBOX_PAPER' });
    const exit = await exchange.exited;
    expect(exit.code).not.toBe(0);
    const lines = exchange.output().trim().split('\n');
    expect(lines).toEqual(['tollgate: service simulated-exchange runs only in SIMULATED mode, and TOLLGATE_MODE is SANDBOX_PAPER']);
  }, 60_000);
});
