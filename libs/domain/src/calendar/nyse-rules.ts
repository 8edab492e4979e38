import { getHolidays } from 'nyse-holidays';
import { addDays, dayOfWeek, localDateParts, type LocalDate } from './local-date';

/**
 * The NYSE's recurring rules that `nyse-holidays` does not cover: the 1 p.m. early closes.
 * Each rule returns the reason when it applies; the caller first checks the day is a trading day.
 */
export const NYSE_EARLY_CLOSE = { hour: 13, minute: 0 } as const;

const MONDAY = 1;
const TUESDAY = 2;
const WEDNESDAY = 3;
const THURSDAY = 4;
const FRIDAY = 5;

export function nyseRuleEarlyClose(date: LocalDate): string | null {
  const { year, month, day } = localDateParts(date);
  const weekday = dayOfWeek(date);
  if (month === 7 && day === 3) {
    // July 3 closes early on Mondays, Tuesdays and Thursdays; on Wednesdays only since 2013
    // (before that the Friday after a Thursday July 4 closed early instead).
    if (weekday === MONDAY || weekday === TUESDAY || weekday === THURSDAY) return 'Day before Independence Day';
    if (weekday === WEDNESDAY && year >= 2013) return 'Day before Independence Day';
  }
  if (month === 7 && day === 5 && weekday === FRIDAY && year <= 2012) return 'Day after Independence Day';
  if (month === 11 && weekday === FRIDAY && isThanksgiving(addDays(date, -1))) return 'Day after Thanksgiving';
  if (month === 12 && day === 24 && weekday >= MONDAY && weekday <= THURSDAY) return 'Christmas Eve';
  return null;
}

/** Thanksgiving is the fourth Thursday of November. */
function isThanksgiving(date: LocalDate): boolean {
  const { month, day } = localDateParts(date);
  return month === 11 && dayOfWeek(date) === THURSDAY && day >= 22 && day <= 28;
}

const holidaysByYear = new Map<number, ReadonlyMap<LocalDate, string>>();

/** Regular NYSE holidays for a year, observed dates, from `nyse-holidays` (computed by rule). */
export function nyseRegularHolidays(year: number): ReadonlyMap<LocalDate, string> {
  let holidays = holidaysByYear.get(year);
  if (!holidays) {
    // `dateString` is formatted in the same (process-local) zone the library built the date in,
    // so it is the calendar date whatever TZ the process runs with.
    holidays = new Map(getHolidays(year).map((holiday) => [holiday.dateString, holiday.name] as const));
    holidaysByYear.set(year, holidays);
  }
  return holidays;
}
