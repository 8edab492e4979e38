import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BrokerSandboxStarted } from './broker-sandbox.command';

const root = resolve(__dirname, '../../../..');
let directory: string;

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'tollgate-broker-sandbox-'));
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** Starts `tollgate broker-sandbox --json` and resolves with the one JSON document it prints. */
function start(...args: string[]): Promise<{ child: ChildProcessWithoutNullStreams; started: BrokerSandboxStarted }> {
  const child = spawn(process.execPath, [join(root, 'bin/tollgate.js'), 'broker-sandbox', '--json', '--port', '0', '--tick-ms', '0', ...args], { cwd: root });
  return new Promise((resolveStart, reject) => {
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('\n')) resolveStart({ child, started: JSON.parse(stdout.split('\n')[0]!) as BrokerSandboxStarted });
    });
    child.on('exit', (code) => reject(new Error(`broker-sandbox exited with ${code} before starting: ${stderr}`)));
  });
}

function stop(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolveStop) => {
    child.removeAllListeners('exit');
    child.on('exit', (code) => resolveStop(code));
    child.kill('SIGTERM');
  });
}

describe('tollgate broker-sandbox', () => {
  it('prints its base URL and credentials, answers Alpaca requests with them, and resumes its state after a restart', async () => {
    const dataDir = join(directory, 'state');
    const first = await start('--data-dir', dataDir, '--seed', '3');
    const headers = { 'APCA-API-KEY-ID': first.started.keyId, 'APCA-API-SECRET-KEY': first.started.secret, 'Content-Type': 'application/json' };
    expect(first.started.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(first.started.keyId).toMatch(/^PK/);
    const placed = await fetch(`${first.started.baseUrl}/v2/orders`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ symbol: 'SPY', qty: '2', side: 'buy', type: 'market', time_in_force: 'day', client_order_id: 'e2e-1' }),
    });
    expect(placed.status).toBe(200);
    expect((await fetch(`${first.started.baseUrl}/v2/account`)).status).toBe(401);
    expect(await stop(first.child)).toBe(0);

    const second = await start('--data-dir', dataDir, '--seed', '3');
    expect([second.started.keyId, second.started.secret]).toEqual([first.started.keyId, first.started.secret]);
    expect(second.started.restoredRecords).toBeGreaterThan(0);
    const found = await fetch(`${second.started.baseUrl}/v2/orders:by_client_order_id?client_order_id=e2e-1`, { headers });
    expect(((await found.json()) as { client_order_id: string }).client_order_id).toBe('e2e-1');
    expect(await stop(second.child)).toBe(0);
  }, 120_000);

  it('refuses bad options with a one-line reason and a non-zero exit', () => {
    const result = spawnSync(process.execPath, [join(root, 'bin/tollgate.js'), 'broker-sandbox', '--engine', 'nasdaq'], { cwd: root, encoding: 'utf8' });
    expect(result.status).not.toBe(0);
    expect(result.stderr.trim()).toBe('tollgate: --engine must be simulated-exchange or top-of-book, was "nasdaq"');
  }, 60_000);
});
