import { describe, expect, it } from 'vitest';
import { normalizeArxivId } from '#server/features/papers/identifiers.js';

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
