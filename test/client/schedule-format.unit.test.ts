import { describe, expect, it } from 'vitest';
import type { Session } from '#shared/schemas/schedule.js';
import { SessionFormatter } from '#client/features/schedule/schedule-format.js';

const session = (cardId: string, sessionAt: string): Session => ({
  cardId,
  paper: null,
  presenter: { id: '00000000-0000-4000-8000-000000000001', name: 'Priya Presenter' },
  sessionAt,
});

describe('SessionFormatter', () => {
  const tokyo = new SessionFormatter('Asia/Tokyo', 'en-GB');
  const now = new Date('2026-03-10T03:00:00Z'); // 12:00 on 10 March in Tokyo

  it('groups sessions by their day in the time zone given, keeping their order', () => {
    const days = tokyo.groupByDay(
      [
        session('a', '2026-03-12T14:00:00Z'), // 23:00 on the 12th in Tokyo
        session('b', '2026-03-12T15:30:00Z'), // 00:30 on the 13th
        session('c', '2026-03-12T16:00:00Z'), // 01:00 on the 13th
      ],
      now,
    );
    expect(days.map((d) => [d.key, d.sessions.map((s) => s.cardId)])).toEqual([
      ['2026-03-12', ['a']],
      ['2026-03-13', ['b', 'c']],
    ]);
    expect(days[0].label).toBe('Thursday, 12 March 2026');
  });

  it('names today and tomorrow in the headings', () => {
    const days = tokyo.groupByDay([session('a', '2026-03-10T09:00:00Z'), session('b', '2026-03-11T09:00:00Z')], now);
    expect(days.map((d) => d.label)).toEqual(['Today · Tuesday, 10 March 2026', 'Tomorrow · Wednesday, 11 March 2026']);
  });

  it('writes times and tooltips in the time zone given', () => {
    expect(tokyo.timeZone).toBe('Asia/Tokyo');
    expect(tokyo.time('2026-03-12T09:30:00Z')).toBe('18:30');
    // The separators vary between ICU versions.
    expect(tokyo.full('2026-03-12T09:30:00Z')).toMatch(/^Thursday,? 12 March 2026,? at 18:30 \(Asia\/Tokyo\)$/);
  });
});
