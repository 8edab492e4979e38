import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { meetsTarget, ratio, type BenchFigure, type BenchSuite } from './harness';

/**
 * `npm run bench [-- --quick] [-- --only NAME] [-- --json]`: runs every `bench/*.bench.ts` suite and
 * prints each figure with its same-run baseline and ratio.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help')) {
    process.stdout.write('usage: npm run bench -- [--quick] [--only SUITE] [--json]\n');
    return;
  }
  const quick = args.includes('--quick');
  const json = args.includes('--json');
  const onlyIndex = args.indexOf('--only');
  const only = onlyIndex >= 0 ? args[onlyIndex + 1] : undefined;
  const files = readdirSync(__dirname).filter((file) => file.endsWith('.bench.ts')).sort();
  const report: Array<{ suite: string; figures: Array<BenchFigure & { ratio?: number; met?: boolean }> }> = [];
  for (const file of files) {
    const suite = (await import(join(__dirname, file))).suite as BenchSuite;
    if (only && suite.name !== only) continue;
    process.stderr.write(`\n== ${suite.name}\n`);
    const figures = await suite.run({ quick, progress: (message) => process.stderr.write(`   … ${message}\n`) });
    const rows = figures.map((figure) => ({ ...figure, ratio: ratio(figure), met: meetsTarget(figure) }));
    report.push({ suite: suite.name, figures: rows });
    if (!json) {
      for (const row of rows) {
        const base = row.baseline ? `  vs ${row.baseline.name} ${format(row.baseline.value)} ${row.unit}  ratio ${row.ratio?.toFixed(2)}` : '';
        const verdict = row.met === undefined ? '' : row.met ? '  [target met]' : '  [TARGET MISSED]';
        process.stdout.write(`${row.name}: ${format(row.value)} ${row.unit}${base}${verdict}\n`);
      }
    }
  }
  if (json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

function format(value: number): string {
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(3);
}

main().catch((error) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
