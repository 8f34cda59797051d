/** A calendar day as `YYYY-MM-DD`. */
type LocalDay = string;

/** Wall-clock date and time of an instant in a time zone. */
interface LocalParts {
  day: LocalDay;
  hour: number;
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

function fields(at: Date, timeZone: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(at)) {
    if (part.type !== 'literal') out[part.type] = Number(part.value);
  }
  return out;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** The wall-clock day, hour and minute of `at` in `timeZone`. */
export function localParts(at: Date, timeZone: string): LocalParts {
  const f = fields(at, timeZone);
  return { day: `${pad(f.year, 4)}-${pad(f.month)}-${pad(f.day)}`, hour: f.hour, minute: f.minute };
}

/** How far `timeZone` is ahead of UTC at `at`, in milliseconds. */
function offsetMs(at: Date, timeZone: string): number {
  const f = fields(at, timeZone);
  const asUtc = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second);
  return asUtc - Math.floor(at.getTime() / 1000) * 1000;
}

/** `day` moved by `days` calendar days. */
export function addDays(day: LocalDay, days: number): LocalDay {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/**
 * The instant at which the wall clock in `timeZone` shows `hour`:00 on `day`. An hour skipped by a
 * daylight-saving jump maps to the instant just after the jump; an hour that occurs twice, to the first.
 */
export function zonedInstant(day: LocalDay, hour: number, timeZone: string): Date {
  const [y, m, d] = day.split('-').map(Number);
  const wall = Date.UTC(y, m - 1, d, hour);
  // The offset at the guess can differ from the offset at the answer across a DST change; a second
  // pass with the answer's offset settles it.
  const first = wall - offsetMs(new Date(wall), timeZone);
  const second = wall - offsetMs(new Date(first), timeZone);
  const exact = [first, second].filter((t) => localParts(new Date(t), timeZone).hour === hour);
  return new Date(exact.length ? Math.min(...exact) : Math.max(first, second));
}

/** The latest daily slot (`hour`:00 local) at or before `now`, and the local day it belongs to. */
export function latestSlot(now: Date, hour: number, timeZone: string): { day: LocalDay; at: Date } {
  const today = localParts(now, timeZone).day;
  const at = zonedInstant(today, hour, timeZone);
  if (at.getTime() <= now.getTime()) return { day: today, at };
  const yesterday = addDays(today, -1);
  return { day: yesterday, at: zonedInstant(yesterday, hour, timeZone) };
}

/** A session time as people read it in their zone, e.g. "Tue 3 Dec, 18:30 NZDT". */
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
