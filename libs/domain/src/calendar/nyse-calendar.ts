import { TZDate, tzOffset } from '@date-fns/tz';
import { addDays, dayOfWeek, formatLocalDate, isLocalDate, localDateParts, InvalidLocalDateError, type LocalDate } from './local-date';
import { nyseRegularHolidays, nyseRuleEarlyClose, NYSE_EARLY_CLOSE } from './nyse-rules';
import { nyseSpecialSessions, type SpecialSessions, type WallClockTime } from './special-sessions';
import { CalendarCoverageError, type DayDescription, type ExchangeCalendar, type TradingSession } from './exchange-calendar';

const REGULAR_OPEN: WallClockTime = { hour: 9, minute: 30 };
const REGULAR_CLOSE: WallClockTime = { hour: 16, minute: 0 };
/** The longest NYSE closure since 2000 (September 11–16, 2001) is six days; searches stop well after. */
const MAXIMUM_CLOSED_DAYS = 30;
const MILLISECONDS_PER_MINUTE = 60_000;

/**
 * The New York Stock Exchange's regular sessions: 9:30–16:00 America/New_York, minus holidays
 * (by rule, from `nyse-holidays`) and special closures (data), with 13:00 early closes (by rule
 * plus data) and the rare late open (data). Results are cached per date.
 */
export class NyseCalendar implements ExchangeCalendar {
  readonly exchange = 'XNYS';
  readonly timeZone: string;
  readonly coverageStart: LocalDate;
  private readonly days = new Map<LocalDate, { description: DayDescription; session: TradingSession | null }>();
  /** The last session a time query landed in; ticks arrive in order, so this is usually a hit. */
  private lastSession: TradingSession | null = null;

  constructor(private readonly special: SpecialSessions = nyseSpecialSessions) {
    this.timeZone = special.timeZone;
    this.coverageStart = special.coverageStart;
  }

  exchangeDate(instant: Date): LocalDate {
    const time = instant.getTime();
    if (!Number.isFinite(time)) throw new RangeError('instant was an invalid Date');
    const local = new Date(time + tzOffset(this.timeZone, instant) * MILLISECONDS_PER_MINUTE);
    return formatLocalDate({ year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate() });
  }

  describeDay(date: LocalDate | Date): DayDescription {
    return this.day(this.toLocalDate(date)).description;
  }

  isTradingDay(date: LocalDate | Date): boolean {
    return this.day(this.toLocalDate(date)).session !== null;
  }

  session(date: LocalDate | Date): TradingSession | null {
    return this.day(this.toLocalDate(date)).session;
  }

  sessionsBetween(from: LocalDate, to: LocalDate): TradingSession[] {
    if (!isLocalDate(to)) throw new InvalidLocalDateError(to);
    const sessions: TradingSession[] = [];
    for (let date = this.toLocalDate(from); date <= to; date = addDays(date, 1)) {
      const session = this.day(date).session;
      if (session) sessions.push(session);
    }
    return sessions;
  }

  nextTradingDay(date: LocalDate): LocalDate {
    return this.scan(this.toLocalDate(date), 1, (candidate) => this.day(candidate).session !== null);
  }

  previousTradingDay(date: LocalDate): LocalDate {
    return this.scan(this.toLocalDate(date), -1, (candidate) => this.day(candidate).session !== null);
  }

  sessionAt(instant: Date): TradingSession | null {
    const time = instant.getTime();
    const cached = this.lastSession;
    if (cached && cached.open.getTime() <= time && time < cached.close.getTime()) return cached;
    const session = this.day(this.exchangeDate(instant)).session;
    if (session && session.open.getTime() <= time && time < session.close.getTime()) {
      this.lastSession = session;
      return session;
    }
    return null;
  }

  isMarketOpen(instant: Date): boolean {
    return this.sessionAt(instant) !== null;
  }

  nextOpen(instant: Date): Date {
    const today = this.exchangeDate(instant);
    const session = this.day(today).session;
    if (session && session.open.getTime() > instant.getTime()) return session.open;
    const next = this.nextTradingDay(today);
    return (this.day(next).session as TradingSession).open;
  }

  previousClose(instant: Date): Date {
    const today = this.exchangeDate(instant);
    const session = this.day(today).session;
    if (session && session.close.getTime() <= instant.getTime()) return session.close;
    const previous = this.previousTradingDay(today);
    return (this.day(previous).session as TradingSession).close;
  }

  minutesToClose(instant: Date): number | null {
    const session = this.sessionAt(instant);
    return session ? (session.close.getTime() - instant.getTime()) / MILLISECONDS_PER_MINUTE : null;
  }

  private toLocalDate(date: LocalDate | Date): LocalDate {
    const local = date instanceof Date ? this.exchangeDate(date) : date;
    if (!isLocalDate(local)) throw new InvalidLocalDateError(local);
    if (local < this.coverageStart) throw new CalendarCoverageError(local, this.coverageStart);
    return local;
  }

  private scan(from: LocalDate, step: 1 | -1, accept: (date: LocalDate) => boolean): LocalDate {
    let candidate = from;
    for (let index = 0; index < MAXIMUM_CLOSED_DAYS; index += 1) {
      candidate = addDays(candidate, step);
      if (candidate < this.coverageStart) throw new CalendarCoverageError(candidate, this.coverageStart);
      if (accept(candidate)) return candidate;
    }
    throw new Error(`no trading day was found within ${MAXIMUM_CLOSED_DAYS} days of ${from}`);
  }

  private day(date: LocalDate): { description: DayDescription; session: TradingSession | null } {
    let entry = this.days.get(date);
    if (!entry) {
      entry = this.computeDay(date);
      this.days.set(date, entry);
    }
    return entry;
  }

  private computeDay(date: LocalDate): { description: DayDescription; session: TradingSession | null } {
    const weekday = dayOfWeek(date);
    if (weekday === 0 || weekday === 6) return { description: { date, kind: 'weekend', name: null }, session: null };
    const holiday = nyseRegularHolidays(localDateParts(date).year).get(date);
    if (holiday !== undefined) return { description: { date, kind: 'holiday', name: holiday }, session: null };
    const closure = this.special.closures.get(date);
    if (closure !== undefined) return { description: { date, kind: 'special_closure', name: closure }, session: null };

    const specialClose = this.special.earlyCloses.get(date);
    const ruleClose = specialClose ? null : nyseRuleEarlyClose(date);
    const lateOpen = this.special.lateOpens.get(date);
    const openTime = lateOpen?.open ?? REGULAR_OPEN;
    const closeTime = specialClose?.close ?? (ruleClose ? NYSE_EARLY_CLOSE : REGULAR_CLOSE);
    const note = [lateOpen?.reason, specialClose?.reason ?? ruleClose].filter((part): part is string => !!part).join('; ') || null;
    const session: TradingSession = {
      date,
      open: this.instantAt(date, openTime),
      close: this.instantAt(date, closeTime),
      earlyClose: closeTime !== REGULAR_CLOSE,
      lateOpen: openTime !== REGULAR_OPEN,
      note,
    };
    return { description: { date, kind: 'trading', name: note }, session };
  }

  private instantAt(date: LocalDate, time: WallClockTime): Date {
    const { year, month, day } = localDateParts(date);
    return new Date(new TZDate(year, month - 1, day, time.hour, time.minute, this.timeZone).getTime());
  }
}

let sharedCalendar: NyseCalendar | null = null;

/** One shared instance: the calendar is immutable apart from its cache. */
export function nyseCalendar(): NyseCalendar {
  sharedCalendar ??= new NyseCalendar();
  return sharedCalendar;
}
