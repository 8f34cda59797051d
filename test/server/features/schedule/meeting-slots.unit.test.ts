import { describe, expect, it } from 'vitest';
import type { Meeting } from '#shared/schemas/boards.js';
import { nextFreeSession, nextWeekday, resolveMeeting } from '#server/features/schedule/meeting-slots.js';

/** Tuesdays at 18:30 in Berlin from Tuesday 3 March 2026 (CET, UTC+1, until 29 March). */
const TUESDAYS: Meeting = {
  weekday: 2,
  time: '18:30',
  timeZone: 'Europe/Berlin',
  frequency: 'weekly',
  startsOn: '2026-03-03',
};
const at = (iso: string) => new Date(iso);
const next = (meeting: Meeting, now: string, taken: string[] = []) =>
  nextFreeSession(meeting, at(now), taken.map(at))?.toISOString() ?? null;

describe('nextFreeSession', () => {
  it('gives the next meeting after now, at the local time of day', () => {
    expect(next(TUESDAYS, '2026-03-10T12:00:00Z')).toBe('2026-03-10T17:30:00.000Z');
  });

  it('skips a meeting that has started', () => {
    expect(next(TUESDAYS, '2026-03-10T17:30:00Z')).toBe('2026-03-17T17:30:00.000Z');
  });

  it('keeps the local time across the change to summer time, moving the instant by an hour', () => {
    expect(next(TUESDAYS, '2026-03-25T00:00:00Z')).toBe('2026-03-31T16:30:00.000Z');
  });

  it('skips a day another session takes, whatever its time that day', () => {
    expect(next(TUESDAYS, '2026-03-09T00:00:00Z', ['2026-03-10T17:30:00Z'])).toBe('2026-03-17T17:30:00.000Z');
    expect(next(TUESDAYS, '2026-03-09T00:00:00Z', ['2026-03-10T06:00:00Z', '2026-03-17T20:00:00Z'])).toBe(
      '2026-03-24T17:30:00.000Z',
    );
  });

  it('reads taken days in the meeting’s zone, not in UTC', () => {
    // 23:30 UTC on Tuesday is already Wednesday in Berlin: Tuesday stays free.
    expect(next(TUESDAYS, '2026-03-09T00:00:00Z', ['2026-03-10T23:30:00Z'])).toBe('2026-03-10T17:30:00.000Z');
  });

  it('meets every other week from the first meeting', () => {
    const biweekly: Meeting = { ...TUESDAYS, frequency: 'biweekly' };
    expect(next(biweekly, '2026-03-04T00:00:00Z')).toBe('2026-03-17T17:30:00.000Z');
    expect(next(biweekly, '2026-03-04T00:00:00Z', ['2026-03-17T17:30:00Z'])).toBe('2026-03-31T16:30:00.000Z');
  });

  it('meets monthly on the same n-th weekday, or the last one when the first meeting was a fifth', () => {
    const second: Meeting = { ...TUESDAYS, frequency: 'monthly', startsOn: '2026-03-10' };
    expect(next(second, '2026-03-11T00:00:00Z')).toBe('2026-04-14T16:30:00.000Z');
    const last: Meeting = { ...TUESDAYS, frequency: 'monthly', startsOn: '2026-03-31' };
    expect(next(last, '2026-04-01T00:00:00Z')).toBe('2026-04-28T16:30:00.000Z');
  });

  it('moves a meeting in the hour skipped by the clocks to just after the jump', () => {
    const sundays: Meeting = { ...TUESDAYS, weekday: 7, time: '02:30', startsOn: '2026-03-22' };
    // 02:30 does not exist in Berlin on 29 March 2026: 03:30 CEST.
    expect(next(sundays, '2026-03-23T00:00:00Z')).toBe('2026-03-29T01:30:00.000Z');
    // 02:30 happens twice on 25 October 2026: the first, still summer time.
    expect(next(sundays, '2026-10-19T00:00:00Z')).toBe('2026-10-25T00:30:00.000Z');
  });

  it('finds nothing when every slot for years ahead is taken', () => {
    const taken = Array.from({ length: 600 }, (_, i) => new Date(Date.UTC(2026, 2, 10 + 7 * i, 17, 30)));
    expect(nextFreeSession(TUESDAYS, at('2026-03-09T00:00:00Z'), taken)).toBeNull();
  });
});

describe('resolveMeeting', () => {
  it('starts on the next such weekday in the meeting’s zone, today included', () => {
    // Monday 23:30 UTC is already Tuesday in Berlin.
    const meeting = resolveMeeting(
      { weekday: 2, time: '18:30', timeZone: 'europe/berlin', frequency: 'weekly' },
      at('2026-03-09T23:30:00Z'),
    );
    expect(meeting).toEqual({ ...TUESDAYS, startsOn: '2026-03-10' });
    expect(nextWeekday('2026-03-11', 2)).toBe('2026-03-17');
  });

  it('refuses an unknown zone and a first meeting on another weekday, naming the field', () => {
    const request = { weekday: 2, time: '18:30', timeZone: 'Mars/Olympus', frequency: 'weekly' } as const;
    expect(() => resolveMeeting(request, new Date())).toThrow('body/meeting/timeZone');
    expect(() => resolveMeeting({ ...request, timeZone: 'UTC', startsOn: '2026-03-11' }, new Date())).toThrow(
      'body/meeting/startsOn',
    );
  });
});
