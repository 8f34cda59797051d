import { describe, expect, it } from 'vitest';
import { paperReference } from '#client/features/library/paper-reference.js';

describe('paperReference', () => {
  it('reads arXiv ids and URLs, old and new, with or without a version', () => {
    for (const text of [
      '2401.01234',
      ' arXiv:2401.01234v2 ',
      'hep-th/9901001',
      'math.CA/0611800v2',
      'https://arxiv.org/abs/2401.01234',
      'arxiv.org/pdf/2401.01234v1.pdf',
    ]) {
      expect(paperReference(text)).toEqual({ format: 'arxiv', text: text.trim() });
    }
  });

  it('reads DOIs, doi: DOIs and doi.org URLs', () => {
    for (const text of ['10.1162/neco.1997.9.8.1735', 'doi:10.1000/xyz', 'https://doi.org/10.1145/3292500.3330701']) {
      expect(paperReference(text)).toEqual({ format: 'doi', text });
    }
  });

  it('leaves words, other URLs and near misses to the search', () => {
    for (const text of ['attention is all you need', 'https://example.org/paper', '2401.012', '10.12/short', '']) {
      expect(paperReference(text)).toBeNull();
    }
  });
});
