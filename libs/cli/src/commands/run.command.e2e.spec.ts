import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
// Test code uses the shared test helpers (CONTRIBUTING-helpers.md); the platform tag rule targets runtime code.
 
import { freePort, waitFor } from '@tollgate/testing';

const root = resolve(__dirname, '../../../..');

/**
 * `tollgate run` and `tollgate order`, as a person uses them: one process runs everything on the embedded
 * store; a second one places a manual order through the local gateway; the run stops once the ledger has
 * the fill and prints its summary.
 */
describe('tollgate run with a manual order from a second process', () => {
  let directory: string;
  let run: ChildProcess | undefined;

  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'tollgate-run-'));
  });

  afterAll(async () => {
    if (run && run.exitCode === null && run.signalCode === null) {
      run.kill('SIGTERM');
      await once(run, 'exit');
    }
    rmSync(directory, { recursive: true, force: true });
  });

  it('trades a manual order to a ledger position and stops with a summary', async () => {
    const port = await freePort();
    const env = { ...process.env, TOLLGATE_HTTP_PORT: String(port), TOLLGATE_RISK_SERVICE: 'absent', NATS_URL: '', DATABASE_URL: '', TOLLGATE_LOG_LEVEL: 'error' };
    run = spawn(process.execPath, [join(root, 'bin/tollgate.js'), 'run', '--data-dir', directory, '--speed', '3000', '--until-fills', '1', '--status-every', '1', '--json'], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines: Array<Record<string, unknown>> = [];
    createInterface({ input: run.stdout! }).on('line', (line) => {
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        process.stdout.write(`run: ${line}\n`);
      }
    });
    const exited = once(run, 'exit');
    const started = await waitFor(() => lines.find((line) => line.kind === 'started'), { timeoutMs: 90_000, what: 'tollgate run to start' });
    expect(started).toMatchObject({ mode: 'SIMULATED', dryRun: false, dashboard: `http://127.0.0.1:${port}` });

    const placed = await waitFor(
      () => {
        const result = spawnSync(process.execPath, [join(root, 'bin/tollgate.js'), 'order', 'place', '--symbol', 'AAPL', '--side', 'buy', '--quantity', '5', '--json'], {
          cwd: root,
          env,
          encoding: 'utf8',
        });
        // Execution refuses orders until its start-up recovery has passed; ask again until it has.
        return result.status === 0 ? (JSON.parse(result.stdout) as { orderId: string; status: string }) : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'the order to be accepted by the running system' },
    );
    expect(placed.status).not.toBe('Denied');

    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
    const summary = lines.find((line) => line.kind === 'summary') as { reason: string; positions: Array<{ symbol: string; quantity: string }> } | undefined;
    expect(summary?.reason).toMatch(/recorded 1 new fills/);
    expect(summary?.positions).toEqual([expect.objectContaining({ symbol: 'AAPL', quantity: '5' })]);

    // The data directory holds the run: a listing from a fresh process sees nothing running now.
    const list = spawnSync(process.execPath, [join(root, 'bin/tollgate.js'), 'order', 'list'], { cwd: root, env, encoding: 'utf8' });
    expect(list.status).not.toBe(0);
    expect(list.stderr).toMatch(/nothing answered at http:\/\/127\.0\.0\.1:/);
  }, 180_000);
});
