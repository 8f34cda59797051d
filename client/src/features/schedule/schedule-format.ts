import type { Session } from '#shared/schemas/schedule.js';

// One way of writing a session's day and time everywhere (card, card panel, schedule): the browser's
// locale and time zone, short weekday and month, the locale's own clock ("18:30" or "6:30 PM").
const SESSION_TIME: Intl.DateTimeFormatOptions = { hour: 'numeric', minute: '2-digit' };
const SESSION_DAY: Intl.DateTimeFormatOptions = { weekday: 'short', day: 'numeric', month: 'short' };
const sessionDay = new Intl.DateTimeFormat(undefined, SESSION_DAY);
const sessionDayTime = new Intl.DateTimeFormat(undefined, { ...SESSION_DAY, ...SESSION_TIME });

/** A session's day as a card shows it: "Tue 8 Dec" (en-GB), "Tue, Dec 8" (en-US). */
export function sessionDate(iso: string): string {
  return sessionDay.format(new Date(iso));
}

/** A session's day and time: "Tue 8 Dec, 18:30" (en-GB), "Tue, Dec 8, 6:30 PM" (en-US). */
export function sessionDateTime(iso: string): string {
  return sessionDayTime.format(new Date(iso));
}

/** The sessions of one calendar day in the viewer's time zone. */
export interface SessionDay {
  /** `YYYY-MM-DD` in the time zone used, unique per day. */
  key: string;
  /** The day as a heading: "Thursday, December 3, 2026", prefixed "Today · " or "Tomorrow · ". */
  label: string;
  sessions: Session[];
}

/** Formats sessions' days and times in one time zone (the browser's unless given, e.g. by tests). */
export class SessionFormatter {
  /** The IANA name of the time zone, such as "Europe/Paris". */
  readonly timeZone: string;
  readonly #dayKey: Intl.DateTimeFormat;
  readonly #day: Intl.DateTimeFormat;
  readonly #time: Intl.DateTimeFormat;
  readonly #full: Intl.DateTimeFormat;

  constructor(timeZone?: string, locale?: string) {
    this.#dayKey = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    this.timeZone = this.#dayKey.resolvedOptions().timeZone;
    const zone = { timeZone: this.timeZone };
    this.#day = new Intl.DateTimeFormat(locale, {
      ...zone,
      weekday: 'long',
      year: 'numeric',
      month: 'long',
      day: 'numeric',
    });
    this.#time = new Intl.DateTimeFormat(locale, { ...zone, ...SESSION_TIME });
    this.#full = new Intl.DateTimeFormat(locale, { ...zone, dateStyle: 'full', timeStyle: 'short' });
  }

  /** `YYYY-MM-DD` of `date` in this time zone. */
  #key(date: Date): string {
    const parts = this.#dayKey.formatToParts(date);
    const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
    return `${part('year')}-${part('month')}-${part('day')}`;
  }

  /** "18:30" or "6:30 PM", as the locale writes times. */
  time(iso: string): string {
    return this.#time.format(new Date(iso));
  }

  /** The date, time and time zone: for tooltips. */
  full(iso: string): string {
    return `${this.#full.format(new Date(iso))} (${this.timeZone})`;
  }

  /**
   * Sessions grouped by their day in this time zone, in the order given (the server sorts upcoming
   * sessions soonest first and past ones latest first). `now` decides which day is "Today".
   */
  groupByDay(sessions: Session[], now: Date = new Date()): SessionDay[] {
    const today = this.#key(now);
    const tomorrow = this.#key(new Date(now.getTime() + 24 * 3600_000));
    const days: SessionDay[] = [];
    const byKey = new Map<string, SessionDay>();
    for (const session of sessions) {
      const date = new Date(session.sessionAt);
      const key = this.#key(date);
      let day = byKey.get(key);
      if (!day) {
        const name = this.#day.format(date);
        const label = key === today ? `Today · ${name}` : key === tomorrow ? `Tomorrow · ${name}` : name;
        day = { key, label, sessions: [] };
        byKey.set(key, day);
        days.push(day);
      }
      day.sessions.push(session);
    }
    return days;
  }
}
