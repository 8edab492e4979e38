import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../../../..');
let directory: string;

function tollgate(...args: string[]) {
  const result = spawnSync(process.execPath, [join(root, 'bin/tollgate.js'), ...args], { cwd: root, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function file(name: string, lines: string[]): string {
  const path = join(directory, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'tollgate-ledger-'));
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('tollgate ledger', () => {
  // Hand-checked:
  //   AAPL: buy 100 @ 10, sell 60 @ 12 → realized 60 × 2 = 120; 40 left @ 10, marked 11 → unrealized 40; fees 2.
  //   TSLA: sell 10 @ 200 (opens a short), buy 15 @ 190 → realized 10 × 10 = 100, flips to 5 long @ 190;
  //         marked 180 → unrealized 5 × −10 = −50; fees 1.
  //   Totals: realized 220, unrealized −10, fees 3, net 207. The older AAPL mark (50) is ignored; the
  //   rows are out of time order on purpose.
  const fills = () =>
    file('fills.csv', [
      'timestamp,symbol,side,quantity,price,fee',
      '2026-01-05T16:00:00Z,AAPL,sell,60,12,1',
      '2026-01-05T15:00:00Z,AAPL,buy,100,10,1',
      '2026-01-06T15:00:00Z,TSLA,sell,10,200,0.5',
      '2026-01-06T16:00:00Z,TSLA,buy,15,190,0.5',
    ]);
  const marks = () =>
    file('marks.csv', ['timestamp,symbol,price', '2026-01-06T21:00:00Z,AAPL,11', '2026-01-06T21:00:00Z,TSLA,180', '2026-01-05T21:00:00Z,AAPL,50']);

  it('prints positions and P&L as one JSON document with decimal strings', () => {
    const run = tollgate('ledger', '--fills', fills(), '--marks', marks(), '--json');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      positions: [
        {
          symbol: 'AAPL',
          quantity: '40',
          averagePrice: '10',
          realizedPnl: '120',
          unrealizedPnl: '40',
          fees: '2',
          openLots: [{ quantity: '40', price: '10' }],
        },
        {
          symbol: 'TSLA',
          quantity: '5',
          averagePrice: '190',
          realizedPnl: '100',
          unrealizedPnl: '-50',
          fees: '1',
          openLots: [{ quantity: '5', price: '190' }],
        },
      ],
      totals: { realizedPnl: '220', unrealizedPnl: '-10', fees: '3', netPnl: '207' },
    });
  });

  it('prints a readable table by default', () => {
    const run = tollgate('ledger', '--fills', fills(), '--marks', marks());
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^SYMBOL\s+QUANTITY\s+AVG PRICE\s+REALIZED\s+UNREALIZED\s+FEES\s+OPEN LOTS$/m);
    expect(run.stdout).toMatch(/^TSLA\s+5\s+190\s+100\s+-50\s+1\s+5 @ 190$/m);
    expect(run.stdout).toContain('Net P&L 207');
  });

  it('refuses a bad row with its line number and prints no result', () => {
    const bad = file('bad.csv', ['timestamp,symbol,side,quantity,price,fee', '2026-01-05T15:00:00Z,AAPL,buy,100,10,1', '2026-01-05T16:00:00Z,AAPL,sell,sixty,12,1']);
    const run = tollgate('ledger', '--fills', bad, '--json');
    expect(run.status).not.toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('line 3');
    expect(run.stderr).toContain('quantity "sixty" is not a decimal number');
  });

  it('says which file could not be read', () => {
    const run = tollgate('ledger', '--fills', join(directory, 'missing.csv'));
    expect(run.status).not.toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('missing.csv could not be read');
  });
});
