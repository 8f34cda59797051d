import type { Meeting, MeetingRequest } from '#shared/schemas/boards.js';
import { canonicalTimeZone } from '#shared/schemas/common.js';
import { badRequest } from '#server/errors.js';
import { addDays, localParts, nthWeekdayOfMonth, weekdayOf, zonedInstant } from '#server/local-time.js';

/** How many future slots are looked at for a free one: ten years of weekly meetings. */
const MAX_SLOTS = 520;

/** "18:30" → 1110 minutes after midnight, as the database keeps it. */
export function minuteOfDay(time: string): number {
  const [hours, minutes] = time.split(':').map(Number);
  return hours * 60 + minutes;
}

/** 1110 → "18:30". */
export function timeOfDay(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}

/** The first day on `weekday` (1 Monday … 7 Sunday) at or after `day`. */
export function nextWeekday(day: string, weekday: number): string {
  return addDays(day, (weekday - weekdayOf(day) + 7) % 7);
}

/** The local days of a meeting's sessions, from its first on, in order. */
function* meetingDays(meeting: Meeting): Generator<string> {
  if (meeting.frequency === 'monthly') {
    const dayOfMonth = Number(meeting.startsOn.slice(8, 10));
    // The same n-th weekday every month; a meeting that starts in a month's fifth week keeps to the last.
    const nth = dayOfMonth > 28 ? -1 : Math.ceil(dayOfMonth / 7);
    for (let months = 0; ; months++) yield nthWeekdayOfMonth(meeting.startsOn, months, meeting.weekday, nth);
  }
  const step = meeting.frequency === 'biweekly' ? 14 : 7;
  for (let day = meeting.startsOn; ; day = addDays(day, step)) yield day;
}

/**
 * The next session of `meeting` after `now` that no other session already takes: a slot is taken when
 * one of `taken` falls on the same local day (in the meeting's zone), whatever its time, since a group
 * meets once that day. The slot's instant follows the zone's daylight-saving rules (18:30 stays 18:30
 * local). Null when none of the next {@link MAX_SLOTS} slots is free.
 */
export function nextFreeSession(meeting: Meeting, now: Date, taken: readonly Date[]): Date | null {
  const hour = Math.floor(minuteOfDay(meeting.time) / 60);
  const minute = minuteOfDay(meeting.time) % 60;
  const takenDays = new Set(taken.map((at) => localParts(at, meeting.timeZone).day));
  let future = 0;
  for (const day of meetingDays(meeting)) {
    const at = zonedInstant(day, hour, meeting.timeZone, minute);
    if (at.getTime() <= now.getTime()) continue;
    if (!takenDays.has(day)) return at;
    if (++future >= MAX_SLOTS) return null;
  }
  return null;
}

/**
 * The meeting a `PATCH /api/boards/:boardId` asks for, checked: the zone must be one the runtime knows
 * (stored in its own spelling), and the first meeting falls on the weekday; without one, it is the next
 * such weekday, today included, in the meeting's zone. Throws 400 naming the field.
 */
export function resolveMeeting(request: MeetingRequest, now: Date): Meeting {
  const timeZone = canonicalTimeZone(request.timeZone);
  if (!timeZone) throw badRequest('body/meeting/timeZone must be an IANA time zone such as Europe/Berlin');
  if (request.startsOn !== undefined && weekdayOf(request.startsOn) !== request.weekday) {
    throw badRequest("body/meeting/startsOn must fall on the meeting's weekday");
  }
  const startsOn = request.startsOn ?? nextWeekday(localParts(now, timeZone).day, request.weekday);
  return { weekday: request.weekday, time: request.time, timeZone, frequency: request.frequency, startsOn };
}
