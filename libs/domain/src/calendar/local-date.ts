/**
 * A calendar date in the exchange's own time zone, written `YYYY-MM-DD`. Sessions are named by it;
 * instants are always `Date`s. Keeping the two apart avoids the classic bug where
 * `new Date('2020-01-02')` (UTC midnight) is still January 1 in New York.
 */
export type LocalDate = string;

const LOCAL_DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const MILLISECONDS_PER_DAY = 86_400_000;

export class InvalidLocalDateError extends Error {
  override name = 'InvalidLocalDateError';
  constructor(readonly value: unknown) {
    super(`date was not a calendar date like "2024-07-03": ${JSON.stringify(value)}`);
  }
}

export interface LocalDateParts {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
}

export function isLocalDate(value: unknown): value is LocalDate {
  if (typeof value !== 'string') return false;
  const match = LOCAL_DATE_PATTERN.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const roundTrip = new Date(Date.UTC(year, month - 1, day));
  return roundTrip.getUTCFullYear() === year && roundTrip.getUTCMonth() === month - 1 && roundTrip.getUTCDate() === day;
}

export function localDateParts(date: LocalDate): LocalDateParts {
  if (!isLocalDate(date)) throw new InvalidLocalDateError(date);
  return { year: Number(date.slice(0, 4)), month: Number(date.slice(5, 7)), day: Number(date.slice(8, 10)) };
}

export function formatLocalDate(parts: LocalDateParts): LocalDate {
  return `${String(parts.year).padStart(4, '0')}-${String(parts.month).padStart(2, '0')}-${String(parts.day).padStart(2, '0')}`;
}

/** Day of the week, 0 = Sunday … 6 = Saturday. */
export function dayOfWeek(date: LocalDate): number {
  const { year, month, day } = localDateParts(date);
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay();
}

export function addDays(date: LocalDate, days: number): LocalDate {
  const { year, month, day } = localDateParts(date);
  const shifted = new Date(Date.UTC(year, month - 1, day) + days * MILLISECONDS_PER_DAY);
  return formatLocalDate({ year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate() });
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: LocalDate, to: LocalDate): number {
  const a = localDateParts(from);
  const b = localDateParts(to);
  return Math.round((Date.UTC(b.year, b.month - 1, b.day) - Date.UTC(a.year, a.month - 1, a.day)) / MILLISECONDS_PER_DAY);
}
