import { Decimal, decString, type DecimalString } from '@tollgate/kernel';

/** Statistics above this are reported as this: a perfect step makes an F statistic infinite. */
const LARGEST_REPORTED_STATISTIC = 1e12;

/**
 * A statistic or p-value as it travels in events: a decimal string with 8 significant digits,
 * never an exponent (p-values of 1e-16 included).
 */
export function statisticString(value: number): DecimalString {
  if (Number.isNaN(value)) throw new RangeError('statistic was NaN');
  const bounded = Math.max(-LARGEST_REPORTED_STATISTIC, Math.min(LARGEST_REPORTED_STATISTIC, value));
  return decString(new Decimal(bounded).toSignificantDigits(8));
}
