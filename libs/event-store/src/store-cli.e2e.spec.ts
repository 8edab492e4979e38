import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from './contract.fixtures';

const run = promisify(execFile);
// Each CLI call starts a Node process and opens the store.
jest.setTimeout(180_000);
const ROOT = resolve(__dirname, '../../..');
const CLI = join(ROOT, 'bin/tollgate.js');

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function tollgate(args: string[], env: Record<string, string>): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run('node', [CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('tollgate store (CLI, PostgreSQL via DATABASE_URL)', () => {
  let primary: TestDatabase;
  let restored: TestDatabase;
  let refusedTarget: TestDatabase;
  let directory: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    primary = await createTestDatabase('store_cli');
    restored = await createTestDatabase('store_cli_restore');
    refusedTarget = await createTestDatabase('store_cli_refused');
    directory = mkdtempSync(join(tmpdir(), 'tollgate-store-cli-'));
    env = { DATABASE_URL: primary.url };
  }, 60_000);

  afterAll(async () => {
    await primary?.drop();
    await restored?.drop();
    await refusedTarget?.drop();
    rmSync(directory, { recursive: true, force: true });
  }, 60_000);

  it('prints help for the group and each command', async () => {
    const help = await tollgate(['store', '--help'], env);
    expect(help.code).toBe(0);
    for (const command of ['append', 'read', 'verify', 'export', 'import']) expect(help.stdout).toContain(command);
    const appendHelp = await tollgate(['store', 'append', '--help'], env);
    expect(appendHelp.stdout).toContain('--expected-version');
  });

  it('appends, reads one event per line, verifies, exports and imports', async () => {
    const note = ['--type', 'OperatorNote', '--data', '{"text":"checked with the broker"}', '--occurred-at', '2026-01-02T15:00:00.000Z'];
    const first = await tollgate(['store', 'append', '--stream', 'order-42', ...note, '--expected-version', 'no-stream', '--json'], env);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ streamId: 'order-42', firstVersion: 1, deduplicated: false });
    const id = (JSON.parse(first.stdout) as { id: string }).id;

    const retry = await tollgate(['store', 'append', '--stream', 'order-42', ...note, '--id', id, '--json'], env);
    expect(JSON.parse(retry.stdout)).toMatchObject({ deduplicated: true, firstVersion: 1 });
    await tollgate(['store', 'append', '--stream', 'note-1', '--type', 'OperatorNote', '--data', '{"text":"elsewhere"}'], env);

    const conflict = await tollgate(['store', 'append', '--stream', 'order-42', '--type', 'OperatorNote', '--data', '{"text":"late"}', '--expected-version', '0'], env);
    expect(conflict.code).not.toBe(0);
    expect(conflict.stderr).toMatch(/order-42: expected version 0, but it is at version 1/);

    const bad = await tollgate(['store', 'append', '--stream', 'order-42', '--type', 'OperatorNote', '--data', '{"txt":"typo"}'], env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/events\[0\]\.data/);

    const all = await tollgate(['store', 'read', '--all', '--json'], env);
    const lines = all.stdout.trim().split('\n').map((line) => JSON.parse(line) as { position: number; streamId: string });
    expect(lines.map((line) => line.position)).toEqual([1, 2]);
    const fromTwo = await tollgate(['store', 'read', '--all', '--from', '2'], env);
    expect(fromTwo.stdout.trim().split('\n')).toHaveLength(1);
    expect(fromTwo.stdout).toMatch(/^2\tnote-1@1\tOperatorNote\t/);
    const stream = await tollgate(['store', 'read', '--stream', 'order-42'], env);
    expect(stream.stdout.trim().split('\n')).toHaveLength(1);

    const verified = await tollgate(['store', 'verify'], env);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/verified 2 events/);

    const file = join(directory, 'backup.jsonl');
    expect((await tollgate(['store', 'export', '--out', file], env)).code).toBe(0);
    const imported = await tollgate(['store', 'import', '--in', file], { DATABASE_URL: restored.url });
    expect(imported.code).toBe(0);
    const again = join(directory, 'again.jsonl');
    await tollgate(['store', 'export', '--out', again], { DATABASE_URL: restored.url });
    expect(readFileSync(again)).toEqual(readFileSync(file));
    expect((await tollgate(['store', 'verify'], { DATABASE_URL: restored.url })).code).toBe(0);

    const corrupted = join(directory, 'corrupted.jsonl');
    writeFileSync(corrupted, readFileSync(file, 'utf8').replace('checked with the broker', 'checked with nobody'));
    const refused = await tollgate(['store', 'import', '--in', corrupted], { DATABASE_URL: refusedTarget.url });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/line 2: /);
  });

  it('exits non-zero naming the first bad position after tampering behind the store', async () => {
    const superuser = new Client({ connectionString: primary.url });
    await superuser.connect();
    try {
      await superuser.query('ALTER TABLE event_store.events DISABLE TRIGGER events_append_only');
      await superuser.query(`UPDATE event_store.events SET data = '{"text":"forged"}' WHERE stream_id = 'note-1'`);
      await superuser.query('ALTER TABLE event_store.events ENABLE TRIGGER events_append_only');
    } finally {
      await superuser.end();
    }
    const result = await tollgate(['store', 'verify'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/position 2: edited/);
    const json = await tollgate(['store', 'verify', '--json'], env);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, position: 2, problem: 'edited' });
  });
});
