import type { LocalDate } from './local-date';

/** One regular trading session, as UTC instants. */
export interface TradingSession {
  /** The session's calendar date in the exchange's time zone. */
  date: LocalDate;
  open: Date;
  close: Date;
  /** Closes before the regular time (a 1 p.m. close, or an unscheduled early close). */
  earlyClose: boolean;
  /** Opens after the regular time. */
  lateOpen: boolean;
  /** Why the hours differ from the regular ones, when they do. */
  note: string | null;
}

export type DayKind = 'trading' | 'weekend' | 'holiday' | 'special_closure';

export interface DayDescription {
  date: LocalDate;
  kind: DayKind;
  /** Holiday or closure name, or the early-close / late-open reason on a trading day. */
  name: string | null;
}

/**
 * An exchange's trading calendar. Day-level questions take a `LocalDate` (`YYYY-MM-DD` in the
 * exchange's zone) or a `Date`, which is read as an instant and mapped to the exchange's date.
 */
export interface ExchangeCalendar {
  readonly exchange: string;
  readonly timeZone: string;
  /** The first date the calendar's data covers; earlier dates are refused. */
  readonly coverageStart: LocalDate;
  exchangeDate(instant: Date): LocalDate;
  describeDay(date: LocalDate | Date): DayDescription;
  isTradingDay(date: LocalDate | Date): boolean;
  session(date: LocalDate | Date): TradingSession | null;
  /** Trading sessions with `from ≤ date ≤ to`, in order. */
  sessionsBetween(from: LocalDate, to: LocalDate): TradingSession[];
  nextTradingDay(date: LocalDate): LocalDate;
  previousTradingDay(date: LocalDate): LocalDate;
  /** True during the regular session: `open ≤ instant < close`. */
  isMarketOpen(instant: Date): boolean;
  /** The session containing the instant, if the market is open then. */
  sessionAt(instant: Date): TradingSession | null;
  /** The first session open strictly after the instant. */
  nextOpen(instant: Date): Date;
  /** The last session close at or before the instant. */
  previousClose(instant: Date): Date;
  /** Minutes (fractional) until this session's close while open; null while closed. */
  minutesToClose(instant: Date): number | null;
}

export class CalendarCoverageError extends Error {
  override name = 'CalendarCoverageError';
  constructor(readonly date: LocalDate, readonly coverageStart: LocalDate) {
    super(`date ${date} was before the calendar's coverage, which starts ${coverageStart}`);
  }
}
