import { parse } from 'csv-parse/sync';
import { ValidationError } from '@tollgate/kernel';

/** Numeric columns read from one CSV, for the break tests. */
export interface SeriesTable {
  /** Values per requested column, in file order. */
  columns: Map<string, number[]>;
  /** The date column's cells, when one was requested. */
  dates: string[] | null;
}

const NUMBER_PATTERN = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Reads the named numeric columns (and optionally a date column) of a CSV with a header row.
 * Refuses, naming the file, line and column: a missing column, an empty cell, a value that is not
 * a number. Statistics are floating point, so values become JS numbers here.
 */
export function parseSeriesCsv(content: string, source: string, columnNames: readonly string[], dateColumn?: string): SeriesTable {
  let records: Array<{ record: Record<string, string>; info: { lines: number } }>;
  let header: string[] = [];
  try {
    records = parse(content, {
      bom: true,
      columns: (names: string[]) => {
        header = names.map((name) => name.trim());
        return header;
      },
      info: true,
      skip_empty_lines: true,
      trim: true,
    }) as typeof records;
  } catch (error) {
    throw new ValidationError(source, [(error as Error).message]);
  }
  const wanted = [...columnNames, ...(dateColumn === undefined ? [] : [dateColumn])];
  const missing = wanted.filter((name) => !header.includes(name));
  if (missing.length > 0) {
    throw new ValidationError(source, [`column ${missing.map((name) => JSON.stringify(name)).join(', ')} was not found (columns: ${header.join(', ')})`]);
  }
  if (records.length === 0) throw new ValidationError(source, ['had no data rows']);
  const columns = new Map<string, number[]>(columnNames.map((name) => [name, []]));
  const dates: string[] | null = dateColumn === undefined ? null : [];
  for (const { record, info } of records) {
    for (const name of columnNames) {
      const cell = record[name] ?? '';
      if (cell === '') throw new ValidationError(source, [`line ${info.lines}: column ${JSON.stringify(name)} was empty`]);
      const value = Number(cell);
      if (!NUMBER_PATTERN.test(cell) || !Number.isFinite(value)) {
        throw new ValidationError(source, [`line ${info.lines}: column ${JSON.stringify(name)} was not a number: ${JSON.stringify(cell)}`]);
      }
      columns.get(name)!.push(value);
    }
    if (dates !== null) dates.push(record[dateColumn!] ?? '');
  }
  return { columns, dates };
}
