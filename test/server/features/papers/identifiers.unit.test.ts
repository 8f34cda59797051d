import { describe, expect, it } from 'vitest';
import { normalizeArxivId, searchIdentifiers } from '#server/features/papers/identifiers.js';

describe('normalizeArxivId', () => {
  it.each([
    ['2401.01234', '2401.01234'],
    ['2401.01234v3', '2401.01234'],
    ['arXiv:0706.0001', '0706.0001'],
    ['https://arxiv.org/pdf/2401.01234v2.pdf', '2401.01234'],
    ['hep-th/9901001', 'hep-th/9901001'],
    ['arXiv:hep-th/9901001v1', 'hep-th/9901001'],
    // arXiv's preferred form of an old id leaves the subject class out.
    ['math.CA/0611800v2', 'math/0611800'],
    ['arXiv:math.GT/0309136', 'math/0309136'],
    ['https://arxiv.org/abs/cs.AI/0101001', 'cs/0101001'],
  ])('reads %s as %s', (input, id) => {
    expect(normalizeArxivId(input)).toBe(id);
  });

  it.each(['', '2401.123', 'math.CAT/0611800', 'math/061180', '10.1000/xyz', 'https://example.org/abs/2401.01234'])(
    'refuses %j',
    (input) => {
      expect(normalizeArxivId(input)).toBeNull();
    },
  );
});

describe('searchIdentifiers', () => {
  it.each([
    ['1706.03762', { arxivId: '1706.03762', doi: null }],
    ['1706.03762v5', { arxivId: '1706.03762', doi: null }],
    ['arxiv.org/abs/1706.03762v5', { arxivId: '1706.03762', doi: null }],
    ['https://arxiv.org/pdf/1706.03762', { arxivId: '1706.03762', doi: null }],
    ['hep-th/9901001v2', { arxivId: 'hep-th/9901001', doi: null }],
    ['10.1145/3292500.3330701', { arxivId: null, doi: '10.1145/3292500.3330701' }],
    ['https://doi.org/10.1145/3292500.3330701', { arxivId: null, doi: '10.1145/3292500.3330701' }],
    // arXiv's own DOIs name the arXiv paper as well.
    ['10.48550/arXiv.1706.03762', { arxivId: '1706.03762', doi: '10.48550/arxiv.1706.03762' }],
    ['https://doi.org/10.48550/arXiv.1706.03762', { arxivId: '1706.03762', doi: '10.48550/arxiv.1706.03762' }],
  ])('reads %s as an identifier', (q, ids) => {
    expect(searchIdentifiers(q)).toEqual(ids);
  });

  it.each(['attention is all you need', 'transformer 1706.03762', 'Vaswani', '10.1145', '"1706.03762"'])(
    'reads %j as words',
    (q) => {
      expect(searchIdentifiers(q)).toBeNull();
    },
  );
});
