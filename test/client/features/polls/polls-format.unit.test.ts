import { describe, expect, it } from 'vitest';
import { bestSlot, type Poll } from '#shared/schemas/polls.js';
import {
  decidedText,
  defaultSlots,
  gridRows,
  instantOfParts,
  nextAnswer,
  pollOrder,
  SlotFormatter,
  slotOfMessage,
} from '#client/features/polls/polls-format.js';

const slot = (id: string, yes: number, maybe: number, no = 0) => ({
  id,
  at: '2026-12-08T09:00:00.000Z',
  yes,
  maybe,
  no,
});

function poll(overrides: Partial<Poll> = {}): Poll {
  return {
    id: 'p1',
    boardId: 'b1',
    cardId: null,
    paper: null,
    status: 'open',
    answering: true,
    closesAt: null,
    slots: [
      { id: 's1', at: '2026-12-08T09:00:00.000Z', yes: 0, maybe: 0, no: 0 },
      { id: 's2', at: '2026-12-09T09:00:00.000Z', yes: 0, maybe: 0, no: 0 },
    ],
    answers: {},
    respondents: [],
    best: null,
    myAnswers: {},
    pickedSlotId: null,
    pickedCardId: null,
    presenter: null,
    createdBy: null,
    createdAt: '2026-12-07T09:00:00.000Z',
    closedAt: null,
    ...overrides,
  };
}

describe('bestSlot', () => {
  it('is null while nobody answered, or when nobody can come at any time', () => {
    expect(bestSlot([slot('a', 0, 0), slot('b', 0, 0)])).toBeNull();
    expect(bestSlot([slot('a', 0, 0, 2), slot('b', 0, 0, 1)])).toBeNull();
  });

  it('prefers the most yes, then the most “if need be”, then the fewest no, then the earliest', () => {
    expect(bestSlot([slot('a', 1, 0), slot('b', 2, 0)])).toBe('b');
    expect(bestSlot([slot('a', 1, 3), slot('b', 2, 0)])).toBe('b');
    expect(bestSlot([slot('a', 1, 0), slot('b', 1, 1)])).toBe('b');
    expect(bestSlot([slot('a', 1, 1), slot('b', 1, 1)])).toBe('a');
    expect(bestSlot([slot('a', 1, 1, 2), slot('b', 1, 1, 1)])).toBe('b');
    // A slot only "no" answers went to is never best, even beside an unanswered one.
    expect(bestSlot([slot('a', 0, 0, 2), slot('b', 0, 1, 0)])).toBe('b');
  });
});

describe('grid cells and rows', () => {
  it('cycles a cell yes → if need be → no → blank → yes', () => {
    expect([nextAnswer(null), nextAnswer('yes'), nextAnswer('maybe'), nextAnswer('no')]).toEqual([
      'yes',
      'maybe',
      'no',
      null,
    ]);
  });

  it('puts me first when I may answer, then the other respondents', () => {
    const me = { id: 'u2', name: 'Me' };
    const respondents = [
      { id: 'u1', name: 'Ana' },
      { id: 'u2', name: 'Me' },
    ];
    expect(gridRows(poll({ respondents }), me, true).map((r) => r.id)).toEqual(['u2', 'u1']);
    expect(gridRows(poll({ respondents: [respondents[0]] }), me, true).map((r) => r.id)).toEqual(['u2', 'u1']);
    // A viewer (or a closed poll) without an answer of mine: no empty row for me.
    expect(gridRows(poll({ respondents: [respondents[0]] }), me, false).map((r) => r.id)).toEqual(['u1']);
  });
});

describe('slot times', () => {
  it('shows times in the given zone and says what was decided', () => {
    const tokyo = new SlotFormatter('Asia/Tokyo', 'en-GB');
    const newYork = new SlotFormatter('America/New_York', 'en-GB');
    expect([tokyo.day('2026-12-08T09:00:00.000Z'), tokyo.time('2026-12-08T09:00:00.000Z')]).toEqual([
      'Tue 8 Dec',
      '18:00',
    ]);
    expect([newYork.day('2026-12-08T09:00:00.000Z'), newYork.time('2026-12-08T09:00:00.000Z')]).toEqual([
      'Tue 8 Dec',
      '4:00',
    ]);
    const decided = poll({ status: 'closed', pickedSlotId: 's1', presenter: { id: 'u1', name: 'Ana' } });
    expect(decidedText(decided, tokyo)).toBe('Decided: Tue 8 Dec, 18:00 — Ana presents');
    expect(decidedText(poll(), tokyo)).toBeNull();
  });

  it('reads the form’s date and time inputs as local times, and names the slot of a refusal', () => {
    expect(instantOfParts('2026-12-08', '18:00')).toBe(new Date(2026, 11, 8, 18, 0).toISOString());
    expect(instantOfParts('2026-12-08', '')).toBeNull();
    expect(instantOfParts('tomorrow', '18:00')).toBeNull();
    expect(slotOfMessage('body/slots/2 must be in the future')).toBe(2);
    expect(slotOfMessage('body/closesAt must be in the future')).toBeNull();
    const slots = defaultSlots(new Date(2026, 11, 7, 10, 0).getTime());
    expect(slots).toEqual([
      { date: '2026-12-08', time: '18:00' },
      { date: '2026-12-09', time: '18:00' },
      { date: '2026-12-10', time: '18:00' },
    ]);
  });
});

describe('pollOrder', () => {
  it('lists open polls newest first and the latest decided ones', () => {
    const open1 = poll({ id: 'o1', createdAt: '2026-12-01T00:00:00.000Z' });
    const open2 = poll({ id: 'o2', createdAt: '2026-12-02T00:00:00.000Z' });
    const closed = (id: string, day: number) =>
      poll({ id, status: 'closed', closedAt: `2026-12-0${day}T00:00:00.000Z`, pickedSlotId: 's1' });
    const { open, decided } = pollOrder([open1, closed('c1', 3), open2, closed('c2', 5), closed('c3', 4)], 2);
    expect(open.map((p) => p.id)).toEqual(['o2', 'o1']);
    expect(decided.map((p) => p.id)).toEqual(['c2', 'c3']);
  });
});
