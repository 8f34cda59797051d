import type { Poll, PollAnswer } from '#shared/schemas/polls.js';

/** A grid cell: an answer, or none. */
export type Cell = PollAnswer | null;

/** What clicking a cell of my row does: yes → if need be → no → blank → yes. */
export function nextAnswer(cell: Cell): Cell {
  if (cell === null) return 'yes';
  if (cell === 'yes') return 'maybe';
  if (cell === 'maybe') return 'no';
  return null;
}

/** The mark a cell shows, in the style of the scheduling tools: ✓, (✓), ✗, or nothing. */
export const ANSWER_MARKS: Record<PollAnswer, string> = { yes: '✓', maybe: '(✓)', no: '✗' };

/** An answer in words, for screen readers and legends. */
export const ANSWER_WORDS: Record<PollAnswer, string> = { yes: 'yes', maybe: 'if need be', no: 'no' };

/** A cell in words: "yes", "if need be", "no", or "no answer". */
export const cellWords = (cell: Cell) => (cell === null ? 'no answer' : ANSWER_WORDS[cell]);

/** Formats slot times in one time zone (the browser's unless given, e.g. by tests) and locale. */
export class SlotFormatter {
  /** The IANA name of the time zone, such as "Europe/Paris". */
  readonly timeZone: string;
  readonly #day: Intl.DateTimeFormat;
  readonly #time: Intl.DateTimeFormat;
  readonly #dayTime: Intl.DateTimeFormat;

  constructor(timeZone?: string, locale?: string) {
    this.#day = new Intl.DateTimeFormat(locale, { timeZone, weekday: 'short', day: 'numeric', month: 'short' });
    this.timeZone = this.#day.resolvedOptions().timeZone;
    this.#time = new Intl.DateTimeFormat(locale, { timeZone, hour: 'numeric', minute: '2-digit' });
    this.#dayTime = new Intl.DateTimeFormat(locale, {
      timeZone,
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      hour: 'numeric',
      minute: '2-digit',
    });
  }

  /** "Tue 8 Dec" (en-GB), "Tue, Dec 8" (en-US). */
  day(iso: string): string {
    return this.#day.format(new Date(iso));
  }

  /** "18:00" or "6:00 PM". */
  time(iso: string): string {
    return this.#time.format(new Date(iso));
  }

  /** "Tue 8 Dec, 18:00". */
  dayTime(iso: string): string {
    return this.#dayTime.format(new Date(iso));
  }
}

/** A closed poll's decision in words: "Decided: Tue 8 Dec, 18:00 — Ana presents". Null while open. */
export function decidedText(poll: Poll, format: SlotFormatter): string | null {
  if (poll.status !== 'closed' || poll.pickedSlotId === null) return null;
  const slot = poll.slots.find((s) => s.id === poll.pickedSlotId);
  if (!slot) return null;
  const who = poll.presenter ? ` — ${poll.presenter.name} presents` : '';
  return `Decided: ${format.dayTime(slot.at)}${who}`;
}

/**
 * The rows of a poll's grid: me first (whether or not I answered, when I may answer), then the other
 * members who answered, in the server's order (by name).
 */
export function gridRows(poll: Poll, me: { id: string; name: string } | null, iAnswer: boolean) {
  const others = poll.respondents.filter((r) => r.id !== me?.id);
  const mine = me && (iAnswer || poll.respondents.some((r) => r.id === me.id)) ? [me] : [];
  return [...mine, ...others];
}

/** Polls as the section lists them: open ones (newest first), then the most recently decided `recent`. */
export function pollOrder(polls: readonly Poll[], recent = 5): { open: Poll[]; decided: Poll[] } {
  const open = polls.filter((p) => p.status === 'open').sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const decided = polls
    .filter((p) => p.status === 'closed')
    .sort((a, b) => (b.closedAt ?? b.createdAt).localeCompare(a.closedAt ?? a.createdAt))
    .slice(0, recent);
  return { open, decided };
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A local date and time (the browser's zone) as the form's inputs hold them: "YYYY-MM-DD" and "HH:mm". */
export function localParts(at: Date): { date: string; time: string } {
  return {
    date: `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`,
    time: `${pad(at.getHours())}:${pad(at.getMinutes())}`,
  };
}

/** A date input's and a time input's values (the browser's zone) as an ISO instant, or null. */
export function instantOfParts(date: string, time: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !/^\d{2}:\d{2}$/.test(time)) return null;
  const at = new Date(`${date}T${time}`);
  return Number.isNaN(at.getTime()) ? null : at.toISOString();
}

/** Default slots of a new poll: the next `n` days at 18:00 local time. */
export function defaultSlots(now: number, n = 3): { date: string; time: string }[] {
  return Array.from({ length: n }, (_, i) => {
    const at = new Date(now);
    at.setDate(at.getDate() + i + 1);
    at.setHours(18, 0, 0, 0);
    return localParts(at);
  });
}

/** The slot index a refusal such as "body/slots/2 must be in the future" names, or null. */
export function slotOfMessage(message: string): number | null {
  const match = /^body\/slots\/(\d+)/.exec(message);
  return match ? Number(match[1]) : null;
}
