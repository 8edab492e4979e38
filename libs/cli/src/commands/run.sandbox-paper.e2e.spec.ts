import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort, waitFor } from '@tollgate/testing';

const root = resolve(__dirname, '../../../..');

function jsonLines(child: ChildProcess, name: string): Array<Record<string, unknown>> {
  const lines: Array<Record<string, unknown>> = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      process.stdout.write(`${name}: ${line}\n`);
    }
  });
  return lines;
}

function tollgate(args: string[], env: NodeJS.ProcessEnv): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [join(root, 'bin/tollgate.js'), ...args], { cwd: root, env, encoding: 'utf8' });
}

interface SandboxStarted {
  baseUrl: string;
  keyId: string;
  secret: string;
}

/**
 * SANDBOX_PAPER as a person runs it on a laptop (issue 6): `tollgate broker-sandbox` in one process,
 * `tollgate run --mode sandbox-paper` in another (every service, embedded store and bus, the broker's
 * market data), a manual order from a third. Trading waits for the start-up sync and reconciliation; the
 * order then reaches the sandbox, fills there, and our ledger equals the sandbox's own positions, with a
 * reconciliation that passes.
 */
describe('tollgate run --mode sandbox-paper against the broker sandbox', () => {
  let directory: string;
  const children: ChildProcess[] = [];

  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'tollgate-paper-'));
  });

  afterAll(async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await Promise.race([once(child, 'exit'), new Promise((resolveTimer) => setTimeout(resolveTimer, 10_000))]);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
    }
    rmSync(directory, { recursive: true, force: true });
  });

  it('waits for reconciliation, then trades a manual order the sandbox fills, and the books agree', async () => {
    const sandboxProcess = spawn(process.execPath, [join(root, 'bin/tollgate.js'), 'broker-sandbox', '--json', '--port', '0', '--tick-ms', '200', '--data-dir', join(directory, 'sandbox')], {
      cwd: root,
      env: { ...process.env, TOLLGATE_LOG_LEVEL: 'error' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(sandboxProcess);
    const sandboxLines = jsonLines(sandboxProcess, 'sandbox');
    const sandbox = (await waitFor(() => sandboxLines.find((line) => typeof line.baseUrl === 'string'), { timeoutMs: 60_000, what: 'the broker sandbox to start' })) as unknown as SandboxStarted;

    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TOLLGATE_HTTP_PORT: String(port),
      NATS_URL: '',
      DATABASE_URL: '',
      TOLLGATE_LOG_LEVEL: 'error',
      TOLLGATE_SYMBOLS: 'AAPL,MSFT',
      APCA_API_BASE_URL: sandbox.baseUrl,
      APCA_API_KEY_ID: sandbox.keyId,
      APCA_API_SECRET_KEY: sandbox.secret,
    };
    const run = spawn(process.execPath, [join(root, 'bin/tollgate.js'), 'run', '--mode', 'sandbox-paper', '--data-dir', join(directory, 'store'), '--status-every', '1', '--json'], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(run);
    const lines = jsonLines(run, 'run');
    const started = await waitFor(() => lines.find((line) => line.kind === 'started'), { timeoutMs: 90_000, what: 'tollgate run to start' });
    expect(started).toMatchObject({ mode: 'SANDBOX_PAPER', dryRun: false });
    expect(started.services).not.toContain('simulated-exchange');

    // Until the start-up sync and reconciliation have passed, the account is HALTED by readiness; then not.
    const readiness = await waitFor(
      () => {
        const result = tollgate(['state', '--json'], env);
        if (result.status !== 0) return undefined;
        const view = JSON.parse(result.stdout) as { readiness?: { ready: boolean | null }; tradingStates: Array<{ scope: string; status: string }> };
        const halted = view.tradingStates.some((item) => item.scope === 'account:default' && item.status !== 'ACTIVE');
        return view.readiness?.ready === true && !halted ? view.readiness : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 1_000, what: 'the account to be ready once the start-up sync and reconciliation passed' },
    );
    expect(readiness.ready).toBe(true);

    const placed = tollgate(['order', 'place', '--symbol', 'AAPL', '--side', 'buy', '--quantity', '5', '--json'], env);
    expect(placed.stderr).toBe('');
    const order = JSON.parse(placed.stdout) as { orderId: string; status: string };
    expect(order.status).not.toBe('Denied');

    const position = await waitFor(
      async () => {
        const response = await fetch(`http://127.0.0.1:${port}/api/positions`);
        if (!response.ok) return undefined;
        const positions = (await response.json()) as { positions: Array<{ symbol: string; quantity: string }> };
        return positions.positions.find((item) => item.symbol === 'AAPL' && item.quantity === '5');
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'the ledger to hold the filled AAPL position' },
    );
    expect(position).toBeDefined();

    // The sandbox's own books, through its Alpaca API: the same position.
    const response = await fetch(`${sandbox.baseUrl}/v2/positions`, { headers: { 'APCA-API-KEY-ID': sandbox.keyId, 'APCA-API-SECRET-KEY': sandbox.secret } });
    const brokerPositions = (await response.json()) as Array<{ symbol: string; qty: string }>;
    expect(brokerPositions).toEqual([expect.objectContaining({ symbol: 'AAPL', qty: '5' })]);

    // Reconciliation of the running system passes, and exits 0.
    const reconciled = tollgate(['reconcile', '--json'], env);
    expect(reconciled.status).toBe(0);
    expect(JSON.parse(reconciled.stdout)).toMatchObject({ passed: true, breaks: [] });
  }, 300_000);
});
