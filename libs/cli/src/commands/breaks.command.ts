import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ValidationError } from '@tollgate/kernel';
import {
  analyseMeanBreaks,
  MEAN_BREAK_METHODS,
  parseSeriesCsv,
  SeriesTooShortError,
  type MeanBreakMethod,
  type VarianceEstimator,
} from '@tollgate/domain/structural-break';
import { CommandFailure, outputFor } from '../output';

interface BreaksOptions {
  input: string;
  column: string[];
  dateColumn?: string;
  method: string;
  alpha: string;
  variance: string;
}

/** The JSON document `tollgate breaks --json` prints. */
export interface BreaksReport {
  series: Array<{
    column: string;
    n: number;
    tests: { olsCusum: { statistic: number | null; pValue: number }; supF: { statistic: number | null; pValue: number } };
    /** `index`: 0-based position of the last observation before the break. */
    breaks: Array<{ index: number; date: string | null; statistic: number | null; pValue: number }>;
  }>;
}

const VARIANCES: readonly VarianceEstimator[] = ['iid', 'hac'];

/** JSON has no Infinity: a perfect step's F statistic is reported as null. */
const finiteOrNull = (value: number): number | null => (Number.isFinite(value) ? value : null);

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function parseAlpha(text: string): number {
  const alpha = Number(text);
  if (!/^\d*\.?\d+$/.test(text) || !(alpha > 0 && alpha < 1)) throw new CommandFailure(`--alpha must be a number between 0 and 1, was ${JSON.stringify(text)}`);
  return alpha;
}

export function analyseBreaks(content: string, source: string, options: Omit<BreaksOptions, 'input'>): BreaksReport {
  if (!(MEAN_BREAK_METHODS as readonly string[]).includes(options.method)) {
    throw new CommandFailure(`--method must be one of ${MEAN_BREAK_METHODS.join(', ')}, was ${JSON.stringify(options.method)}`);
  }
  if (!(VARIANCES as readonly string[]).includes(options.variance)) {
    throw new CommandFailure(`--variance must be one of ${VARIANCES.join(', ')}, was ${JSON.stringify(options.variance)}`);
  }
  const alpha = parseAlpha(options.alpha);
  let table;
  try {
    table = parseSeriesCsv(content, source, options.column, options.dateColumn);
  } catch (error) {
    if (error instanceof ValidationError) throw new CommandFailure(error.message);
    throw error;
  }
  const series = options.column.map((column) => {
    const values = table.columns.get(column)!;
    let analysis;
    try {
      analysis = analyseMeanBreaks(values, { method: options.method as MeanBreakMethod, alpha, variance: options.variance as VarianceEstimator });
    } catch (error) {
      if (error instanceof SeriesTooShortError) throw new CommandFailure(`column ${JSON.stringify(column)} in ${source} was too short: ${error.message}`);
      throw error;
    }
    return {
      column,
      n: analysis.n,
      tests: {
        olsCusum: { statistic: finiteOrNull(analysis.tests.olsCusum.statistic), pValue: analysis.tests.olsCusum.pValue },
        supF: { statistic: finiteOrNull(analysis.tests.supF.statistic), pValue: analysis.tests.supF.pValue },
      },
      breaks: analysis.breaks.map((found) => ({
        index: found.index,
        date: table.dates === null ? null : table.dates[found.index]!,
        statistic: finiteOrNull(found.statistic),
        pValue: found.pValue,
      })),
    };
  });
  return { series };
}

const formatStatistic = (value: number | null): string => (value === null ? '∞' : value.toFixed(4));
const formatP = (value: number): string => (value === 0 ? '0' : value < 1e-4 ? value.toExponential(2) : value.toFixed(4));

export function renderBreaksReport(report: BreaksReport, method: string, alpha: string): string {
  return report.series
    .map((series) => {
      const lines = [
        `${series.column}  (n = ${series.n})`,
        `  OLS-CUSUM  statistic ${formatStatistic(series.tests.olsCusum.statistic)}  p ${formatP(series.tests.olsCusum.pValue)}`,
        `  sup-F      statistic ${formatStatistic(series.tests.supF.statistic)}  p ${formatP(series.tests.supF.pValue)}`,
      ];
      if (series.breaks.length === 0) {
        lines.push(`  no break at α = ${alpha} (${method})`);
      } else {
        lines.push(`  breaks at α = ${alpha} (${method}), after index:`);
        for (const found of series.breaks) {
          const date = found.date === null ? '' : ` (${found.date})`;
          lines.push(`    ${found.index}${date}  statistic ${formatStatistic(found.statistic)}  p ${formatP(found.pValue)}`);
        }
      }
      return lines.join('\n');
    })
    .join('\n\n');
}

export function register(program: Command): void {
  program
    .command('breaks')
    .description('test each named column of a CSV for breaks in its mean (OLS-CUSUM and Andrews sup-F) and date them')
    .requiredOption('--input <file>', 'CSV file with a header row')
    .requiredOption('--column <name>', 'a numeric column to test (repeat for several)', collect)
    .option('--date-column <name>', 'a column whose value labels each row (e.g. the date); reported with each break')
    .option('--method <name>', `test that decides and dates breaks: ${MEAN_BREAK_METHODS.join(' | ')}`, 'sup-f')
    .option('--alpha <level>', 'significance level for each split', '0.05')
    .option('--variance <kind>', 'iid: textbook statistics; hac: Bartlett long-run variance (autocorrelated series)', 'iid')
    .option('--json', 'print one JSON document: {"series":[{"column","n","tests":{…},"breaks":[…]}]}')
    .addHelpText(
      'after',
      '\nBoth tests use a model with a constant mean. sup-F trims 15 % at each end; p-values are asymptotic\n' +
        '(Kolmogorov series for OLS-CUSUM, a Hansen-style response surface for sup-F). Several breaks are found by\n' +
        'binary segmentation. A break index is the 0-based position of the last observation before the break.\n' +
        'See docs/structural-breaks.md.\n',
    )
    .action((options: BreaksOptions, command: Command) => {
      const output = outputFor(command);
      let content: string;
      try {
        content = readFileSync(options.input, 'utf8');
      } catch (error) {
        throw new CommandFailure(`input file ${options.input} could not be read: ${(error as Error).message}`);
      }
      const report = analyseBreaks(content, options.input, options);
      output.result(report, (value) => renderBreaksReport(value, options.method, options.alpha));
    });
}
