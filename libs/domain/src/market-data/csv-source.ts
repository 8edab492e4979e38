import { Parser } from 'papaparse';
import { z } from 'zod';
import { TICKER_PATTERN } from '@tollgate/contracts';
import { dec, isDecimalString, ValidationError, type DecimalString } from '@tollgate/kernel';
import type { Bar, Quote } from './market-data.types';
import type { QuoteText } from './tick-validator';

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

/**
 * A quote row checked for form, as written: decimals are decimal strings (`isDecimalString`), the
 * timestamp a valid instant. `line` is where the row starts (1-based, counting the header).
 * It is a `RawQuote`, so the tick validator takes it as it is.
 */
export interface QuoteRow extends QuoteText {
  line: number;
}

/** A bar row checked for form, as written (see `QuoteRow`). */
export interface BarRow {
  line: number;
  timestamp: Date;
  symbol: string;
  open: DecimalString;
  high: DecimalString;
  low: DecimalString;
  close: DecimalString;
  volume: DecimalString;
}

/*
 * The row checks are precompiled tests rather than a zod parse per field: a market-data CSV has
 * millions of rows and zod's per-call machinery cost more than the rest of the row. They accept
 * exactly what the boundary schemas (`isoTimestamp`, `symbol` in @tollgate/contracts) accept —
 * the timestamp pattern is zod's own, and csv-source.spec.ts checks both against the schemas.
 */
const ISO_TIMESTAMP_WITH_ZONE = z.core.regexes.datetime({ offset: true, local: false, precision: null });

export function isCsvTimestamp(value: string): boolean {
  return ISO_TIMESTAMP_WITH_ZONE.test(value);
}

export function isCsvSymbol(value: string): boolean {
  return TICKER_PATTERN.test(value);
}

/** One field of a row: what a test of its form says, and the issue to report when it fails. */
interface FieldCheck {
  test(value: string): boolean;
  issue(name: string, value: string): string;
}

const TIMESTAMP_FIELD: FieldCheck = { test: isCsvTimestamp, issue: (name, value) => `${name}: must be an ISO-8601 timestamp with zone, got ${JSON.stringify(value)}` };
const SYMBOL_FIELD: FieldCheck = { test: isCsvSymbol, issue: (name, value) => `${name}: must be an upper-case ticker like "AAPL", got ${JSON.stringify(value)}` };
const DECIMAL_FIELD: FieldCheck = { test: isDecimalString, issue: (name, value) => `${name}: must be a decimal like "12.34", got ${JSON.stringify(value)}` };

/**
 * Checks a row's fields (in `columns` order, already picked out of the record), trimming in place a field
 * that only its surrounding whitespace made fail; collects an issue per bad field, so one error names
 * every bad field of the line.
 */
function checkFields(values: string[], columns: readonly string[], checks: readonly FieldCheck[], issues: string[]): boolean {
  for (let index = 0; index < checks.length; index += 1) {
    const check = checks[index]!;
    const value = values[index]!;
    if (check.test(value)) continue;
    // csv-parse's `trim` accepted " 12.5 "; trimming only on failure keeps well-formed rows free of it.
    const trimmed = value.trim();
    if (trimmed !== value && check.test(trimmed)) values[index] = trimmed;
    else issues.push(check.issue(columns[index]!, trimmed));
  }
  return issues.length === 0;
}

const QUOTE_CHECKS = [TIMESTAMP_FIELD, SYMBOL_FIELD, DECIMAL_FIELD, DECIMAL_FIELD, DECIMAL_FIELD, DECIMAL_FIELD] as const;
const BAR_CHECKS = [TIMESTAMP_FIELD, SYMBOL_FIELD, DECIMAL_FIELD, DECIMAL_FIELD, DECIMAL_FIELD, DECIMAL_FIELD, DECIMAL_FIELD] as const;

/** A record as the parser found it, with the line it starts on. */
interface CsvRecord {
  line: number;
  fields: string[];
}

/**
 * Reads records with papaparse's core parser, a chunk at a time (a chunk of a file stream holds about a
 * thousand rows), so the rows of a chunk come out as one batch instead of a promise each. Checks the
 * header names exactly the expected columns (any order) and every record has one field per column.
 * Structural problems (wrong field count, unterminated or malformed quotes) become `CsvRowError`s with
 * the line; rows before the bad one are still delivered first.
 */
async function* csvRecordBatches(input: CsvInput, columns: readonly string[], source: string): AsyncGenerator<CsvRecord[]> {
  const lines = new LineCounter();
  let header: number[] | null = null;
  let pending = '';
  let consumed = 0;
  let newline: '\n' | '\r\n' | '\r' | null = null;
  let first = true;
  const parseText = function* (text: string, last: boolean): Generator<CsvRecord[]> {
    newline ??= guessNewline(text);
    // papaparse's own streamers do the same: parse what is there, hold back the last (maybe partial) row.
    const result = new Parser({ delimiter: ',', newline, quoteChar: '"' }).parse(text, consumed, !last) as PapaResult;
    const problem = result.errors[0];
    const rows = result.data;
    const end = problem ? problem.row ?? rows.length : rows.length;
    const batch: CsvRecord[] = [];
    for (let index = 0; index < end; index += 1) {
      const fields = rows[index]!;
      const line = lines.take(fields, newline);
      // An empty (or blank) line: csv-parse's skip_empty_lines.
      if (fields.length === 1 && fields[0]!.trim() === '') continue;
      if (header === null) {
        header = headerIndexes(fields.map((name) => name.trim()), columns, source, line);
        continue;
      }
      if (fields.length !== columns.length) {
        yield batch.splice(0);
        throw new CsvRowError(source, line, [`expected ${columns.length} fields (${columns.join(',')}), got ${fields.length}`]);
      }
      const picked = new Array<string>(columns.length);
      for (let column = 0; column < columns.length; column += 1) picked[column] = fields[header[column]!]!;
      batch.push({ line, fields: picked });
    }
    if (problem) {
      yield batch;
      throw new CsvRowError(source, lines.next, [`${problem.message}${problem.code ? ` (${problem.code})` : ''}`]);
    }
    if (!last) {
      pending = text.slice(result.meta.cursor - consumed);
      consumed = result.meta.cursor;
    }
    if (batch.length > 0) yield batch;
  };
  const decoder = new TextDecoder('utf-8');
  const chunks: Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array> = typeof input === 'string' ? [input] : input;
  for await (const chunk of chunks) {
    let text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    if (first && text.length > 0) {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const buffered = pending + text;
    pending = '';
    // The line ending is guessed once, from text that holds a whole first line.
    if (newline === null && !buffered.includes('\n')) {
      pending = buffered;
      continue;
    }
    yield* parseText(buffered, false);
  }
  const rest = pending + decoder.decode();
  if (rest.length > 0) yield* parseText(rest, true);
  if (header === null) throw new CsvRowError(source, 1, [`header: expected ${columns.join(',')}, the input was empty`]);
}

interface PapaResult {
  data: string[][];
  errors: Array<{ code?: string; message: string; row?: number }>;
  meta: { cursor: number };
}

/** Counts physical lines: a record spans one line plus the line breaks inside its quoted fields. */
class LineCounter {
  next = 1;
  take(fields: string[], newline: string): number {
    const line = this.next;
    let breaks = 0;
    for (const field of fields) {
      for (let at = field.indexOf(newline); at !== -1; at = field.indexOf(newline, at + newline.length)) breaks += 1;
    }
    this.next += 1 + breaks;
    return line;
  }
}

function guessNewline(text: string): '\n' | '\r\n' | '\r' {
  const lineFeed = text.indexOf('\n');
  if (lineFeed === -1) return text.includes('\r') ? '\r' : '\n';
  return lineFeed > 0 && text[lineFeed - 1] === '\r' ? '\r\n' : '\n';
}

/** Where each expected column sits in the header, or a `CsvRowError` naming what is wrong with it. */
function headerIndexes(header: string[], columns: readonly string[], source: string, line: number): number[] {
  const missing = columns.filter((column) => !header.includes(column));
  const unexpected = header.filter((column) => !columns.includes(column));
  const duplicated = header.filter((column, index) => header.indexOf(column) !== index);
  const issues = [
    ...(missing.length ? [`header: missing column ${missing.join(', ')}`] : []),
    ...(unexpected.length ? [`header: unexpected column ${unexpected.join(', ')}`] : []),
    ...(duplicated.length ? [`header: duplicated column ${duplicated.join(', ')}`] : []),
  ];
  if (issues.length) throw new CsvRowError(source, line, [...issues, `expected ${columns.join(',')}`]);
  return columns.map((column) => header.indexOf(column));
}

/** The row's values and instant, or the error naming its line and every bad field (returned: the rows before it go out first). */
function checkedRow(record: CsvRecord, columns: readonly string[], checks: readonly FieldCheck[], source: string): { line: number; values: string[]; timestamp: Date } | CsvRowError {
  const issues: string[] = [];
  const values = record.fields;
  const formed = checkFields(values, columns, checks, issues);
  // The pattern already rules out impossible dates; an instant outside Date's range is still refused.
  const timestamp = formed ? new Date(values[0]!) : new Date(NaN);
  if (formed && !Number.isFinite(timestamp.getTime())) issues.push(`${columns[0]}: must be an ISO-8601 timestamp with zone, got ${JSON.stringify(values[0])}`);
  if (issues.length) return new CsvRowError(source, record.line, issues);
  return { line: record.line, values, timestamp };
}

/**
 * Quote rows from `timestamp,symbol,bid,ask,bid_size,ask_size`, a batch per chunk read, checked for form
 * only (a timestamp, a ticker, decimals) with decimals left as the strings written: the market-data feed
 * hands them to `TickValidator.validateQuoteText`, which builds decimals only where it compares prices.
 * A malformed row ends the stream with a `CsvRowError` naming the file, the line and every bad field.
 */
export async function* readQuoteRows(input: CsvInput, options: CsvSourceOptions = {}): AsyncGenerator<QuoteRow[]> {
  const source = options.source ?? 'quotes CSV';
  for await (const records of csvRecordBatches(input, QUOTE_CSV_COLUMNS, source)) {
    const rows: QuoteRow[] = [];
    for (const record of records) {
      const checked = checkedRow(record, QUOTE_CSV_COLUMNS, QUOTE_CHECKS, source);
      if (checked instanceof CsvRowError) {
        yield rows;
        throw checked;
      }
      const { line, values, timestamp } = checked;
      rows.push({ line, timestamp, symbol: values[1]!, bid: values[2]!, ask: values[3]!, bidSize: values[4]!, askSize: values[5]! });
    }
    yield rows;
  }
}

/** Bar rows from `timestamp,symbol,open,high,low,close,volume`, a batch per chunk read; see `readQuoteRows`. */
export async function* readBarRows(input: CsvInput, options: CsvSourceOptions = {}): AsyncGenerator<BarRow[]> {
  const source = options.source ?? 'bars CSV';
  for await (const records of csvRecordBatches(input, BAR_CSV_COLUMNS, source)) {
    const rows: BarRow[] = [];
    for (const record of records) {
      const checked = checkedRow(record, BAR_CSV_COLUMNS, BAR_CHECKS, source);
      if (checked instanceof CsvRowError) {
        yield rows;
        throw checked;
      }
      const { line, values, timestamp } = checked;
      rows.push({ line, timestamp, symbol: values[1]!, open: values[2]!, high: values[3]!, low: values[4]!, close: values[5]!, volume: values[6]! });
    }
    yield rows;
  }
}

export function quoteFromRow(row: QuoteRow): Quote {
  return { timestamp: row.timestamp, symbol: row.symbol, bid: dec(row.bid, 'bid'), ask: dec(row.ask, 'ask'), bidSize: dec(row.bidSize, 'bid_size'), askSize: dec(row.askSize, 'ask_size') };
}

export function barFromRow(row: BarRow): Bar {
  return {
    timestamp: row.timestamp,
    symbol: row.symbol,
    open: dec(row.open, 'open'),
    high: dec(row.high, 'high'),
    low: dec(row.low, 'low'),
    close: dec(row.close, 'close'),
    volume: dec(row.volume, 'volume'),
  };
}

/**
 * Bars from `timestamp,symbol,open,high,low,close,volume` (timestamp = the bar's end, ISO-8601 with
 * zone). Rows are checked for form only — a timestamp, a ticker, decimals; whether the prices make
 * sense (positive, high ≥ low, no absurd jump) is the tick validator's call, so a bad tick in a file
 * is rejected and counted like one from a live feed rather than failing the whole file.
 */
export async function* parseBarsCsv(input: CsvInput, options: CsvSourceOptions = {}): AsyncGenerator<Bar> {
  for await (const rows of readBarRows(input, options)) for (const row of rows) yield barFromRow(row);
}

/** Quotes from `timestamp,symbol,bid,ask,bid_size,ask_size`; checked for form as for bars. */
export async function* parseQuotesCsv(input: CsvInput, options: CsvSourceOptions = {}): AsyncGenerator<Quote> {
  for await (const rows of readQuoteRows(input, options)) for (const row of rows) yield quoteFromRow(row);
}

/** Drains an async iterable into an array (for small files and tests). */
export async function collectAsync<T>(items: AsyncIterable<T>): Promise<T[]> {
  const result: T[] = [];
  for await (const item of items) result.push(item);
  return result;
}
