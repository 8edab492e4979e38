import { z } from 'zod';
import { ValidationError } from '@tollgate/kernel';
import { describeIssues } from '@tollgate/contracts';
import { isLocalDate, type LocalDate } from './local-date';
import nyseSpecialSessionsJson from './data/nyse-special-sessions.json';

const localDate = z.string().refine(isLocalDate, { message: 'must be a calendar date like "2024-07-03"' });
const wallClock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time like "13:00"');
const reason = z.string().min(1, 'must not be empty');

export const specialSessionsSchema = z
  .object({
    exchange: z.string().min(1),
    timeZone: z.string().min(1),
    coverageStart: localDate,
    notes: z.array(z.string()).optional(),
    closures: z.array(z.object({ date: localDate, reason }).strict()),
    earlyCloses: z.array(z.object({ date: localDate, close: wallClock, reason }).strict()),
    lateOpens: z.array(z.object({ date: localDate, open: wallClock, reason }).strict()),
  })
  .strict();

export type SpecialSessionsData = z.infer<typeof specialSessionsSchema>;

/** Wall-clock time in the exchange's zone. */
export interface WallClockTime {
  hour: number;
  minute: number;
}

export interface SpecialSessions {
  exchange: string;
  timeZone: string;
  coverageStart: LocalDate;
  closures: ReadonlyMap<LocalDate, string>;
  earlyCloses: ReadonlyMap<LocalDate, { close: WallClockTime; reason: string }>;
  lateOpens: ReadonlyMap<LocalDate, { open: WallClockTime; reason: string }>;
}

export function parseWallClock(value: string): WallClockTime {
  return { hour: Number(value.slice(0, 2)), minute: Number(value.slice(3, 5)) };
}

/** Validates special-session data; a date listed twice in one list is refused, naming it. */
export function parseSpecialSessions(data: unknown, source = 'special sessions'): SpecialSessions {
  const parsed = specialSessionsSchema.safeParse(data);
  if (!parsed.success) throw new ValidationError(source, describeIssues(parsed.error));
  const value = parsed.data;
  const issues: string[] = [];
  const byDate = <Entry extends { date: string }, Mapped>(list: string, entries: Entry[], map: (entry: Entry) => Mapped) => {
    const result = new Map<LocalDate, Mapped>();
    entries.forEach((entry, index) => {
      if (result.has(entry.date)) issues.push(`${list}.${index}.date: ${entry.date} is listed twice`);
      result.set(entry.date, map(entry));
    });
    return result;
  };
  const closures = byDate('closures', value.closures, (entry) => entry.reason);
  const earlyCloses = byDate('earlyCloses', value.earlyCloses, (entry) => ({ close: parseWallClock(entry.close), reason: entry.reason }));
  const lateOpens = byDate('lateOpens', value.lateOpens, (entry) => ({ open: parseWallClock(entry.open), reason: entry.reason }));
  for (const date of closures.keys()) {
    if (earlyCloses.has(date) || lateOpens.has(date)) issues.push(`closures: ${date} is also listed as an early close or late open`);
  }
  if (issues.length) throw new ValidationError(source, issues);
  return { exchange: value.exchange, timeZone: value.timeZone, coverageStart: value.coverageStart, closures, earlyCloses, lateOpens };
}

export const nyseSpecialSessions: SpecialSessions = parseSpecialSessions(nyseSpecialSessionsJson, 'calendar/data/nyse-special-sessions.json');
