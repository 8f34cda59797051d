import { describe, expect, it } from 'vitest';
import type { FeedRun } from '#shared/schemas/feeds.js';
import { describeRun, describeWatch, fieldOf, watchRequest } from '#client/features/feeds/feeds-format.js';

function run(overrides: Partial<FeedRun>): FeedRun {
  return {
    id: '1',
    source: 'arxiv',
    feedKey: 'watch:x',
    day: '2026-12-05',
    status: 'done',
    attempts: 1,
    fetched: 12,
    filtered: 0,
    created: 3,
    duplicates: 9,
    errors: 0,
    error: null,
    watchId: null,
    boardId: null,
    at: '2026-12-06T06:00:00.000Z',
    finishedAt: '2026-12-06T06:00:05.000Z',
    ...overrides,
  };
}

describe('watches in words', () => {
  it('says what each source brings', () => {
    expect(describeWatch({ source: 'hf-daily', query: null, categories: [], url: null })).toBe(
      'Hugging Face daily papers',
    );
    expect(describeWatch({ source: 'arxiv', query: 'diffusion', categories: ['cs.LG', 'cs.CV'], url: null })).toBe(
      'arXiv new submissions in cs.LG, cs.CV · matching “diffusion”',
    );
    expect(describeWatch({ source: 'rss', query: null, categories: [], url: 'https://example.org/feed' })).toBe(
      'RSS or Atom feed · https://example.org/feed',
    );
  });

  it('says how a run went', () => {
    expect(describeRun(run({}))).toBe('12 fetched, 3 new, 9 already in the library');
    expect(describeRun(run({ filtered: 4, fetched: 16, errors: 1 }))).toBe(
      '16 fetched, 4 not matching, 3 new, 9 already in the library, 1 unreadable',
    );
    expect(describeRun(run({ status: 'unchanged' }))).toBe('no change since the last run');
    expect(describeRun(run({ status: 'failed', error: 'the feed answered 503' }))).toBe(
      'failed: the feed answered 503',
    );
    expect(describeRun(run({ status: 'running' }))).toBe('running…');
  });
});

describe('the add form', () => {
  it('sends only what the source takes, trimmed, categories split on commas and spaces', () => {
    expect(watchRequest({ source: 'hf-daily', query: '  ', categories: 'cs.LG', url: 'x' })).toEqual({
      source: 'hf-daily',
    });
    expect(watchRequest({ source: 'arxiv', query: ' agents ', categories: 'cs.LG, cs.CL  cs.AI', url: '' })).toEqual({
      source: 'arxiv',
      query: 'agents',
      categories: ['cs.LG', 'cs.CL', 'cs.AI'],
    });
    expect(watchRequest({ source: 'rss', query: '', categories: '', url: ' https://example.org/rss ' })).toEqual({
      source: 'rss',
      url: 'https://example.org/rss',
    });
  });

  it('finds the field a 400 names', () => {
    expect(fieldOf('body/url must not point to this machine or a private network')).toBe('url');
    expect(fieldOf('body/categories/0 must match pattern "^[a-z]"')).toBe('categories');
    expect(fieldOf('a board has at most 10 watches')).toBeNull();
  });
});
