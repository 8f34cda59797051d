import { describe, expect, it } from 'vitest';
import { countRound, type Ballot } from '#server/features/rounds/tally.js';

/** `n` copies of a ranked ballot. */
function ranked(n: number, ranking: string[]): Ballot[] {
  return Array.from({ length: n }, () => ({ ranking }));
}

describe('instant-runoff', () => {
  // The worked example of Wikipedia's "Instant-runoff voting" article (the Tennessee capital election,
  // as percentages of the electorate): Chattanooga, then Nashville are eliminated and Knoxville wins
  // 58 to 42, although Memphis leads the first round.
  const M = 'memphis';
  const N = 'nashville';
  const C = 'chattanooga';
  const K = 'knoxville';
  const tennessee = [
    ...ranked(42, [M, N, C, K]),
    ...ranked(26, [N, C, K, M]),
    ...ranked(15, [C, K, N, M]),
    ...ranked(17, [K, C, N, M]),
  ];

  it('elects Knoxville in the published Tennessee example, round by round', () => {
    const result = countRound('ranked', [M, N, C, K], tennessee, 1);
    expect(result.winners).toEqual([K]);
    expect(result.rounds).toEqual([
      { tallies: { [M]: 42, [N]: 26, [C]: 15, [K]: 17 }, eliminated: [C] },
      { tallies: { [M]: 42, [N]: 26, [K]: 32 }, eliminated: [N] },
      { tallies: { [M]: 42, [K]: 58 }, eliminated: [] },
    ]);
  });

  it('gives the same result whatever order the ballots come in', () => {
    const shuffled = [...tennessee].reverse();
    expect(countRound('ranked', [M, N, C, K], shuffled, 1)).toEqual(countRound('ranked', [M, N, C, K], tennessee, 1));
  });

  it('elects a candidate with a majority in the first round at once', () => {
    const result = countRound(
      'ranked',
      ['a', 'b', 'c'],
      [...ranked(4, ['a', 'b']), ...ranked(2, ['b']), ...ranked(1, ['c'])],
      1,
    );
    expect(result.winners).toEqual(['a']);
    expect(result.rounds).toHaveLength(1);
    // Half is not a majority: 3 of 6 goes to a second round.
    const half = countRound(
      'ranked',
      ['a', 'b', 'c'],
      [...ranked(3, ['a']), ...ranked(2, ['b']), ...ranked(1, ['c', 'b'])],
      1,
    );
    expect(half.rounds.map((round) => round.eliminated)).toEqual([['c'], ['b'], []]);
    expect(half.winners).toEqual(['a']);
  });

  it('counts an exhausted ballot for nobody, so a majority of the ballots still counting wins', () => {
    // Round 1: a 4, b 3, c 2 → c out; its two ballots rank nothing else and are exhausted.
    // Round 2: a 4 of 7 counted: a majority, although 4 of the 9 ballots is not.
    const ballots = [...ranked(4, ['a']), ...ranked(3, ['b']), ...ranked(2, ['c'])];
    const result = countRound('ranked', ['a', 'b', 'c'], ballots, 1);
    expect(result.winners).toEqual(['a']);
    expect(result.rounds.map((round) => round.eliminated)).toEqual([['c'], []]);
    expect(result.rounds[1].tallies).toEqual({ a: 4, b: 3 });
  });

  it('breaks a tie for last by the earlier rounds, then by the order the candidates are listed', () => {
    // Round 1: a 3, b 2, c 2, d 1 → d out, its ballot goes to c. Round 2: a 3, b 2, c 3 → b out.
    const backwards = [...ranked(3, ['a']), ...ranked(2, ['b']), ...ranked(2, ['c']), ...ranked(1, ['d', 'c'])];
    expect(countRound('ranked', ['a', 'b', 'c', 'd'], backwards, 1).rounds[1].eliminated).toEqual(['b']);
    // b and c tie in every round: the one listed later goes.
    const even = [...ranked(3, ['a']), ...ranked(2, ['b']), ...ranked(2, ['c'])];
    expect(countRound('ranked', ['a', 'b', 'c'], even, 1).rounds[0].eliminated).toEqual(['c']);
    expect(countRound('ranked', ['a', 'c', 'b'], even, 1).rounds[0].eliminated).toEqual(['b']);
  });

  it('elects k winners by instant-runoff again without the earlier winners', () => {
    const result = countRound('ranked', [M, N, C, K], tennessee, 2);
    // Without Knoxville its voters' next choice is Chattanooga (32); Nashville goes out and its ballots
    // go to Chattanooga too: 58 to Memphis's 42.
    expect(result.winners).toEqual([K, C]);
    expect(result.rounds.slice(3)).toEqual([
      { tallies: { [M]: 42, [N]: 26, [C]: 32 }, eliminated: [N] },
      { tallies: { [M]: 42, [C]: 58 }, eliminated: [] },
    ]);
  });

  it('ignores cards that are no longer candidates, and elects nobody without ballots', () => {
    const result = countRound('ranked', ['a', 'b'], [{ ranking: ['gone', 'b'] }, { ranking: ['gone'] }], 1);
    expect(result.winners).toEqual(['b']);
    expect(result.rounds[0].tallies).toEqual({ a: 0, b: 1 });
    expect(countRound('ranked', ['a', 'b'], [], 1)).toEqual({
      winners: [],
      rounds: [{ tallies: { a: 0, b: 0 }, eliminated: [] }],
    });
  });
});

describe('approval and dots', () => {
  it('elects the most approved, ties to the candidate listed first, a duplicate approval counting once', () => {
    const ballots: Ballot[] = [{ approve: ['a', 'b', 'b'] }, { approve: ['b', 'c'] }, { approve: ['a', 'gone'] }];
    const result = countRound('approval', ['c', 'a', 'b'], ballots, 2);
    expect(result.rounds).toEqual([{ tallies: { c: 1, a: 2, b: 2 }, eliminated: [] }]);
    expect(result.winners).toEqual(['a', 'b']);
  });

  it('adds up dots, and never elects a candidate without any', () => {
    const ballots: Ballot[] = [{ dots: { a: 2, b: 1 } }, { dots: { b: 3, gone: 5 } }];
    const result = countRound('dots', ['a', 'b', 'c'], ballots, 3);
    expect(result.rounds[0].tallies).toEqual({ a: 2, b: 4, c: 0 });
    expect(result.winners).toEqual(['b', 'a']);
  });
});
