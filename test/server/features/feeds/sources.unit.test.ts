import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readHfDaily } from '#server/features/feeds/hf-daily.js';
import { readRss, htmlToText } from '#server/features/feeds/rss.js';
import { listingQuery, listingUrl } from '#server/features/feeds/arxiv-listing.js';
import { parseFeedList, parseFeedSpec } from '#server/feed-spec.js';
import { dueDays, latestDueDay, matchesQuery } from '#server/features/feeds/feeds.service.js';
import { isPrivateAddress } from '#server/features/feeds/feed-http.js';
import { FeedFormatError } from '#server/features/feeds/source.js';

const fixture = (name: string) => fs.readFileSync(new URL(`../../../fixtures/feeds/${name}`, import.meta.url), 'utf8');

describe('Hugging Face daily papers', () => {
  it('maps title, summary, authors, arXiv id, date, GitHub repository and upvotes', () => {
    const [first, second] = readHfDaily(fixture('hf-daily.json'));
    expect(first).toEqual({
      title: 'Sparse Mixtures for Long Context Retrieval',
      abstract: 'We route long contexts through sparse experts.\nRetrieval improves at 1M tokens.',
      authors: ['Ada Moreau', 'Kenji Sato'],
      arxivId: '2612.01001',
      url: 'https://arxiv.org/abs/2612.01001',
      codeUrls: ['https://github.com/example/sparse-mix'],
      publishedAt: '2026-12-03T18:00:00.000Z',
      upvotes: 42,
    });
    expect(second).toMatchObject({ codeUrls: [], upvotes: 7, authors: ['Priya Raman'] });
  });

  it('refuses an answer that is not a list of papers', () => {
    expect(() => readHfDaily('<html>rate limited</html>')).toThrow(FeedFormatError);
    expect(() => readHfDaily('{"error":"Invalid date"}')).toThrow(/not a list/);
  });
});

describe('RSS and Atom', () => {
  it('reads an RSS 2.0 table of contents: HTML stripped, DOI from prism:doi or dc:identifier, arXiv links', () => {
    const [graph, rag, preprint] = readRss(fixture('rss2.xml'));
    expect(graph).toMatchObject({
      title: 'Graph Priors for Protein Folding',
      abstract: 'We add graph priors to folding models & improve accuracy.',
      authors: ['Lena Fischer', 'Omar Haddad'],
      url: 'https://journal.example.org/articles/10.5555/jes.2026.0101',
      doi: '10.5555/jes.2026.0101',
      arxivId: null,
      publishedAt: '2026-12-04T10:00:00.000Z',
      tags: ['Structural biology'],
    });
    expect(graph.abstract).not.toContain('alert');
    expect(rag).toMatchObject({ doi: '10.5555/jes.2026.0102', publishedAt: '2026-12-03T08:30:00.000Z' });
    expect(preprint).toMatchObject({ arxivId: '2612.01002', doi: null });
  });

  it('reads an Atom feed: summary or content, authors, published else updated', () => {
    const [tiny, sparse] = readRss(fixture('atom.xml'));
    expect(tiny).toMatchObject({
      title: 'Scaling Laws for Tiny Models',
      abstract: 'What happens below 10M parameters.',
      authors: ['Grace Lin', 'Tomás Ruiz'],
      url: 'https://lab.example.org/posts/tiny-scaling',
      doi: '10.5555/lab.2026.7',
      publishedAt: '2026-12-04T15:00:00.000Z',
    });
    expect(sparse).toMatchObject({ abstract: 'Sparse retrieval, revisited.', publishedAt: '2026-12-03T11:00:00.000Z' });
  });

  it('refuses what is not a feed', () => {
    expect(() => readRss('<html><body>hello</body></html>')).toThrow(FeedFormatError);
    expect(htmlToText('a &#233; &#x263A; &unknown; <br/>b')).toBe('a é ☺ &unknown; b');
  });
});

describe('arXiv listings', () => {
  it('asks for the categories, the query words and the day with the day before', () => {
    const query = listingQuery({ categories: ['cs.LG', 'cs.CL'], query: 'sparse "experts")' }, '2026-12-05');
    expect(query).toBe(
      '(cat:cs.LG OR cat:cs.CL) AND (all:sparse AND all:experts) AND submittedDate:[202612040000 TO 202612052359]',
    );
    const url = new URL(listingUrl('http://arxiv.test/api/query', query, 100));
    expect(url.searchParams.get('search_query')).toBe(query);
    expect(url.searchParams.get('start')).toBe('100');
    expect(url.searchParams.get('sortBy')).toBe('submittedDate');
  });
});

describe('feed settings and days', () => {
  it('reads FEEDS entries and names the bad one', () => {
    expect(
      parseFeedList('hf-daily, arxiv:cs.LG+cs.CL,rss:https://lab.example.org/feed.atom,hf-daily').map((s) => s.key),
    ).toEqual(['hf-daily', 'arxiv:cs.LG+cs.CL', 'rss:https://lab.example.org/feed.atom']);
    expect(() => parseFeedSpec('arxiv:cs.LG+no way')).toThrow(/"no way" is not an arXiv category/);
    expect(() => parseFeedSpec('rss:ftp://x.example/feed')).toThrow(/http or https/);
    expect(() => parseFeedSpec('rss:https://user:pw@x.example/feed')).toThrow(/password/);
    expect(() => parseFeedSpec('mastodon')).toThrow(/not a feed/);
  });

  it('owes the day before the latest FEEDS_HOUR, and up to the backfill before it', () => {
    expect(latestDueDay(new Date('2026-12-06T07:00:00Z'), 6)).toBe('2026-12-05');
    expect(latestDueDay(new Date('2026-12-06T05:59:00Z'), 6)).toBe('2026-12-04');
    const hf = parseFeedSpec('hf-daily');
    expect(dueDays(hf, '2026-12-05', 3)).toEqual(['2026-12-03', '2026-12-04', '2026-12-05']);
    // An RSS feed has no day in its URL: only the latest day is run.
    expect(dueDays(parseFeedSpec('rss:https://x.example/f'), '2026-12-05', 3)).toEqual(['2026-12-05']);
  });

  it("keeps the papers with every word of a watch's query", () => {
    expect(matchesQuery({ title: 'Sparse Mixtures', abstract: 'long context' }, 'sparse CONTEXT')).toBe(true);
    expect(matchesQuery({ title: 'Sparse Mixtures', abstract: 'long context' }, 'sparse robots')).toBe(false);
    expect(matchesQuery({ title: 'Anything' }, null)).toBe(true);
  });

  it('tells private addresses from public ones', () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '192.168.1.1', '169.254.169.254', '::1', 'fd00::1', '::ffff:127.0.0.1']) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    for (const a of ['93.184.216.34', '2606:4700::1111']) expect(isPrivateAddress(a), a).toBe(false);
  });
});
