import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ValidationError } from '@tollgate/kernel';
import { ledgerFromFillsAndMarks, ledgerReport, parseFillsCsv, parseMarksCsv, unmarkedSymbols, type LedgerReport } from '@tollgate/domain/ledger';
import { CommandFailure, outputFor } from '../output';

interface LedgerOptions {
  fills: string;
  marks?: string;
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new CommandFailure(`${what} ${path} could not be read: ${(error as Error).message}`);
  }
}

function parsed<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof ValidationError) throw new CommandFailure(error.message);
    throw error;
  }
}

function renderTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ').trimEnd())
    .join('\n');
}

export function renderLedgerReport(report: LedgerReport, unmarked: readonly string[] = []): string {
  if (report.positions.length === 0) return 'No fills.';
  const rows = [['SYMBOL', 'QUANTITY', 'AVG PRICE', 'REALIZED', 'UNREALIZED', 'FEES', 'OPEN LOTS']];
  for (const position of report.positions) {
    const lots = position.openLots.map((lot) => `${lot.quantity} @ ${lot.price}`).join(', ');
    const unrealized = unmarked.includes(position.symbol) ? `${position.unrealizedPnl} (no mark)` : position.unrealizedPnl;
    rows.push([position.symbol, position.quantity, position.averagePrice, position.realizedPnl, unrealized, position.fees, lots || '-']);
  }
  const { totals } = report;
  rows.push(['TOTAL', '', '', totals.realizedPnl, totals.unrealizedPnl, totals.fees, '']);
  return `${renderTable(rows)}\n\nNet P&L ${totals.netPnl} = realized ${totals.realizedPnl} + unrealized ${totals.unrealizedPnl} − fees ${totals.fees}`;
}

export function register(program: Command): void {
  program
    .command('ledger')
    .description('compute positions and P&L (FIFO lots) from a fills file, marked to a marks file — for checking a broker statement')
    .requiredOption('--fills <file>', 'fills CSV with columns timestamp,symbol,side,quantity,price,fee (side buy or sell)')
    .option('--marks <file>', 'marks CSV with columns timestamp,symbol,price; the latest mark per symbol values open lots')
    .option('--json', 'print one JSON document: {"positions":[…],"totals":{…}}, every number a decimal string')
    .addHelpText(
      'after',
      '\nrealizedPnl is gross FIFO P&L on closed quantity, fees are the fees paid, netPnl = realizedPnl + unrealizedPnl − fees.\n' +
        'A sell beyond the long position opens a short. Open positions without a mark show unrealized P&L 0. See docs/ledger.md.\n',
    )
    .action((options: LedgerOptions, command: Command) => {
      const output = outputFor(command);
      // Everything is read and checked before anything is printed: a bad row means no result at all.
      const fills = parsed(() => parseFillsCsv(readText(options.fills, 'fills file'), options.fills));
      const marks = options.marks ? parsed(() => parseMarksCsv(readText(options.marks!, 'marks file'), options.marks)) : [];
      const state = ledgerFromFillsAndMarks(fills, marks);
      const report = ledgerReport(state);
      const unmarked = unmarkedSymbols(state);
      if (unmarked.length > 0) {
        process.stderr.write(`note: no mark for ${unmarked.join(', ')}; unrealized P&L for ${unmarked.length === 1 ? 'it' : 'them'} is shown as 0\n`);
      }
      output.result(report, (value) => renderLedgerReport(value, unmarked));
    });
}
