import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '#test/helpers/app.js';
import { bibtexFixture as fixture, manyEntries } from '#test/helpers/bibtex.js';
import { signUp, type TestUser } from '#test/helpers/factories.js';
import type { ImportResult, Paper } from '#shared/schemas/papers.js';

let t: TestApp;
let reader: TestUser;

beforeAll(async () => {
  t = await buildTestApp();
  reader = await signUp(t.app);
});
afterAll(() => t.close());
afterEach(async () => {
  await t.db.sql`delete from papers`;
});

async function importText(text: string, format = 'bibtex') {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/papers/import',
    headers: { cookie: reader.cookie },
    payload: { text, format },
  });
  expect(res.statusCode).toBe(200);
  return res.json() as ImportResult;
}

async function getPaper(id: string): Promise<Paper> {
  const res = await t.app.inject({ method: 'GET', url: `/api/papers/${id}` });
  expect(res.statusCode).toBe(200);
  return res.json() as Paper;
}

async function addPaper(payload: object): Promise<string> {
  const res = await t.app.inject({ method: 'POST', url: '/api/papers', headers: { cookie: reader.cookie }, payload });
  expect(res.statusCode).toBe(201);
  return (res.json() as Paper).id;
}

describe('POST /api/papers/import with BibTeX', () => {
  it('imports a Google Scholar export with decoded authors and the arXiv id from the journal line', async () => {
    const result = await importText(await fixture('google-scholar.bib'));
    expect(result.errors).toEqual([]);
    expect(result.created.map((c) => [c.line, c.title])).toEqual([
      [1, 'Attention is all you need'],
      [9, 'GPT-4 technical report'],
    ]);
    const attention = await getPaper(result.created[0].id);
    expect(attention.authors).toContain('Łukasz Kaiser');
    expect(attention.publishedAt).toMatch(/^2017-01-01T/);
    // Scholar gives only the year: the paper says so, rather than claiming 1 January.
    expect(attention.publishedPrecision).toBe('year');
    const gpt4 = await getPaper(result.created[1].id);
    expect(gpt4).toMatchObject({ arxivId: '2303.08774', authors: ['Josh Achiam', 'Steven Adler', 'Sandhini Agarwal'] });
  });

  it('imports a DBLP export with the arXiv id, the DOI and multi-line author lists', async () => {
    const result = await importText(await fixture('dblp.bib'));
    expect(result.errors).toEqual([]);
    expect(result.created.map((c) => c.line)).toEqual([1, 17]);
    const corr = await getPaper(result.created[0].id);
    expect(corr).toMatchObject({
      arxivId: '2401.01234',
      authors: ['Jan van der Berg', 'François Lefèvre', 'Zoë Müller'],
      url: 'https://arxiv.org/abs/2401.01234',
    });
    const vllm = await getPaper(result.created[1].id);
    expect(vllm).toMatchObject({
      title: 'Efficient Memory Management for Large Language Model Serving with PagedAttention',
      doi: '10.1145/3600006.3613165',
      arxivId: null,
    });
    expect(vllm.authors).toHaveLength(9);
  });

  it('imports an arXiv export with its eprint, url and unicode author names', async () => {
    const result = await importText(await fixture('arxiv.bib'));
    const llama = await getPaper(result.created[0].id);
    expect(llama).toMatchObject({
      title: 'LLaMA: Open and Efficient Foundation Language Models',
      arxivId: '2302.13971',
      url: 'https://arxiv.org/abs/2302.13971',
      publishedAt: expect.stringMatching(/^2023-01-01T/),
    });
    expect(llama.authors).toContain('Baptiste Rozière');
  });

  it('imports a Zotero export with abstract, keywords, month, corporate author and code links', async () => {
    const result = await importText(await fixture('zotero.bib'));
    expect(result.errors).toEqual([]);
    expect(result.created.map((c) => c.line)).toEqual([2, 21]);
    const street = await getPaper(result.created[0].id);
    expect(street).toMatchObject({
      title: 'Über Straßen, Façaden & Cafés: Straßenbilder mit GPT-4',
      authors: ['Jörg Müller', 'María García', 'The Street View Team'],
      abstract:
        'Wir untersuchen, wie GPT-4 Straßenansichten beschreibt. Unsere Ergebnisse zeigen >90% Übereinstimmung.',
      doi: '10.1038/s41598-024-00000-0',
      url: 'https://www.nature.com/articles/s41598-024-00000-0',
      publishedAt: expect.stringMatching(/^2024-03-01T/),
    });
    expect([...street.tags].sort()).toEqual(['Computer vision', 'Language models', 'Urban studies']);
    const tiny = await getPaper(result.created[1].id);
    expect(tiny).toMatchObject({
      url: null,
      codeUrls: ['https://github.com/example/tiny-recursive-models', 'https://huggingface.co/example/trm-7m'],
    });
  });

  it('detects BibTeX when the format is auto', async () => {
    const result = await importText(await fixture('arxiv.bib'), 'auto');
    expect(result.format).toBe('bibtex');
    expect(result.created).toHaveLength(1);
  });

  it('reports a broken entry on its line and creates the entries around it', async () => {
    const text = [
      '@misc{first, title = {First Paper}}',
      '',
      '@article{broken,',
      '  title = {Unclosed {brace,',
      '  year = {2024}',
      '}',
      '',
      '@misc{last, title = {Last Paper}}',
    ].join('\n');
    const result = await importText(text);
    expect(result.created.map((c) => [c.line, c.title])).toEqual([
      [1, 'First Paper'],
      [8, 'Last Paper'],
    ]);
    expect(result.errors).toEqual([
      { line: 3, message: expect.stringMatching(/^entry broken: a value opened with "\{" is never closed/) },
    ]);
  });

  it('creates nothing when the same text is imported again and names the existing papers', async () => {
    const text = (await fixture('dblp.bib')) + (await fixture('google-scholar.bib'));
    const first = await importText(text);
    expect(first.created).toHaveLength(4);
    const again = await importText(text);
    expect(again.created).toEqual([]);
    expect(again.errors).toEqual([]);
    expect(again.duplicates.map((d) => [d.line, d.existingId])).toEqual(first.created.map((c) => [c.line, c.id]));
  });

  it('reports an eprint already in the library under another title as a duplicate by arXiv id', async () => {
    const existingId = await addPaper({ title: 'Other title', arxivId: '2401.01234v2' });
    const result = await importText(
      '@misc{k, title = {Sparse Mixtures}, eprint = {2401.01234}, archivePrefix = {arXiv}, primaryClass = {cs.LG}}',
    );
    expect(result.created).toEqual([]);
    expect(result.duplicates).toEqual([{ line: 1, existingId, title: 'Sparse Mixtures', reason: 'arxivId' }]);
  });

  it('reports a DOI already in the library in another case as a duplicate by DOI', async () => {
    const existingId = await addPaper({ title: 'Other title', doi: '10.1162/neco.1997.9.8.1735' });
    const result = await importText(
      '@article{k, title = {Long Short-Term Memory}, doi = {10.1162/NECO.1997.9.8.1735}}',
    );
    expect(result.created).toEqual([]);
    expect(result.duplicates).toEqual([{ line: 1, existingId, title: 'Long Short-Term Memory', reason: 'doi' }]);
  });

  it('keeps how precise each date is: year, month or day', async () => {
    const result = await importText(
      [
        '@misc{y, title = {Year Only}, year = {2019}}',
        '@misc{m, title = {Year And Month}, year = {2020}, month = mar}',
        '@misc{d, title = {Full Date}, date = {2021-04-05}}',
      ].join('\n'),
    );
    const papers = await Promise.all(result.created.map((c) => getPaper(c.id)));
    expect(papers.map((p) => [p.publishedAt, p.publishedPrecision])).toEqual([
      ['2019-01-01T00:00:00.000Z', 'year'],
      ['2020-03-01T00:00:00.000Z', 'month'],
      ['2021-04-05T00:00:00.000Z', 'day'],
    ]);
  });

  it('answers a text without entries with one error on line 1', async () => {
    const result = await importText('@comment{nothing here}\n');
    expect(result).toMatchObject({
      created: [],
      duplicates: [],
      errors: [{ line: 1, message: expect.stringMatching(/no BibTeX entries/) }],
    });
  });
});

describe('a large BibTeX import', () => {
  it('is read off the event loop, which keeps serving while it is read; the reading is reported', async () => {
    const base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    // Counts turns of this process's event loop (the server's too) while the import runs.
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    try {
      const res = await fetch(`${base}/api/papers/import`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/x-ndjson', cookie: reader.cookie },
        body: JSON.stringify({ text: manyEntries(400), format: 'bibtex' }),
      });
      expect(res.status).toBe(200);
      const seen: { progress?: { phase: string; done: number; total: number }; ticks: number }[] = [];
      let result: ImportResult | undefined;
      let buffered = '';
      const decoder = new TextDecoder();
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffered += decoder.decode(chunk, { stream: true });
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const line of lines.filter(Boolean)) {
          const message = JSON.parse(line) as { progress?: { phase: string; done: number; total: number } };
          if (message.progress) seen.push({ progress: message.progress, ticks });
          else result = (message as { result: ImportResult }).result;
        }
      }
      const reading = seen.filter((s) => s.progress?.phase === 'parse');
      expect(reading.map((s) => s.progress)).toEqual([
        { phase: 'parse', done: 0, total: 0 },
        { phase: 'parse', done: 400, total: 400 },
      ]);
      // Read on the event loop, the ~1.5 s of parsing would let no timer run between the two lines.
      expect(reading[1].ticks - reading[0].ticks).toBeGreaterThan(10);
      expect(result?.created).toHaveLength(400);
    } finally {
      clearInterval(timer);
    }
  });

  it("does not hold up another user's small import while it is read", async () => {
    const other = await signUp(t.app, 'Small Sam');
    if (!t.app.server.listening) await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as { port: number };
    // ~900 kB: seconds of reading (a 5 MB file takes ~25 s). Its progress says when the reading is done.
    let largeRead = false;
    const large = fetch(`http://127.0.0.1:${port}/api/papers/import`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/x-ndjson', cookie: reader.cookie },
      body: JSON.stringify({ text: manyEntries(1500, 20_000), format: 'bibtex' }),
    }).then(async (res) => {
      let buffered = '';
      let result: ImportResult | undefined;
      const decoder = new TextDecoder();
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffered += decoder.decode(chunk, { stream: true });
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const line of lines.filter(Boolean)) {
          const message = JSON.parse(line) as { progress?: { phase: string; done: number }; result?: ImportResult };
          if (message.progress?.phase === 'parse' && message.progress.done > 0) largeRead = true;
          if (message.result) result = message.result;
        }
      }
      return result;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const small = await t.app.inject({
      method: 'POST',
      url: '/api/papers/import',
      headers: { cookie: other.cookie },
      payload: { text: manyEntries(2, 30_000), format: 'bibtex' },
    });
    expect(small.statusCode, small.body).toBe(200);
    expect(small.json().created).toHaveLength(2);
    // Answered while the large text is still being read, not after it (one queue would make it wait).
    expect(largeRead).toBe(false);
    expect((await large)?.created).toHaveLength(1500);
  }, 90_000);
});
