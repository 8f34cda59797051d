import fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '#test/helpers/app.js';
import { signUp, type TestUser } from '#test/helpers/factories.js';
import { TRENDING_FIXTURE } from '#server/bootstrap/seed.js';
import type { ImportResult, PaperPage } from '#shared/schemas/papers.js';
import { analyzeAfterImport } from '#server/features/papers/papers.repository.js';
import {
  RANKED_CANDIDATES,
  searchPapers,
  type SearchCursor,
} from '#server/features/papers/papers-search.repository.js';
import type { CandidateScan } from '#server/features/papers/search-plan.js';

let t: TestApp;
let fixture: string;
let reader: TestUser;

beforeAll(async () => {
  t = await buildTestApp();
  reader = await signUp(t.app);
  fixture = await fs.readFile(TRENDING_FIXTURE, 'utf8');
});
afterAll(() => t.close());

async function importText(text: string, format = 'auto') {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/papers/import',
    headers: { cookie: reader.cookie },
    payload: { text, format },
  });
  return { status: res.statusCode, body: res.json() as ImportResult };
}

async function search(query: string) {
  const res = await t.app.inject({ method: 'GET', url: `/api/papers?${query}` });
  expect(res.statusCode).toBe(200);
  return res.json() as PaperPage;
}

describe('the trending fixture', () => {
  it('imports as exactly 240 papers with the 30 GitHub links it contains', async () => {
    const { status, body } = await importText(fixture);
    expect(status).toBe(200);
    expect(body.format).toBe('trending');
    expect(body.errors).toEqual([]);
    expect(body.duplicates).toEqual([]);
    expect(body.created).toHaveLength(240);
    expect(body.created[0].title).toBe(
      'ChineseWebText 2.0: Large-Scale High-quality Chinese Web Text with Multi-dimensional and fine-grained information',
    );
    // 30 abstracts link GitHub; one of them (FluxMusic) links two repositories, hence 31 URLs.
    const [counts] = await t.db.sql<{ papers: number; links: number }[]>`
      select count(distinct p.id)::int as papers, count(*)::int as links
      from papers p, unnest(p.code_urls) as u where u ~ '^https?://github\.com/'`;
    expect(counts).toEqual({ papers: 30, links: 31 });
  });

  it('is analysed after the import where no autovacuum runs, so that search knows its word frequencies', async () => {
    const [state] = await t.db.sql<{ autovacuum: boolean; analysed: boolean }[]>`
      select exists (select 1 from pg_stat_activity where backend_type = 'autovacuum launcher') as autovacuum,
        exists (select 1 from pg_stats where tablename = 'papers' and attname = 'search') as analysed`;
    // Without autovacuum (a server configured so) the import analysed its 240 papers itself; where it
    // runs (the default, embedded mode included) it does so on its own schedule, and an import leaves it alone.
    if (!state.autovacuum) expect(state.analysed).toBe(true);
    expect(await analyzeAfterImport(t.db.sql, 49)).toBe(false);
    // 1,000 new papers would grow this library past the threshold: analysed unless autovacuum runs.
    expect(await analyzeAfterImport(t.db.sql, 1000)).toBe(!state.autovacuum);
  });

  it('creates nothing when the same text is imported again', async () => {
    const { body } = await importText(fixture);
    expect(body.created).toEqual([]);
    expect(body.duplicates).toHaveLength(240);
    expect(body.duplicates[0]).toMatchObject({ line: 3, reason: 'title' });
  });
});

describe('search', () => {
  it('finds unicode titles', async () => {
    const page = await search(`q=${encodeURIComponent('SΩI')}`);
    expect(page.items[0].title).toBe('SΩI: Score-based O-INFORMATION Estimation');
    const l2m = await search(`q=${encodeURIComponent('L^2M')}`);
    expect(l2m.items[0].title).toMatch(/^L\^2M: Mutual Information Scaling Law/);
  });
});

describe('search syntax and ranking', () => {
  it('finds a word inside a longer title word, whatever its case', async () => {
    const { body } = await importText(
      'TinyQuokkaNet: Small Models for Marsupial Counting\nWe count marsupials.',
      'trending',
    );
    expect(body.created).toHaveLength(1);
    try {
      // The stemmer keeps "tinyquokkanet" whole, so only the folded-title substring match finds it.
      for (const q of ['quokkanet', 'QuokkaNet', 'quokka net']) {
        const page = await search(`q=${encodeURIComponent(q)}`);
        expect(
          page.items.map((i) => i.title),
          q,
        ).toEqual(['TinyQuokkaNet: Small Models for Marsupial Counting']);
      }
      // Two letters match too many titles to mean anything: no substring match.
      expect((await search('q=qu')).items.some((i) => i.title.startsWith('TinyQuokkaNet'))).toBe(false);
    } finally {
      await t.db.sql`delete from papers where id = ${body.created[0].id}`;
    }
  });

  it('matches phrases and excludes negated words', async () => {
    const phrase = await search(`q=${encodeURIComponent('"mixture of experts"')}&limit=100`);
    expect(phrase.items.length).toBeGreaterThan(0);
    for (const item of phrase.items) {
      expect(`${item.title} ${item.abstract}`.toLowerCase()).toMatch(/mixtures?[- ]of[- ]experts?/);
    }
    const withVision = phrase.items.filter((i) => /vision/i.test(`${i.title} ${i.abstract}`));
    expect(withVision.length).toBeGreaterThan(0);
    const negated = await search(`q=${encodeURIComponent('"mixture of experts" -vision')}&limit=100`);
    expect(negated.items.length).toBe(phrase.items.length - withVision.length);
    expect(negated.items.some((i) => /vision/i.test(`${i.title} ${i.abstract}`))).toBe(false);
  });

  it('ranks a title match above papers that mention the words only in the abstract', async () => {
    const page = await search(`q=${encodeURIComponent('scaling laws')}&limit=50`);
    const firstAbstractOnly = page.items.findIndex((i) => !/scaling law/i.test(i.title));
    const lastTitleMatch = page.items.map((i) => /scaling law/i.test(i.title)).lastIndexOf(true);
    expect(lastTitleMatch).toBeGreaterThanOrEqual(0);
    expect(firstAbstractOnly).toBeGreaterThan(lastTitleMatch);
  });

  it('highlights the matched words in the title and the snippet', async () => {
    const page = await search(`q=diffusion&limit=5`);
    const item = page.items[0];
    expect(item.titleHighlight.some((s) => s.hit && /diffusion/i.test(s.text))).toBe(true);
    expect(item.snippet.some((s) => s.hit && /diffusion/i.test(s.text))).toBe(true);
    expect(item.titleHighlight.map((s) => s.text).join('')).toBe(item.title);
  });

  it('pages through every match exactly once with nextCursor', async () => {
    for (const query of ['q=model&sort=relevance', 'q=model&sort=recent', 'sort=recent']) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: PaperPage = await search(`${query}&limit=7${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...page.items.map((i) => i.id));
        cursor = page.nextCursor;
      } while (cursor);
      const all = await search(`${query}&limit=100`);
      expect(new Set(seen).size).toBe(seen.length);
      if (!all.nextCursor) expect(seen).toEqual(all.items.map((i) => i.id));
      expect(seen.length).toBeGreaterThan(7);
    }
  });

  it('filters by tag', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/papers',
      headers: { cookie: reader.cookie },
      payload: { title: 'A tagged paper about graph rewiring', tags: ['graphs'] },
    });
    expect(res.statusCode).toBe(201);
    const page = await search('tag=graphs');
    expect(page.items.map((i) => i.id)).toEqual([res.json().id]);
    expect((await search('tag=graphs&q=diffusion')).items).toEqual([]);
  });

  it('ranks only the most recent matches of a very common query and pages through them once', async () => {
    const text = Array.from(
      { length: RANKED_CANDIDATES + 10 },
      (_, i) => `${i % 3 === 0 ? 'Quokkarank' : 'Plain'} candidate paper ${i}\nAbstract ${i} about quokkarank.`,
    ).join('\n');
    const { body } = await importText(text, 'trending');
    expect(body.created).toHaveLength(RANKED_CANDIDATES + 10);
    try {
      const expected = await t.db.sql<{ id: string }[]>`
        select id from papers where title like '% candidate paper %'
        order by coalesce(published_at, created_at) desc, seq asc limit ${RANKED_CANDIDATES}`;
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: PaperPage = await search(`q=quokkarank&limit=100${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...page.items.map((i) => i.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toHaveLength(RANKED_CANDIDATES);
      expect(new Set(seen)).toEqual(new Set(expected.map((r) => r.id)));

      // Each way of collecting the candidates finds the same ones: the walk down the recency index
      // (long enough, or cut short and completed from the text index) and the text index alone.
      const scans: (CandidateScan | null)[] = [
        null,
        { kind: 'matches' },
        { kind: 'walk', maxRows: 100_000 },
        { kind: 'walk', maxRows: 3 },
      ];
      for (const scan of scans) {
        const ids: string[] = [];
        let after: SearchCursor | null = null;
        do {
          const page = await searchPapers(
            t.db.sql,
            { q: 'quokkarank', tag: null, sort: 'relevance', limit: 200, after },
            { scan },
          );
          ids.push(...page.hits.map((h) => h.id));
          after = page.more ? page.last : null;
        } while (after);
        expect(ids, JSON.stringify(scan)).toHaveLength(RANKED_CANDIDATES);
        expect(new Set(ids), JSON.stringify(scan)).toEqual(new Set(expected.map((r) => r.id)));
      }
      // Title matches (weight A) still come before abstract-only ones among the candidates.
      const first = await search('q=quokkarank&limit=20');
      expect(first.items.every((i) => i.title.startsWith('Quokkarank'))).toBe(true);
    } finally {
      await t.db.sql`delete from papers where title like '% candidate paper %'`;
    }
  });

  it('refuses a cursor it did not issue and a cursor of another sort order', async () => {
    const bad = await t.app.inject({ method: 'GET', url: '/api/papers?cursor=not-a-cursor' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: 'validation', message: expect.stringContaining('cursor') });
    const recent = await search('sort=recent&limit=2');
    const mixed = await t.app.inject({
      method: 'GET',
      url: `/api/papers?q=model&sort=relevance&cursor=${recent.nextCursor}`,
    });
    expect(mixed.statusCode).toBe(400);
  });

  it('bounds the page size', async () => {
    for (const limit of ['0', '101', 'ten']) {
      const res = await t.app.inject({ method: 'GET', url: `/api/papers?limit=${limit}` });
      expect(res.statusCode).toBe(400);
      expect(res.json().message).toContain('limit');
    }
  });
});

describe('search finds what people type', () => {
  let attention: string;
  let gnn: string;
  let oldStyle: string;
  let followUp: string;
  let byNamesake: string;

  async function addPaper(payload: object): Promise<string> {
    const res = await t.app.inject({ method: 'POST', url: '/api/papers', headers: { cookie: reader.cookie }, payload });
    expect(res.statusCode).toBe(201);
    return (res.json() as { id: string }).id;
  }

  async function ids(q: string): Promise<string[]> {
    return (await search(`q=${encodeURIComponent(q)}&limit=50`)).items.map((i) => i.id);
  }

  beforeAll(async () => {
    attention = await addPaper({
      title: 'Attention Is All You Need',
      abstract: 'The dominant sequence transduction models are based on complex recurrent or convolutional networks.',
      authors: ['Ashish Vaswani', 'Noam Shazeer', 'Niki Parmar', 'Jakob Uszkoreit'],
      arxivId: 'arXiv:1706.03762v7',
    });
    gnn = await addPaper({
      title: 'Heterogeneous Graph Neural Network',
      authors: ['Chuxu Zhang', 'Dongjin Song'],
      doi: 'https://doi.org/10.1145/3292500.3330961',
    });
    oldStyle = await addPaper({
      title: 'Large N Field Theories, String Theory and Gravity',
      arxivId: 'hep-th/9905111',
    });
    followUp = await addPaper({
      title: 'Revisiting a sequence transduction baseline',
      abstract: 'We retrain the model of arXiv 1706.03762 with fewer layers.',
    });
    // Named like a word people search for: a match on an author ranks below matches on titles.
    byNamesake = await addPaper({ title: 'Notes on quokka husbandry', authors: ['Maria Segmentation'] });
  });
  afterAll(async () => {
    await t.db.sql`delete from papers where id in ${t.db.sql([attention, gnn, oldStyle, followUp, byNamesake])}`;
  });

  it('finds papers by an author, by surname or full name, alone or with title words', async () => {
    for (const q of ['Vaswani', 'vaswani', 'Ashish Vaswani', 'Shazeer attention']) {
      expect(await ids(q), q).toEqual([attention]);
    }
    expect((await ids('Dongjin Song'))[0]).toBe(gnn);
  });

  it('ranks a paper found by its author below the papers with the word in their title', async () => {
    const found = await search('q=segmentation&limit=100');
    const position = found.items.findIndex((i) => i.id === byNamesake);
    expect(position).toBeGreaterThan(0);
    const lastTitleMatch = found.items.map((i) => /segmentation/i.test(i.title)).lastIndexOf(true);
    expect(position).toBeGreaterThan(lastTitleMatch);
  });

  it('finds a paper by its arXiv id, bare, with a version, or as an abs or pdf URL, before papers citing it', async () => {
    for (const q of [
      '1706.03762',
      '1706.03762v5',
      'arXiv:1706.03762',
      'arxiv.org/abs/1706.03762v5',
      'https://arxiv.org/pdf/1706.03762',
      'https://arxiv.org/pdf/1706.03762v2.pdf',
    ]) {
      expect((await ids(q))[0], q).toBe(attention);
    }
    // The abstract that cites the id is found by its words, after the paper the id names.
    expect(await ids('1706.03762')).toEqual([attention, followUp]);
  });

  it('finds a paper by an old-style arXiv id, with a version or as a URL', async () => {
    for (const q of ['hep-th/9905111', 'hep-th/9905111v3', 'https://arxiv.org/abs/hep-th/9905111']) {
      expect(await ids(q), q).toEqual([oldStyle]);
    }
  });

  it('finds a paper by its DOI, bare or as a doi.org URL, and an arXiv paper by its arXiv DOI', async () => {
    for (const q of [
      '10.1145/3292500.3330961',
      'https://doi.org/10.1145/3292500.3330961',
      'doi:10.1145/3292500.3330961',
    ]) {
      expect(await ids(q), q).toEqual([gnn]);
    }
    for (const q of ['10.48550/arXiv.1706.03762', 'https://doi.org/10.48550/arxiv.1706.03762']) {
      expect((await ids(q))[0], q).toBe(attention);
    }
  });

  it('corrects typos to the words of the titles when the words find nothing, and says so', async () => {
    expect((await ids('atention is all you ned'))[0]).toBe(attention);
    expect((await search(`q=${encodeURIComponent('atention is all you ned')}`)).correctedQuery).toBe(
      'attention is all you need',
    );
    expect((await ids('Heterogenous Graph Neural Netwrok'))[0]).toBe(gnn);
    const transformers = await search('q=transformr');
    // The library's titles say "Transformers", never "Transformer".
    expect(transformers.correctedQuery).toBe('transformers');
    expect(transformers.items.map((i) => i.title)).toContain(
      'General-Purpose In-Context Learning by Meta-Learning Transformers',
    );
    // The corrected words are highlighted like any match.
    expect(transformers.items[0].titleHighlight.some((segment) => segment.hit)).toBe(true);
    // A query the words answer as typed is not corrected.
    expect((await search('q=transformers')).correctedQuery).toBeUndefined();
  });

  it('learns the words of papers added later, for corrections', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/papers',
      headers: { cookie: reader.cookie },
      payload: { title: 'Zygomorphic Quokkas in Photonic Lattices', abstract: 'A study.' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const page = await search(`q=${encodeURIComponent('zygomorfic quoka')}`);
    expect(page.correctedQuery).toMatch(/^zygomorphic quokkas?$/);
    expect(page.items.map((i) => i.id)).toContain(res.json().id);
  });

  it('corrects only plain words that find nothing', async () => {
    // Quoted, the words mean exactly those words; an identifier means that paper.
    expect(await ids('"atention is all you ned"')).toEqual([]);
    expect(await ids('2901.99999')).toEqual([]);
    // A title like one word, with another word like nothing, is not a typo of the query.
    expect(await ids('attention zyxwvut')).toEqual([]);
    // A query the words answer gets their matches only.
    const attentionPage = await search('q=attention&limit=100');
    expect(attentionPage.items.length).toBeGreaterThan(0);
    expect(attentionPage.items.every((i) => /attent/i.test(`${i.title} ${i.abstract}`))).toBe(true);
  });

  it('refuses an overlong query with a 400 that names it', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/api/papers?q=${'a'.repeat(501)}` });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toContain('q');
  });
});

describe('adding one paper', () => {
  it('stores the fields and returns the paper', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/papers',
      headers: { cookie: reader.cookie },
      payload: {
        title: 'Attention Is All You Need',
        authors: ['Ashish Vaswani', 'Noam Shazeer'],
        arxivId: 'https://arxiv.org/abs/1706.03762v7',
        doi: 'https://doi.org/10.48550/ARXIV.1706.03762',
        publishedAt: '2017-06-12T00:00:00Z',
        codeUrls: ['https://github.com/tensorflow/tensor2tensor'],
      },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      title: 'Attention Is All You Need',
      arxivId: '1706.03762',
      doi: '10.48550/arxiv.1706.03762',
      publishedAt: '2017-06-12T00:00:00.000Z',
    });
    const fetched = await t.app.inject({ method: 'GET', url: `/api/papers/${res.json().id}` });
    expect(fetched.json()).toEqual(res.json());
    const [row] = await t.db.sql<{ addedBy: string }[]>`select added_by from papers where id = ${res.json().id}`;
    expect(row.addedBy).toBe(reader.user.id);
  });

  it('needs a session to add or import papers, while reading stays open', async () => {
    const add = await t.app.inject({ method: 'POST', url: '/api/papers', payload: { title: 'Anonymous paper' } });
    expect(add.statusCode).toBe(401);
    const imported = await t.app.inject({
      method: 'POST',
      url: '/api/papers/import',
      payload: { text: 'Anonymous paper\nAbstract.', format: 'trending' },
    });
    expect(imported.statusCode).toBe(401);
    expect((await t.app.inject('/api/papers?q=anonymous')).json().items).toEqual([]);
    const forged = await t.app.inject({
      method: 'POST',
      url: '/api/papers/import',
      headers: { authorization: 'Bearer not-the-secret' },
      payload: { text: 'Anonymous paper\nAbstract.', format: 'trending' },
    });
    expect(forged.statusCode).toBe(401);
  });

  it.each([
    ['the same arXiv id in another form', { title: 'Different title one', arxivId: '1706.03762v2' }, 'arxivId'],
    ['an arXiv abs URL', { title: 'Different title two', arxivId: 'arxiv.org/abs/1706.03762' }, 'arxivId'],
    ['the DOI in other case', { title: 'Different title three', doi: '10.48550/arXiv.1706.03762' }, 'doi'],
    ['the title with other case and punctuation', { title: '  attention is ALL you need!! ' }, 'title'],
  ])('answers 409 with the existing id for %s', async (_name, payload, reason) => {
    const original = await search(`q=${encodeURIComponent('attention is all you need')}`);
    const res = await t.app.inject({ method: 'POST', url: '/api/papers', headers: { cookie: reader.cookie }, payload });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ error: 'conflict', existingId: original.items[0].id });
    expect(res.json().message).toContain(reason);
  });

  it('refuses bad input with a 400 that names the field', async () => {
    const cases: [object, string][] = [
      [{}, 'title'],
      [{ title: '' }, 'title'],
      [{ title: 'x'.repeat(1001) }, 'title'],
      [{ title: 'ok', authors: 'not a list' }, 'authors'],
      [{ title: 'ok', url: 'not a url' }, 'url'],
      [{ title: 'ok', arxivId: 'banana' }, 'arxivId'],
      [{ title: 'ok', doi: '11.1/x' }, 'doi'],
      [{ title: 'ok', extra: 1 }, 'extra'],
    ];
    for (const [payload, field] of cases) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/papers',
        headers: { cookie: reader.cookie },
        payload,
      });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().message, JSON.stringify(payload)).toContain(field);
    }
  });

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    const unknown = await t.app.inject({ method: 'GET', url: '/api/papers/00000000-0000-4000-8000-000000000000' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ error: 'not_found' });
    const malformed = await t.app.inject({ method: 'GET', url: '/api/papers/42' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().message).toContain('id');
  });
});

describe('import input', () => {
  it('refuses a body over the limit with 413 and stores nothing', async () => {
    const before = (await search('sort=recent&limit=100')).items.length;
    const huge = `${'A title\n' + 'x'.repeat(300) + '\n'}`.repeat(Math.ceil(t.config.bodyLimitBytes / 300));
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/papers/import',
      headers: { cookie: reader.cookie },
      payload: { text: huge },
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ error: 'payload_too_large' });
    expect((await search('sort=recent&limit=100')).items.length).toBe(before);
  });

  it('refuses a binary file with 415', async () => {
    const binary = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d, 0xff, 0xfe]).toString('latin1');
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/papers/import?format=trending',
      headers: { 'content-type': 'text/plain', cookie: reader.cookie },
      payload: `Title\u0000${binary}`,
    });
    expect(res.statusCode).toBe(415);
  });

  it('asks for a format when it cannot tell', async () => {
    const res = await importText('just a few words');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'validation', message: expect.stringContaining('format') });
  });

  it('reports an unpaired title line with its line number and keeps the rest', async () => {
    const text = 'Paper one title\r\nAbstract of paper one with words.\r\n\r\nDangling title without abstract   \r\n';
    const { body } = await importText(text, 'trending');
    expect(body.created.map((c) => [c.line, c.title])).toEqual([[1, 'Paper one title']]);
    expect(body.errors).toEqual([{ line: 4, message: expect.stringContaining('abstract') }]);
  });

  it('reports a repeat inside one input as a duplicate of the first occurrence', async () => {
    const text = 'Twice Seen Paper\nFirst abstract.\nTWICE seen paper.\nSecond abstract.\n';
    const { body } = await importText(text, 'trending');
    expect(body.created).toHaveLength(1);
    expect(body.duplicates).toEqual([
      { line: 3, existingId: body.created[0].id, title: 'TWICE seen paper.', reason: 'title' },
    ]);
  });

  it('stores a feed of several batches in input order and skips the papers already stored', async () => {
    const known = fixture.split('\n').slice(4, 6);
    const lines = Array.from({ length: 1200 }, (_, i) => `Ordered feed paper ${i}\nAbstract ${i}.`);
    lines.splice(700, 0, ...known);
    const { body } = await importText(lines.join('\n'), 'trending');
    try {
      expect(body.errors).toEqual([]);
      expect(body.created).toHaveLength(1200);
      expect(body.duplicates).toEqual([expect.objectContaining({ line: 1401, reason: 'title' })]);
      const rows = await t.db.sql<{ id: string }[]>`
        select id from papers where title like 'Ordered feed paper %' order by seq`;
      expect(rows.map((r) => r.id)).toEqual(body.created.map((c) => c.id));
    } finally {
      await t.db.sql`delete from papers where title like 'Ordered feed paper %'`;
    }
  });

  it('stores each paper once when the same text is imported concurrently', async () => {
    const text = Array.from({ length: 60 }, (_, i) => `Concurrent paper number ${i}\nAbstract ${i}.`).join('\n');
    const results = await Promise.all([1, 2, 3, 4].map(() => importText(text, 'trending')));
    const created = results.flatMap((r) => r.body.created);
    expect(created).toHaveLength(60);
    for (const r of results) expect(r.body.created.length + r.body.duplicates.length).toBe(60);
    const [{ n }] = await t.db.sql<
      { n: number }[]
    >`select count(*)::int as n from papers where title like 'Concurrent paper number %'`;
    expect(n).toBe(60);
  });
});
