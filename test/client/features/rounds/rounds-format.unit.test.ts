import { describe, expect, it } from 'vitest';
import type { Round } from '#shared/schemas/rounds.js';
import {
  ballotText,
  countdown,
  countRows,
  fieldErrorText,
  fieldOfMessage,
  instantOf,
  listOrder,
  localDateTimeValue,
  moved,
} from '#client/features/rounds/rounds-format.js';

const NOW = Date.parse('2026-12-07T10:00:00Z');

describe('countdown', () => {
  it.each([
    ['2026-12-09T15:30:00Z', '2 d 5 h left'],
    ['2026-12-08T10:00:00Z', '1 d left'],
    ['2026-12-07T13:20:00Z', '3 h 20 min left'],
    ['2026-12-07T11:00:00Z', '1 h left'],
    ['2026-12-07T10:03:10Z', '4 min left'],
    ['2026-12-07T10:00:00Z', 'closing…'],
  ])('says %s as %s', (closesAt, text) => {
    expect(countdown(closesAt, NOW)).toBe(text);
  });
});

describe('closing time input', () => {
  it('reads back the local time it writes', () => {
    const at = new Date(2026, 11, 10, 18, 30);
    expect(localDateTimeValue(at)).toBe('2026-12-10T18:30');
    expect(instantOf('2026-12-10T18:30')).toBe(at.toISOString());
  });

  it('refuses what is not a time', () => {
    expect(instantOf('')).toBeNull();
    expect(instantOf('2026-13-45T99:99')).toBeNull();
  });
});

describe('fieldOfMessage', () => {
  it('names the form field of a refusal', () => {
    expect(fieldOfMessage('body/closesAt must be in the future')).toBe('closesAt');
    expect(fieldOfMessage('body/candidates/columnId is not a column of this board')).toBe('candidates');
    expect(fieldOfMessage('body/dotsPerMember is required for a dots round')).toBe('dotsPerMember');
    expect(fieldOfMessage('the round is closed')).toBeNull();
    expect(fieldOfMessage('body/unknown is odd')).toBeNull();
  });

  it('says the refusal beside its field without the field’s path', () => {
    expect(fieldErrorText('body/closesAt must be in the future')).toBe('Must be in the future.');
    expect(fieldErrorText('body/candidates/columnId is not a column of this board')).toBe(
      'Is not a column of this board.',
    );
  });
});

describe('moved', () => {
  it('moves an item and keeps it within the list', () => {
    expect(moved(['a', 'b', 'c'], 2, -1)).toEqual(['a', 'c', 'b']);
    expect(moved(['a', 'b', 'c'], 0, 1)).toEqual(['b', 'a', 'c']);
    expect(moved(['a', 'b', 'c'], 0, -1)).toEqual(['a', 'b', 'c']);
    expect(moved(['a', 'b', 'c'], 0, 5)).toEqual(['b', 'c', 'a']);
  });
});

const round = (over: Partial<Round>): Round => ({
  id: 'r',
  boardId: 'b',
  method: 'ranked',
  status: 'closed',
  candidates: ['a', 'b', 'c', 'd'],
  closesAt: '2026-12-08T10:00:00Z',
  winners: 1,
  voters: [],
  ballotCount: 0,
  myBallot: null,
  result: null,
  openBallot: false,
  moveWinnersTo: null,
  dotsPerMember: null,
  createdBy: null,
  createdAt: '2026-12-01T10:00:00Z',
  closedAt: null,
  ...over,
});

describe('listOrder', () => {
  it('lists open rounds first, closing soonest first, then closed ones newest first', () => {
    const rounds = [
      round({ id: 'old', closedAt: '2026-12-01T00:00:00Z' }),
      round({ id: 'late', status: 'open', closesAt: '2026-12-20T00:00:00Z' }),
      round({ id: 'new', closedAt: '2026-12-05T00:00:00Z' }),
      round({ id: 'soon', status: 'open', closesAt: '2026-12-10T00:00:00Z' }),
    ];
    expect(listOrder(rounds).map((r) => r.id)).toEqual(['soon', 'late', 'new', 'old']);
  });
});

describe('countRows', () => {
  it('shows where an eliminated candidate’s votes went, and the ballots that went to nobody', () => {
    const rows = countRows(
      round({
        result: {
          winners: ['b'],
          rounds: [
            { tallies: { a: 3, b: 3, c: 2, d: 1 }, eliminated: ['d'] },
            { tallies: { a: 4, b: 3, c: 2 }, eliminated: ['c'] },
            { tallies: { a: 4, b: 4 }, eliminated: ['a'] },
            { tallies: { b: 6 }, eliminated: [] },
          ],
        },
      }),
    );
    expect(rows.map((row) => row.tallies)).toEqual([
      [
        { cardId: 'a', votes: 3 },
        { cardId: 'b', votes: 3 },
        { cardId: 'c', votes: 2 },
        { cardId: 'd', votes: 1 },
      ],
      [
        { cardId: 'a', votes: 4 },
        { cardId: 'b', votes: 3 },
        { cardId: 'c', votes: 2 },
      ],
      [
        { cardId: 'a', votes: 4 },
        { cardId: 'b', votes: 4 },
      ],
      [{ cardId: 'b', votes: 6 }],
    ]);
    expect(rows.map((row) => row.transfers)).toEqual([
      { gains: [{ cardId: 'a', votes: 1 }], exhausted: 0 },
      { gains: [{ cardId: 'b', votes: 1 }], exhausted: 1 },
      { gains: [{ cardId: 'b', votes: 2 }], exhausted: 2 },
      null,
    ]);
  });

  it('has no transfers for a count that elected, nor across the start of the next winner’s count', () => {
    const rows = countRows(
      round({
        result: {
          winners: ['a', 'b'],
          rounds: [
            { tallies: { a: 2, b: 1 }, eliminated: [] },
            { tallies: { b: 2, c: 1 }, eliminated: [] },
          ],
        },
      }),
    );
    expect(rows.map((row) => row.transfers)).toEqual([null, null]);
  });
});

describe('ballotText', () => {
  const title = (id: string) => id.toUpperCase();
  it('writes each form of ballot', () => {
    expect(ballotText({ ranking: ['b', 'a'] }, title)).toBe('B › A');
    expect(ballotText({ approve: ['a', 'c'] }, title)).toBe('A, C');
    expect(ballotText({ dots: { a: 1, b: 3, c: 0 } }, title)).toBe('B 3, A 1');
    expect(ballotText({ ranking: [] }, title)).toBe('(empty)');
  });
});
