import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { addDays, dayOfWeek, type LocalDate } from './local-date';
import { CalendarCoverageError } from './exchange-calendar';
import { NyseCalendar, nyseCalendar } from './nyse-calendar';
import { parseSpecialSessions } from './special-sessions';
import specialSessionsJson from './data/nyse-special-sessions.json';

/** Every S&P 500 trading day 2000-01-03 … 2020-04-17, from vega-datasets (a real record of sessions). */
function sp500TradingDays(): LocalDate[] {
  const file = join(__dirname, '../../../../node_modules/vega-datasets/data/sp500-2000.csv');
  const [header, ...rows] = readFileSync(file, 'utf8').trim().split('\n');
  expect(header?.split(',')[0]).toBe('date');
  return rows.map((row) => row.slice(0, row.indexOf(',')));
}

const at = (iso: string) => new Date(iso);

describe('NYSE calendar', () => {
  const calendar = nyseCalendar();

  it('has exactly the trading days of the S&P 500 record from 2000 to April 2020', () => {
    const recorded = sp500TradingDays();
    expect(recorded.length).toBeGreaterThan(5000);
    const first = recorded[0]!;
    const last = recorded[recorded.length - 1]!;
    const computed = calendar.sessionsBetween('2000-01-01', last).map((session) => session.date);
    const recordedSet = new Set(recorded);
    const computedSet = new Set(computed);
    const missing = recorded.filter((date) => !computedSet.has(date));
    const extra = computed.filter((date) => !recordedSet.has(date));
    expect({ missing, extra }).toEqual({ missing: [], extra: [] });
    expect(computed[0]).toBe(first);
  });

  it('closes for the special closures nyse-holidays does not know', () => {
    for (const date of ['2001-09-11', '2001-09-14', '2004-06-11', '2007-01-02', '2012-10-29', '2012-10-30', '2018-12-05', '2025-01-09']) {
      expect(calendar.describeDay(date)).toMatchObject({ kind: 'special_closure' });
      expect(calendar.session(date)).toBeNull();
    }
  });

  it('closes on regular holidays by rule, including ones after the test data ends', () => {
    expect(calendar.describeDay('2024-06-19')).toMatchObject({ kind: 'holiday' });
    expect(calendar.describeDay('2030-12-25')).toMatchObject({ kind: 'holiday' });
    expect(calendar.describeDay('2021-06-18')).toMatchObject({ kind: 'trading' });
    expect(calendar.describeDay('2022-06-18')).toMatchObject({ kind: 'weekend' });
  });

  it('opens at 9:30 and closes at 16:00 New York time across daylight-saving changes', () => {
    expect(calendar.session('2024-01-10')).toMatchObject({ open: at('2024-01-10T14:30:00Z'), close: at('2024-01-10T21:00:00Z'), earlyClose: false });
    expect(calendar.session('2024-07-10')).toMatchObject({ open: at('2024-07-10T13:30:00Z'), close: at('2024-07-10T20:00:00Z') });
    // The Monday after the March switch is on daylight time.
    expect(calendar.session('2024-03-11')?.open).toEqual(at('2024-03-11T13:30:00Z'));
    expect(calendar.session('2024-03-08')?.open).toEqual(at('2024-03-08T14:30:00Z'));
  });

  it('closes at 13:00 on the rule-based early-close days', () => {
    const earlyClose = (date: LocalDate) => calendar.session(date);
    expect(earlyClose('2024-07-03')).toMatchObject({ earlyClose: true, close: at('2024-07-03T17:00:00Z') });
    expect(earlyClose('2019-07-03')).toMatchObject({ earlyClose: true });
    // Before 2013 a Wednesday July 3 was a full day and the Friday after July 4 closed early.
    expect(earlyClose('2002-07-03')).toMatchObject({ earlyClose: false });
    expect(earlyClose('2002-07-05')).toMatchObject({ earlyClose: true });
    expect(earlyClose('2024-11-29')).toMatchObject({ earlyClose: true, close: at('2024-11-29T18:00:00Z') });
    expect(earlyClose('2024-12-24')).toMatchObject({ earlyClose: true, close: at('2024-12-24T18:00:00Z') });
    // Christmas Eve on a Friday is the observed Christmas holiday, not an early close.
    expect(earlyClose('2021-12-24')).toBeNull();
    // July 3 on a Friday is the observed Independence Day.
    expect(earlyClose('2020-07-03')).toBeNull();
    expect(earlyClose('2020-07-02')).toMatchObject({ earlyClose: false });
  });

  it('uses the data for unscheduled early closes and late opens', () => {
    expect(calendar.session('2003-12-26')).toMatchObject({ earlyClose: true, close: at('2003-12-26T18:00:00Z') });
    expect(calendar.session('2002-09-11')).toMatchObject({ lateOpen: true, open: at('2002-09-11T16:00:00Z'), close: at('2002-09-11T20:00:00Z') });
  });

  it('answers open, next open, previous close and minutes to close for an instant', () => {
    const duringSession = at('2024-07-03T16:30:00Z'); // 12:30 in New York on an early-close day
    expect(calendar.isMarketOpen(duringSession)).toBe(true);
    expect(calendar.minutesToClose(duringSession)).toBe(30);
    expect(calendar.nextOpen(duringSession)).toEqual(at('2024-07-05T13:30:00Z'));
    expect(calendar.previousClose(duringSession)).toEqual(at('2024-07-02T20:00:00Z'));

    const fridayEvening = at('2024-07-05T22:00:00Z');
    expect(calendar.isMarketOpen(fridayEvening)).toBe(false);
    expect(calendar.minutesToClose(fridayEvening)).toBeNull();
    expect(calendar.nextOpen(fridayEvening)).toEqual(at('2024-07-08T13:30:00Z'));
    expect(calendar.previousClose(fridayEvening)).toEqual(at('2024-07-05T20:00:00Z'));

    const beforeOpen = at('2024-07-08T12:00:00Z');
    expect(calendar.nextOpen(beforeOpen)).toEqual(at('2024-07-08T13:30:00Z'));
    // The open instant is inside the session; the close instant is not.
    expect(calendar.isMarketOpen(at('2024-07-08T13:30:00Z'))).toBe(true);
    expect(calendar.isMarketOpen(at('2024-07-08T20:00:00Z'))).toBe(false);
    expect(calendar.previousClose(at('2024-07-08T20:00:00Z'))).toEqual(at('2024-07-08T20:00:00Z'));
  });

  it('maps an instant to the New York date, not the UTC date', () => {
    expect(calendar.exchangeDate(at('2020-01-02T03:00:00Z'))).toBe('2020-01-01');
    expect(calendar.isTradingDay(at('2020-01-02T03:00:00Z'))).toBe(false);
    expect(calendar.isTradingDay('2020-01-02')).toBe(true);
  });

  it('refuses dates before its coverage instead of guessing', () => {
    expect(() => calendar.isTradingDay('1999-12-31')).toThrow(CalendarCoverageError);
    expect(() => calendar.previousTradingDay('2000-01-03')).toThrow(CalendarCoverageError);
  });

  it('keeps next open after the instant and previous close at or before it (property)', () => {
    const start = at('2000-02-01T00:00:00Z').getTime();
    const end = at('2040-12-31T00:00:00Z').getTime();
    fc.assert(
      fc.property(fc.integer({ min: start, max: end }), (time) => {
        const instant = new Date(time);
        const nextOpen = calendar.nextOpen(instant);
        const previousClose = calendar.previousClose(instant);
        expect(nextOpen.getTime()).toBeGreaterThan(time);
        expect(previousClose.getTime()).toBeLessThanOrEqual(time);
        expect(calendar.isMarketOpen(nextOpen)).toBe(true);
        const minutes = calendar.minutesToClose(instant);
        expect(minutes === null).toBe(!calendar.isMarketOpen(instant));
        if (minutes !== null) expect(minutes).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });

  it('never trades on a weekend (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 15000 }), (offset) => {
        const date = addDays('2000-01-01', offset);
        if (dayOfWeek(date) === 0 || dayOfWeek(date) === 6) expect(calendar.isTradingDay(date)).toBe(false);
      }),
    );
  });

  it('refuses special-session data with a date listed twice, naming it', () => {
    const duplicated = { ...specialSessionsJson, closures: [...specialSessionsJson.closures, { date: '2001-09-11', reason: 'again' }] };
    expect(() => parseSpecialSessions(duplicated, 'test data')).toThrow(/closures\.\d+\.date: 2001-09-11 is listed twice/);
    expect(() => parseSpecialSessions({ ...specialSessionsJson, earlyCloses: [{ date: '2024-13-01', close: '13:00', reason: 'x' }] })).toThrow(
      /earlyCloses\.0\.date/,
    );
  });

  it('gives the same answers whatever the process time zone (fresh instance)', () => {
    const fresh = new NyseCalendar();
    expect(fresh.sessionsBetween('2012-10-26', '2012-11-01').map((session) => session.date)).toEqual(['2012-10-26', '2012-10-31', '2012-11-01']);
  });
});
