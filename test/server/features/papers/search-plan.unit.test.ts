import { describe, expect, it } from 'vitest';
import {
  chooseCandidateScan,
  matchBound,
  parseTsquery,
  type LexemeStats,
} from '#server/features/papers/search-plan.js';

const stats: LexemeStats = {
  frequencies: new Map([
    ['model', 0.92],
    ['retriev', 0.35],
    ['augment', 0.12],
    ['generat', 0.45],
    ['segment', 0.039],
    ['detect', 0.06],
    ['mixtur', 0.19],
    ['expert', 0.2],
    ["it's", 0.3],
  ]),
  unlisted: 0.019,
  rows: 100_000,
};

function bound(tsquery: string): number {
  const tree = parseTsquery(tsquery);
  if (!tree) throw new Error(`did not parse ${tsquery}`);
  return matchBound(tree, stats);
}

describe('the upper bound of what a tsquery matches', () => {
  it('takes the least frequent required word of an AND or a phrase', () => {
    expect(bound("'retriev' & 'augment' & 'generat'")).toBeCloseTo(0.12);
    expect(bound("'mixtur' <-> 'expert'")).toBeCloseTo(0.19);
    expect(bound("'mixtur' <2> 'expert'")).toBeCloseTo(0.19);
  });

  it('adds the alternatives of an OR, binding looser than AND', () => {
    expect(bound("'segment' | 'detect'")).toBeCloseTo(0.099);
    expect(bound("'segment' | 'detect' & 'augment'")).toBeCloseTo(0.039 + 0.06);
    expect(bound("( 'segment' | 'model' ) & 'augment'")).toBeCloseTo(0.12);
    expect(bound("'model' | 'generat'")).toBe(1);
  });

  it('bounds nothing with a negation or a prefix, and an unlisted word by the lowest listed frequency', () => {
    expect(bound("!'model'")).toBe(1);
    expect(bound("'segment' & !'model'")).toBeCloseTo(0.039);
    expect(bound("'segm':*")).toBe(1);
    expect(bound("'thermodynam'")).toBeCloseTo(0.019);
    expect(bound("'it''s'")).toBeCloseTo(0.3);
  });

  it('refuses text that is not a tsquery', () => {
    for (const text of ['', "'a' &", "( 'a'", "'a' 'b'", 'model']) expect(parseTsquery(text), text).toBeNull();
  });
});

describe('choosing how to collect the candidates', () => {
  it('walks the recency index for frequent words and capped at the rows the bound promised', () => {
    // At 100,000 papers the two ways cost the same for a query matching 5 %.
    expect(chooseCandidateScan("'retriev' & 'augment' & 'generat'", stats, 500)).toEqual({
      kind: 'walk',
      maxRows: 10_000,
    });
    expect(chooseCandidateScan("'model'", stats, 500)).toEqual({ kind: 'walk', maxRows: 10_000 });
  });

  it('collects the matches from the text index for rarer words', () => {
    expect(chooseCandidateScan("'segment'", stats, 500)).toEqual({ kind: 'matches' });
    expect(chooseCandidateScan("'thermodynam'", stats, 500)).toEqual({ kind: 'matches' });
  });

  it('moves the crossover with the size of the library', () => {
    // 4 % of 10,000 papers is 400 matches: cheaper to collect than to walk ~1,600 rows for.
    expect(chooseCandidateScan("'segment'", { ...stats, rows: 10_000 }, 500)).toEqual({ kind: 'matches' });
    expect(chooseCandidateScan("'segment'", { ...stats, rows: 10_000_000 }, 500)).toEqual({
      kind: 'walk',
      maxRows: 100_000,
    });
  });

  it('leaves the choice to the database without statistics or with a query it cannot read', () => {
    expect(chooseCandidateScan("'segment'", null, 500)).toBeNull();
    expect(chooseCandidateScan("'segment'", { ...stats, rows: 0 }, 500)).toBeNull();
    expect(chooseCandidateScan('', stats, 500)).toBeNull();
  });
});
