import type { z } from 'zod';
import { ValidationError } from '@tollgate/kernel';
import { describeIssues } from '@tollgate/contracts';

/** Checks a value that crossed a boundary (a bus message, a request) against its schema; names every bad field. */
export function parseInput<Schema extends z.ZodType>(schema: Schema, value: unknown, source: string): z.output<Schema> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ValidationError(source, describeIssues(parsed.error));
  return parsed.data;
}
