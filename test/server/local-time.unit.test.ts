import { describe, expect, it } from 'vitest';
import { addDays, formatInZone, latestSlot, localParts, zonedInstant } from '#server/local-time.js';

describe('local time', () => {
  it('reads the wall clock of an instant in a zone, across the date line', () => {
    const at = new Date('2026-12-06T20:30:00Z');
    expect(localParts(at, 'UTC')).toEqual({ day: '2026-12-06', hour: 20, minute: 30 });
    expect(localParts(at, 'Pacific/Auckland')).toEqual({ day: '2026-12-07', hour: 9, minute: 30 });
    expect(localParts(at, 'America/Los_Angeles')).toEqual({ day: '2026-12-06', hour: 12, minute: 30 });
  });

  it('moves days across month, year and leap days', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2028-03-01', -1)).toBe('2028-02-29');
    expect(addDays('2026-03-29', 0)).toBe('2026-03-29');
  });

  it('maps an hour to its instant, including hours a daylight-saving change skips or repeats', () => {
    expect(zonedInstant('2026-07-01', 7, 'Europe/Berlin').toISOString()).toBe('2026-07-01T05:00:00.000Z');
    // 02:00 does not exist in Berlin on 29 March 2026 (clocks jump to 03:00): just after the jump.
    expect(zonedInstant('2026-03-29', 2, 'Europe/Berlin').toISOString()).toBe('2026-03-29T01:00:00.000Z');
    // 02:00 happens twice on 25 October 2026 (CEST, then CET): the first.
    expect(zonedInstant('2026-10-25', 2, 'Europe/Berlin').toISOString()).toBe('2026-10-25T00:00:00.000Z');
  });

  it("gives the latest daily slot: today's once its hour has passed, else yesterday's", () => {
    const zone = 'America/New_York';
    expect(latestSlot(new Date('2026-12-06T12:00:00Z'), 7, zone)).toEqual({
      day: '2026-12-06',
      at: new Date('2026-12-06T12:00:00Z'),
    });
    expect(latestSlot(new Date('2026-12-06T11:59:59Z'), 7, zone)).toEqual({
      day: '2026-12-05',
      at: new Date('2026-12-05T12:00:00Z'),
    });
  });

  it('formats a session time as people read it in their zone', () => {
    expect(formatInZone(new Date('2026-07-03T17:30:00Z'), 'Europe/London')).toBe('Fri 3 Jul, 18:30 BST');
    expect(formatInZone(new Date('2026-12-03T05:30:00Z'), 'Pacific/Auckland')).toBe('Thu 3 Dec, 18:30 GMT+13');
  });
});
