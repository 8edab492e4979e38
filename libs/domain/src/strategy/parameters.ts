import { z } from 'zod';
import { dec, decString, Decimal, isDecimalString } from '@tollgate/kernel';

/** A positive decimal parameter written as a string in config (`"2.5"`), a Decimal in code. */
export const positiveDecimalParameter = z
  .string({ message: 'must be a decimal string like "2.5"' })
  .refine(isDecimalString, { message: 'must be a decimal string like "2.5"' })
  .transform((value) => dec(value))
  .refine((value) => value.gt(0), { message: 'must be positive' });

/** A decimal in [0, 100], for oscillator thresholds such as RSI 30 / 70. */
export const percentageParameter = z
  .string({ message: 'must be a decimal string like "30"' })
  .refine(isDecimalString, { message: 'must be a decimal string like "30"' })
  .transform((value) => dec(value))
  .refine((value) => value.gte(0) && value.lte(100), { message: 'must be between 0 and 100' });

export const periodParameter = z.number().int('must be a whole number').min(2, 'must be at least 2').max(10_000, 'must be at most 10000');

/** Parameters as plain JSON (Decimals as decimal strings), the form that is hashed and recorded. */
export function parametersToJson(value: unknown): unknown {
  if (value instanceof Decimal) return decString(value);
  if (Array.isArray(value)) return value.map(parametersToJson);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([key, item]) => [key, parametersToJson(item)]));
  }
  return value;
}
