import { parse } from 'csv-parse/sync';
import { dec, isDecimalString, ValidationError } from '@tollgate/kernel';
import { isoTimestamp, TICKER_PATTERN } from '@tollgate/contracts';
import type { LedgerFill, LedgerMark } from './ledger';

/**
 * Fills and marks files for `tollgate ledger`:
 *   fills: `timestamp,symbol,side,quantity,price,fee` (side `buy` or `sell`)
 *   marks: `timestamp,symbol,price`
 * A header row naming the columns is expected (any order, extra columns ignored); a file whose
 * first row is data is read in the documented column order. Every bad row is reported with its
 * line number, and one bad row refuses the whole file.
 */
export const FILL_COLUMNS = ['timestamp', 'symbol', 'side', 'quantity', 'price', 'fee'] as const;
export const MARK_COLUMNS = ['timestamp', 'symbol', 'price'] as const;

/** At most this many bad rows are listed; the count says how many there were. */
const MAX_REPORTED_ISSUES = 10;
const DATE_ONLY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

type Row<Columns extends readonly string[]> = { line: number; values: Record<Columns[number], string> };

function readRows<Columns extends readonly string[]>(text: string, columns: Columns, source: string): Row<Columns>[] {
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    // With `info`, csv-parse returns { record, info } per row; its types do not model that option.
    records = parse(text, { info: true, skip_empty_lines: true, trim: true, relax_column_count: true, bom: true }) as unknown as typeof records;
  } catch (error) {
    const line = (error as { lines?: number }).lines;
    throw new ValidationError(source, [`${line ? `line ${line}: ` : ''}${(error as Error).message}`]);
  }
  const first = records[0];
  if (!first) return [];
  const header = first.record.map((cell) => cell.toLowerCase());
  let positions: number[];
  let dataRecords = records;
  if (columns.every((column) => header.includes(column))) {
    positions = columns.map((column) => header.indexOf(column));
    dataRecords = records.slice(1);
  } else if (first.record.length === columns.length && isTimestamp(first.record[0] ?? '')) {
    positions = columns.map((_, index) => index);
  } else {
    throw new ValidationError(source, [`line ${first.info.lines}: the header must name the columns ${columns.join(',')}`]);
  }
  const width = dataRecords === records ? columns.length : header.length;
  const issues: string[] = [];
  const rows: Row<Columns>[] = [];
  for (const { record, info } of dataRecords) {
    if (record.length !== width) {
      issues.push(`line ${info.lines}: expected ${width} columns, found ${record.length}`);
      continue;
    }
    const values = Object.fromEntries(columns.map((column, index) => [column, record[positions[index]!] ?? ''])) as Record<Columns[number], string>;
    rows.push({ line: info.lines, values });
  }
  if (issues.length > 0) throw invalid(source, issues);
  return rows;
}

function invalid(source: string, issues: string[]): ValidationError {
  const shown = issues.slice(0, MAX_REPORTED_ISSUES);
  if (issues.length > shown.length) shown.push(`and ${issues.length - shown.length} more bad rows`);
  return new ValidationError(source, shown);
}

function isTimestamp(value: string): boolean {
  if (DATE_ONLY_PATTERN.test(value)) return !Number.isNaN(Date.parse(value));
  return isoTimestamp.safeParse(value).success;
}

function checkTimestamp(value: string, problems: string[]): void {
  if (!isTimestamp(value)) problems.push(`timestamp ${JSON.stringify(value)} is not an ISO-8601 timestamp with zone (or a date)`);
}

function checkSymbol(value: string, problems: string[]): string {
  const symbol = value.toUpperCase();
  if (!TICKER_PATTERN.test(symbol)) problems.push(`symbol ${JSON.stringify(value)} is not a ticker`);
  return symbol;
}

function checkDecimal(field: string, value: string, problems: string[], rule: 'positive' | 'non-negative'): void {
  if (!isDecimalString(value)) {
    problems.push(`${field} ${JSON.stringify(value)} is not a decimal number`);
    return;
  }
  const number = dec(value, field);
  if (rule === 'positive' && !number.gt(0)) problems.push(`${field} ${value} must be positive`);
  if (rule === 'non-negative' && number.isNegative() && !number.isZero()) problems.push(`${field} ${value} must not be negative`);
}

/** Parses a fills file; throws ValidationError naming every bad line. */
export function parseFillsCsv(text: string, source = 'fills file'): LedgerFill[] {
  const issues: string[] = [];
  const fills: LedgerFill[] = [];
  for (const { line, values } of readRows(text, FILL_COLUMNS, source)) {
    const problems: string[] = [];
    checkTimestamp(values.timestamp, problems);
    const symbol = checkSymbol(values.symbol, problems);
    const side = values.side.toLowerCase();
    if (side !== 'buy' && side !== 'sell') problems.push(`side ${JSON.stringify(values.side)} must be buy or sell`);
    checkDecimal('quantity', values.quantity, problems, 'positive');
    checkDecimal('price', values.price, problems, 'positive');
    checkDecimal('fee', values.fee, problems, 'non-negative');
    if (problems.length > 0) {
      issues.push(`line ${line}: ${problems.join(', ')}`);
      continue;
    }
    fills.push({
      symbol,
      side: side as 'buy' | 'sell',
      quantity: dec(values.quantity),
      price: dec(values.price),
      fee: dec(values.fee),
      at: values.timestamp,
      fillId: `${source}:${line}`,
    });
  }
  if (issues.length > 0) throw invalid(source, issues);
  return fills;
}

/** Parses a marks file; throws ValidationError naming every bad line. */
export function parseMarksCsv(text: string, source = 'marks file'): LedgerMark[] {
  const issues: string[] = [];
  const marks: LedgerMark[] = [];
  for (const { line, values } of readRows(text, MARK_COLUMNS, source)) {
    const problems: string[] = [];
    checkTimestamp(values.timestamp, problems);
    const symbol = checkSymbol(values.symbol, problems);
    checkDecimal('price', values.price, problems, 'positive');
    if (problems.length > 0) {
      issues.push(`line ${line}: ${problems.join(', ')}`);
      continue;
    }
    marks.push({ symbol, price: dec(values.price), at: values.timestamp });
  }
  if (issues.length > 0) throw invalid(source, issues);
  return marks;
}
