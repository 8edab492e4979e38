import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectNatsBus } from '@tollgate/messaging';
import { createTestDatabase, NATS_TEST_URL, waitFor, type TestDatabase } from '@tollgate/testing';

/**
 * `tollgate reconcile` as a process against the broker sandbox and the reconciliation service (both
 * processes of their own, NATS in a namespace of its own, PostgreSQL): the report, its exit status, the
 * standalone path, an operator's adoption of the broker's truth, and a broker that does not answer.
 */
const ROOT = join(__dirname, '../../../..');
const namespace = `reconcile_${randomBytes(5).toString('hex')}`;
let database: TestDatabase;
let workDir: string;
const children: ChildProcess[] = [];
let sandbox: { baseUrl: string; keyId: string; secret: string };
let env: NodeJS.ProcessEnv;

function start(args: string[], extraEnv: NodeJS.ProcessEnv, ready: RegExp): Promise<string> {
  const child = spawn(process.execPath, [join(ROOT, 'bin/tollgate.js'), ...args], { cwd: ROOT, env: { ...process.env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let output = '';
    const watch = (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((item) => ready.test(item));
      if (line) resolve(line);
    };
    child.stdout!.on('data', watch);
    child.stderr!.on('data', watch);
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}: ${output}`)));
  });
}

function tollgate(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/tollgate.js'), ...args], { cwd: ROOT, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

async function admin(method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${sandbox.baseUrl}${path}`, {
    method,
    headers: { 'APCA-API-KEY-ID': sandbox.keyId, 'APCA-API-SECRET-KEY': sandbox.secret, 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${path} answered ${response.status}`);
  return response.status === 204 ? null : response.json();
}

beforeAll(async () => {
  database = await createTestDatabase('reconcile_cli');
  workDir = mkdtempSync(join(tmpdir(), 'tollgate-reconcile-cli-'));
  const line = await start(['broker-sandbox', '--json', '--port', '0', '--tick-ms', '0', '--rate-limit', '100000', '--data-dir', join(workDir, 'sandbox')], {}, /^\{"baseUrl"/);
  sandbox = JSON.parse(line) as typeof sandbox;
  await admin('POST', '/admin/quotes', { symbol: 'AAPL', bid: '99.99', ask: '100.01' });
  env = {
    ...process.env,
    NATS_URL: NATS_TEST_URL,
    TOLLGATE_NATS_NAMESPACE: namespace,
    DATABASE_URL: database.url,
    TOLLGATE_MODE: 'SANDBOX_PAPER',
    TOLLGATE_ACCOUNT_ID: 'cli',
    APCA_API_BASE_URL: sandbox.baseUrl,
    APCA_API_KEY_ID: sandbox.keyId,
    APCA_API_SECRET_KEY: sandbox.secret,
    TOLLGATE_LOG_LEVEL: 'warn',
  };
  await start(['service', 'reconciliation'], env, /reconciliation is running/);
  // Trading-ready means the start-up sync and reconciliation have passed.
  await waitFor(
    async () => {
      const status = await tollgate(['reconcile', 'status', '--json']);
      return status.code === 0 && (JSON.parse(status.stdout) as { readiness: { ready: boolean } }).readiness.ready;
    },
    { timeoutMs: 60_000, intervalMs: 500, what: 'the reconciliation service to be ready' },
  );
}, 120_000);

afterAll(async () => {
  for (const child of children.reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    // A service that has not exited 5 s after SIGTERM is killed.
    if (!(await Promise.race([exited.then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), 5_000))]))) {
      child.kill('SIGKILL');
      await exited;
    }
  }
  const bus = await connectNatsBus({ url: NATS_TEST_URL, namespace });
  await bus.deleteEventStream();
  await bus.close();
  await database?.drop();
  rmSync(workDir, { recursive: true, force: true });
}, 60_000);

it('prints the report, exits 1 while a break is open, runs standalone too, adopts on request, and says when the broker cannot be read', async () => {
  const clean = await tollgate(['reconcile', '--json']);
  expect(clean.code).toBe(0);
  const report = JSON.parse(clean.stdout) as Record<string, unknown>;
  expect(Object.keys(report).sort()).toEqual(['breaks', 'checkedAt', 'passed']);
  expect(report).toMatchObject({ passed: true, breaks: [] });

  // Bought by hand at the broker: Tollgate never sent it.
  await admin('POST', '/admin/orders', { symbol: 'AAPL', qty: '2', side: 'buy', client_order_id: 'by-hand' });
  const broken = await tollgate(['reconcile', '--json']);
  expect(broken.code).toBe(1);
  const breaks = (JSON.parse(broken.stdout) as { passed: boolean; breaks: Array<Record<string, unknown>> }).breaks;
  expect(breaks).toEqual(
    expect.arrayContaining([
      { class: 'quantity_mismatch', symbol: 'AAPL', ours: '0', broker: '2', policy: 'halt' },
      expect.objectContaining({ class: 'unknown_order', symbol: 'AAPL', ours: null, policy: 'quarantine' }),
      expect.objectContaining({ class: 'cash_mismatch', symbol: null, policy: 'alert' }),
    ]),
  );
  const text = await tollgate(['reconcile']);
  expect(text.code).toBe(1);
  expect(text.stdout).toContain('quantity_mismatch');

  const status = JSON.parse((await tollgate(['reconcile', 'status', '--json'])).stdout) as { readiness: { ready: boolean; reasons: string[] }; openBreaks: unknown[] };
  expect(status.readiness).toEqual({ ready: false, reasons: ['a reconciliation break with policy halt is open'] });
  expect(status.openBreaks.length).toBeGreaterThan(0);

  // The same, without the running system: the store and the broker directly. The filled foreign order is behind
  // the fill cursor now (it was quarantined once, by the run above); the differences it left are still there.
  const standalone = await tollgate(['reconcile', '--standalone', '--mode', 'sandbox-paper', '--json']);
  expect(standalone.code).toBe(1);
  expect((JSON.parse(standalone.stdout) as { breaks: unknown[] }).breaks).toEqual([
    expect.objectContaining({ class: 'cash_mismatch', symbol: null, policy: 'alert' }),
    { class: 'quantity_mismatch', symbol: 'AAPL', ours: '0', broker: '2', policy: 'halt' },
  ]);

  // An operator takes the broker's position and cash, with a reason: explicit adjustments, and the book agrees again.
  const adopted = await tollgate(['reconcile', '--adopt', 'quantity_mismatch', 'cash_mismatch', '--reason', 'bought by hand at the broker', '--json']);
  expect(adopted.code).toBe(0);
  expect(JSON.parse(adopted.stdout)).toMatchObject({ passed: true, breaks: [] });
  expect((await tollgate(['reconcile', '--adopt', 'quantity_mismatch'])).stderr).toContain('needs --reason');

  // A broker that does not answer: nothing compared, exit 2, the reason said.
  await admin('POST', '/admin/faults', { path: '/v2/positions', action: 'status', status: 500, count: -1 });
  const unknown = await tollgate(['reconcile', '--json']);
  await admin('DELETE', '/admin/faults');
  expect(unknown.code).toBe(2);
  expect(JSON.parse(unknown.stdout)).toMatchObject({ passed: false, reason: expect.stringContaining('broker state was unknown') });
}, 150_000);
