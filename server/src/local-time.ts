import { Temporal } from 'temporal-polyfill';

/** A calendar day as `YYYY-MM-DD`. */
type LocalDay = string;

/** Wall-clock date and time of an instant in a time zone. */
interface LocalParts {
  day: LocalDay;
  hour: number;
  minute: number;
}

/** The wall-clock day, hour and minute of `at` in `timeZone`. */
export function localParts(at: Date, timeZone: string): LocalParts {
  const local = Temporal.Instant.fromEpochMilliseconds(at.getTime()).toZonedDateTimeISO(timeZone);
  return { day: local.toPlainDate().toString(), hour: local.hour, minute: local.minute };
}

/** `day` moved by `days` calendar days. */
export function addDays(day: LocalDay, days: number): LocalDay {
  return Temporal.PlainDate.from(day).add({ days }).toString();
}

/** The ISO weekday of `day`: 1 Monday … 7 Sunday. */
export function weekdayOf(day: LocalDay): number {
  return Temporal.PlainDate.from(day).dayOfWeek;
}

/**
 * The `n`-th `weekday` (1 Monday … 7 Sunday) of the month `months` after the month of `day`; `n` is 1–4,
 * or -1 for the month's last such weekday.
 */
export function nthWeekdayOfMonth(day: LocalDay, months: number, weekday: number, n: number): LocalDay {
  const first = Temporal.PlainDate.from(day).with({ day: 1 }).add({ months });
  const firstMatch = first.add({ days: (weekday - first.dayOfWeek + 7) % 7 });
  if (n > 0) return firstMatch.add({ weeks: n - 1 }).toString();
  const weeksLeft = Math.floor((first.daysInMonth - firstMatch.day) / 7);
  return firstMatch.add({ weeks: weeksLeft }).toString();
}

/**
 * The instant at which the wall clock in `timeZone` shows `hour`:`minute` on `day`. A time skipped by
 * a daylight-saving jump maps to the instant as far after the jump; a time that occurs twice, to the
 * first (Temporal's "compatible" disambiguation).
 */
export function zonedInstant(day: LocalDay, hour: number, timeZone: string, minute = 0): Date {
  const local = Temporal.PlainDate.from(day).toZonedDateTime({ timeZone, plainTime: { hour, minute } });
  return new Date(local.epochMilliseconds);
}

/** The latest daily slot (`hour`:00 local) at or before `now`, and the local day it belongs to. */
export function latestSlot(now: Date, hour: number, timeZone: string): { day: LocalDay; at: Date } {
  const today = localParts(now, timeZone).day;
  const at = zonedInstant(today, hour, timeZone);
  if (at.getTime() <= now.getTime()) return { day: today, at };
  const yesterday = addDays(today, -1);
  return { day: yesterday, at: zonedInstant(yesterday, hour, timeZone) };
}

/** A session time as people read it in their zone, e.g. "Fri 3 Jul, 18:30 BST" (or "GMT+13" where English has no name for the zone). */
export function formatInZone(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  }).format(at);
}
