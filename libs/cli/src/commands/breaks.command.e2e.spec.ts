import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createSeededRandom } from '@tollgate/domain/structural-break';

const root = resolve(__dirname, '../../../..');
let directory: string;

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'tollgate-breaks-'));
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function tollgate(...args: string[]) {
  return spawnSync(process.execPath, [join(root, 'bin/tollgate.js'), ...args], { cwd: root, encoding: 'utf8' });
}

describe('tollgate breaks (process)', () => {
  it('tests many minute-bar columns in one process and prints one JSON document', () => {
    const random = createSeededRandom(4);
    const rows = ['timestamp,spy,qqq,iwm'];
    const start = Date.parse('2026-03-02T14:31:00.000Z');
    for (let index = 0; index < 5000; index += 1) {
      const shift = index >= 3000 ? 0.5 : 0;
      rows.push(`${new Date(start + index * 60_000).toISOString()},${random.normal().toFixed(5)},${(random.normal() + shift).toFixed(5)},${random.normal().toFixed(5)}`);
    }
    const file = join(directory, 'minutes.csv');
    writeFileSync(file, rows.join('\n'));
    const result = tollgate('breaks', '--input', file, '--column', 'spy', '--column', 'qqq', '--column', 'iwm', '--date-column', 'timestamp', '--json');
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout) as { series: Array<{ column: string; n: number; breaks: Array<{ index: number; date: string }> }> };
    expect(report.series.map((series) => [series.column, series.n])).toEqual([
      ['spy', 5000],
      ['qqq', 5000],
      ['iwm', 5000],
    ]);
    const qqqBreak = report.series[1]!.breaks.find((found) => Math.abs(found.index - 2999) <= 30);
    expect(qqqBreak?.date).toBe(new Date(start + qqqBreak!.index * 60_000).toISOString());
  });

  it('exits non-zero with a one-line reason for a missing column', () => {
    const file = join(directory, 'small.csv');
    writeFileSync(file, 'a\n1\n2\n');
    const result = tollgate('breaks', '--input', file, '--column', 'b');
    expect(result.status).not.toBe(0);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('column "b" was not found');
  });
});
