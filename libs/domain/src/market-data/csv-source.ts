import { Readable, pipeline } from 'node:stream';
import { parse, CsvError } from 'csv-parse';
import { dec, isDecimalString, ValidationError, type Decimal } from '@tollgate/kernel';
import { isoTimestamp, symbol as symbolSchema } from '@tollgate/contracts';
import type { Bar, Quote } from './market-data.types';

/**
 * CSV text, or its chunks as a file stream yields them (`fs.createReadStream(path)` is an
 * `AsyncIterable<Buffer>`). Use `csvChunksFromLines` when what you have is lines without newlines.
 */
export type CsvInput = string | AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>;

export const BAR_CSV_COLUMNS = ['timestamp', 'symbol', 'open', 'high', 'low', 'close', 'volume'] as const;
export const QUOTE_CSV_COLUMNS = ['timestamp', 'symbol', 'bid', 'ask', 'bid_size', 'ask_size'] as const;

/** A row of a market-data CSV could not be read; `line` is 1-based, counting the header. */
export class CsvRowError extends ValidationError {
  override name = 'CsvRowError';
  constructor(readonly file: string, readonly line: number, issues: string[]) {
    super(`${file} line ${line}`, issues);
  }
}

export interface CsvSourceOptions {
  /** Names the input in errors, e.g. the file name. */
  source?: string;
}

/** Adapts lines (without their newline) to chunks the parser can read. */
export async function* csvChunksFromLines(lines: AsyncIterable<string> | Iterable<string>): AsyncGenerator<string> {
  for await (const line of lines) yield `${line}\n`;
}

interface CsvRow {
  line: number;
  fields: Record<string, string>;
}

/**
 * Reads rows with csv-parse, checking the header names exactly the expected columns (any order).
 * Structural problems (wrong column count, unterminated quote) become `CsvRowError`s with the line.
 */
async function* csvRows(input: CsvInput, columns: readonly string[], source: string): AsyncGenerator<CsvRow> {
  const parser = parse({ info: true, bom: true, trim: true, skip_empty_lines: true });
  if (typeof input === 'string') {
    parser.end(input);
  } else {
    // pipeline destroys the parser with the source's error, which the loop below rethrows.
    pipeline(Readable.from(input as AsyncIterable<string | Uint8Array>, { objectMode: false }), parser, () => undefined);
  }
  let header: string[] | null = null;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (header === null) {
        header = record;
        checkHeader(header, columns, source, info.lines);
        continue;
      }
      const fields: Record<string, string> = {};
      header.forEach((name, index) => (fields[name] = record[index] ?? ''));
      yield { line: info.lines, fields };
    }
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines ?? 0;
      throw new CsvRowError(source, line, [error.message]);
    }
    throw error;
  }
  if (header === null) throw new CsvRowError(source, 1, [`header: expected ${columns.join(',')}, the input was empty`]);
}

function checkHeader(header: string[], columns: readonly string[], source: string, line: number): void {
  const missing = columns.filter((column) => !header.includes(column));
  const unexpected = header.filter((column) => !columns.includes(column));
  const duplicated = header.filter((column, index) => header.indexOf(column) !== index);
  const issues = [
    ...(missing.length ? [`header: missing column ${missing.join(', ')}`] : []),
    ...(unexpected.length ? [`header: unexpected column ${unexpected.join(', ')}`] : []),
    ...(duplicated.length ? [`header: duplicated column ${duplicated.join(', ')}`] : []),
  ];
  if (issues.length) throw new CsvRowError(source, line, [...issues, `expected ${columns.join(',')}`]);
}

/** Collects a row's field problems so one error names every bad field of the line. */
class RowReader {
  readonly issues: string[] = [];
  constructor(private readonly fields: Record<string, string>) {}

  timestamp(name: string): Date {
    const value = this.fields[name] ?? '';
    if (!isoTimestamp.safeParse(value).success) {
      this.issues.push(`${name}: must be an ISO-8601 timestamp with zone, got ${JSON.stringify(value)}`);
      return new Date(NaN);
    }
    return new Date(value);
  }

  symbol(name: string): string {
    const value = this.fields[name] ?? '';
    if (!symbolSchema.safeParse(value).success) this.issues.push(`${name}: must be an upper-case ticker like "AAPL", got ${JSON.stringify(value)}`);
    return value;
  }

  decimal(name: string): Decimal {
    const value = this.fields[name] ?? '';
    if (!isDecimalString(value)) {
      this.issues.push(`${name}: must be a decimal like "12.34", got ${JSON.stringify(value)}`);
      return dec('0');
    }
    return dec(value, name);
  }
}

function readRow<T>(row: CsvRow, source: string, read: (reader: RowReader) => T): T {
  const reader = new RowReader(row.fields);
  const value = read(reader);
  if (reader.issues.length) throw new CsvRowError(source, row.line, reader.issues);
  return value;
}

/**
 * Bars from `timestamp,symbol,open,high,low,close,volume` (timestamp = the bar's end, ISO-8601 with
 * zone). Rows are checked for form only — a timestamp, a ticker, decimals; whether the prices make
 * sense (positive, high ≥ low, no absurd jump) is the tick validator's call, so a bad tick in a file
 * is rejected and counted like one from a live feed rather than failing the whole file.
 */
export async function* parseBarsCsv(input: CsvInput, options: CsvSourceOptions = {}): AsyncGenerator<Bar> {
  const source = options.source ?? 'bars CSV';
  for await (const row of csvRows(input, BAR_CSV_COLUMNS, source)) {
    yield readRow(row, source, (reader) => ({
      timestamp: reader.timestamp('timestamp'),
      symbol: reader.symbol('symbol'),
      open: reader.decimal('open'),
      high: reader.decimal('high'),
      low: reader.decimal('low'),
      close: reader.decimal('close'),
      volume: reader.decimal('volume'),
    }));
  }
}

/** Quotes from `timestamp,symbol,bid,ask,bid_size,ask_size`; checked for form as for bars. */
export async function* parseQuotesCsv(input: CsvInput, options: CsvSourceOptions = {}): AsyncGenerator<Quote> {
  const source = options.source ?? 'quotes CSV';
  for await (const row of csvRows(input, QUOTE_CSV_COLUMNS, source)) {
    yield readRow(row, source, (reader) => ({
      timestamp: reader.timestamp('timestamp'),
      symbol: reader.symbol('symbol'),
      bid: reader.decimal('bid'),
      ask: reader.decimal('ask'),
      bidSize: reader.decimal('bid_size'),
      askSize: reader.decimal('ask_size'),
    }));
  }
}

/** Drains an async iterable into an array (for small files and tests). */
export async function collectAsync<T>(items: AsyncIterable<T>): Promise<T[]> {
  const result: T[] = [];
  for await (const item of items) result.push(item);
  return result;
}
