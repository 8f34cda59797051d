import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../../../helpers/app.js';
import { signUp, type TestUser } from '../../../../helpers/factories.js';
import { parseBibtex } from '../../../../../server/src/features/papers/importers/bibtex.js';
import { BibtexThread } from '../../../../../server/src/features/papers/importers/bibtex-thread.js';
import type { PaperDraft } from '../../../../../server/src/features/papers/importers/types.js';
import type { ImportResult, Paper } from '../../../../../shared/schemas/papers.js';

const FIXTURES = path.join(import.meta.dirname, '../../../../fixtures/bibtex');

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

function fixture(name: string): Promise<string> {
  return fs.readFile(path.join(FIXTURES, name), 'utf8');
}

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

/** The drafts of `text`, failing the test on any error line. */
function drafts(text: string): PaperDraft[] {
  const { lines } = parseBibtex(text);
  return lines.map((l) => {
    if ('error' in l) throw new Error(`line ${l.line}: ${l.error}`);
    return l.draft;
  });
}

function draft(text: string): PaperDraft {
  const [only, ...rest] = drafts(text);
  expect(rest).toEqual([]);
  return only;
}

describe('parseBibtex', () => {
  it('decodes accents, special letters and escaped ampersands and strips case-protecting braces', () => {
    const { title } = draft(
      String.raw`@article{k, title = {{GPT}-4 f{\"u}r M{\"{u}}nchen: Fa{\c c}ade, Stra{\ss}e \& Caf\'e}}`,
    );
    expect(title).toBe('GPT-4 für München: Façade, Straße & Café');
  });

  it('keeps the text of LaTeX commands the parser does not know and drops the commands', () => {
    const { title } = draft(String.raw`@article{k, title = {Scaling \foo{Laws} for \unknownmacro Models}}`);
    expect(title).toBe('Scaling Laws for Models');
  });

  it('collapses the whitespace of titles wrapped over several lines', () => {
    const { title } = draft('@article{k, title = {Efficient Memory Management\n      for   Serving}}');
    expect(title).toBe('Efficient Memory Management for Serving');
  });

  it('writes authors as "First Last" and keeps braced corporate authors whole', () => {
    const { authors } = draft(
      String.raw`@article{k, title = {T}, author = {M{\"u}ller, J{\"o}rg and {The LLaMA Team} and van der Berg, Jan and Grace Hopper}}`,
    );
    expect(authors).toEqual(['Jörg Müller', 'The LLaMA Team', 'Jan van der Berg', 'Grace Hopper']);
  });

  it('leaves out the "others" of a truncated author list', () => {
    const { authors } = draft('@article{k, title = {T}, author = {Achiam, Josh and Adler, Steven and others}}');
    expect(authors).toEqual(['Josh Achiam', 'Steven Adler']);
  });

  it('takes the arXiv id from eprint when archivePrefix is arXiv', () => {
    const { arxivId } = draft('@misc{k, title = {T}, eprint = {2302.13971v2}, archivePrefix = {arXiv}}');
    expect(arxivId).toBe('2302.13971');
  });

  it('ignores an eprint from another archive', () => {
    const { arxivId } = draft('@article{k, title = {T}, eprint = {1234.5678}, eprinttype = {pubmed}}');
    expect(arxivId).toBeNull();
  });

  it('takes the arXiv id from a Google Scholar journal line, an arxiv.org url or an arXiv DOI', () => {
    const ids = drafts(
      [
        '@article{a, title = {A}, journal = {arXiv preprint arXiv:2303.08774}}',
        '@article{b, title = {B}, url = {https://arxiv.org/abs/2401.01234}}',
        '@misc{c, title = {C}, doi = {10.48550/ARXIV.2312.00752}}',
        '@misc{d, title = {D}, note = {arXiv:2106.09685 [cs]}}',
      ].join('\n'),
    ).map((d) => d.arxivId);
    expect(ids).toEqual(['2303.08774', '2401.01234', '2312.00752', '2106.09685']);
  });

  it('takes the DOI from a doi.org url when there is no doi field', () => {
    const { doi } = draft('@inproceedings{k, title = {T}, url = {https://doi.org/10.1145/3600006.3613165}}');
    expect(doi).toBe('10.1145/3600006.3613165');
  });

  it('puts GitHub, GitLab and Hugging Face links from url, howpublished and note into codeUrls', () => {
    const result = draft(
      String.raw`@misc{k, title = {T}, url = {https://github.com/a/b}, howpublished = {\url{https://gitlab.com/c/d}},
        note = {Weights: \url{https://huggingface.co/e/f}; paper: \url{https://example.org/p}}}`,
    );
    expect(result.codeUrls).toEqual(['https://github.com/a/b', 'https://gitlab.com/c/d', 'https://huggingface.co/e/f']);
    expect(result.url).toBeNull();
  });

  it('splits keywords on commas and semicolons into tags', () => {
    const { tags } = draft('@article{k, title = {T}, keywords = {Computer vision, language models; urban studies}}');
    expect(tags).toEqual(expect.arrayContaining(['Computer vision', 'language models', 'urban studies']));
    expect(tags).toHaveLength(3);
  });

  it('dates a paper from year and month macro, year alone, or a biblatex date', () => {
    const dates = drafts(
      [
        '@article{a, title = {A}, year = 2024, month = mar}',
        '@article{b, title = {B}, year = {2017}}',
        '@article{c, title = {C}, date = {2023-11-05}}',
        '@article{d, title = {D}, year = {2022}, month = {September}}',
      ].join('\n'),
    ).map((d) => d.publishedAt);
    expect(dates).toEqual(['2024-03-01', '2017-01-01', '2023-11-05', '2022-09-01']);
  });

  it('resolves @string macros', () => {
    const { title } = draft('@string{llm = {Large Language Models}}\n@article{k, title = llm # { at Scale}}');
    expect(title).toBe('Large Language Models at Scale');
  });

  it('keeps a crossref child its own title and does not import the proceedings volume', () => {
    const { lines } = parseBibtex(
      [
        '@inproceedings{paper, title = {The Paper}, crossref = {proc}}',
        '@proceedings{proc, title = {Proceedings of Things}, year = {2022}, doi = {10.1/proc}}',
        '@inproceedings{untitled, crossref = {proc}}',
      ].join('\n'),
    );
    expect(lines).toEqual([
      { line: 1, draft: expect.objectContaining({ title: 'The Paper', doi: null, publishedAt: '2022-01-01' }) },
      { line: 3, error: 'entry untitled has no title' },
    ]);
  });

  it('numbers each entry by the line of its @type{, after comments and blank lines', () => {
    const text = [
      '% Exported from a reference manager',
      '@comment{jabref-meta: databaseType:bibtex;}',
      '@preamble{"\\newcommand{\\noop}[1]{}"}',
      '',
      '@article{a,',
      '  title = {A}',
      '}',
      'Free text between entries is a comment too.',
      '  @misc{b, title = {B}}',
    ].join('\n');
    expect(parseBibtex(text).lines.map((l) => l.line)).toEqual([5, 9]);
  });

  it('numbers lines the same with CRLF line endings', () => {
    const text = '%% comment\r\n\r\n@article{a,\r\n  title = {A}\r\n}\r\n\r\n@misc{b,\r\n title = {B}}\r\n';
    expect(parseBibtex(text).lines.map((l) => l.line)).toEqual([3, 7]);
  });

  it('gives identical entries their own lines', () => {
    const entry = '@misc{same, title = {Same}}';
    expect(parseBibtex(`${entry}\n\n${entry}\n`).lines.map((l) => l.line)).toEqual([1, 3]);
  });

  it('reports an entry without a title by its key', () => {
    expect(parseBibtex('\n@misc{notitle, author = {A B}, year = 2020}').lines).toEqual([
      { line: 2, error: 'entry notitle has no title' },
    ]);
  });

  it('reports an entry the parser cannot read and keeps the entries around it', () => {
    const { lines } = parseBibtex(
      ['@misc{a, title = {A}}', '@misc{broken, title = {Unclosed $math}}', '@misc{c, title = {C}}'].join('\n'),
    );
    expect(lines.map((l) => ('error' in l ? `${l.line}: ${l.error}` : `${l.line}: ${l.draft.title}`))).toEqual([
      '1: A',
      expect.stringMatching(/^2: could not read entry broken: Unclosed math section/),
      '3: C',
    ]);
  });

  it('reports a malformed @string on line 1 instead of throwing', () => {
    const { lines } = parseBibtex(String.raw`@string{bad = {\newcommand}}` + '\n@misc{a, title = {A}}');
    expect(lines).toEqual([{ line: 1, error: expect.stringMatching(/^could not read the BibTeX: /) }]);
  });

  it('says so when the text holds no entries', () => {
    const result = parseBibtex('@string{jmlr = {Journal of Machine Learning Research}}\n% nothing else\n');
    expect(result.lines).toEqual([{ line: 1, error: 'no BibTeX entries were found' }]);
  });
});

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
      { line: 3, message: expect.stringMatching(/^could not read entry broken: Unterminated brace-value/) },
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

  it('answers a text without entries with one error on line 1', async () => {
    const result = await importText('@comment{nothing here}\n');
    expect(result).toMatchObject({
      created: [],
      duplicates: [],
      errors: [{ line: 1, message: expect.stringMatching(/no BibTeX entries/) }],
    });
  });
});

/** `count` well-formed entries, ~600 bytes each: the parser reads ~250 kB a second on this machine. */
function manyEntries(count: number, from = 0): string {
  return Array.from(
    { length: count },
    (_, i) =>
      `@article{many${from + i},\n  title = {A Study of {\\'E}cole Things, Number ${from + i}},\n` +
      `  author = {M{\\"u}ller, Hans and Smith, John},\n  journal = {Journal of Things},\n  year = {2021},\n` +
      `  abstract = {${'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(6)}}\n}\n`,
  ).join('\n');
}

describe('BibtexThread', () => {
  it('reads BibTeX on its own thread exactly as parseBibtex does', async () => {
    const thread = new BibtexThread();
    try {
      const text = (await Promise.all(['zotero.bib', 'dblp.bib'].map(fixture))).join('\n');
      expect(await thread.parse(text)).toEqual(parseBibtex(text));
      expect(thread.running).toBe(true);
      // Texts given together are read one after the other, each answered with its own output.
      const [a, b] = await Promise.all([thread.parse(manyEntries(2)), thread.parse(manyEntries(3, 100))]);
      expect(a.lines).toHaveLength(2);
      expect(b.lines.map((l) => ('draft' in l ? l.draft.title : l.error))).toEqual([
        'A Study of École Things, Number 100',
        'A Study of École Things, Number 101',
        'A Study of École Things, Number 102',
      ]);
    } finally {
      await thread.close();
    }
    expect(thread.running).toBe(false);
    await expect(thread.parse('@misc{x, title={y}}')).rejects.toThrow(/shut down/);
  });

  it("takes waiting texts by owner in turn, so one owner's pile does not queue ahead of another's text", async () => {
    const thread = new BibtexThread();
    try {
      const order: string[] = [];
      const read = (owner: string, name: string, n: number) =>
        thread.parse(manyEntries(n), owner).then(() => order.push(name));
      await Promise.all([
        read('ann', 'ann-1', 200),
        read('ann', 'ann-2', 5),
        read('ann', 'ann-3', 5),
        read('bob', 'bob-1', 5),
        read('ann', 'ann-4', 5),
        read('cat', 'cat-1', 5),
      ]);
      expect(order).toEqual(['ann-1', 'bob-1', 'cat-1', 'ann-2', 'ann-3', 'ann-4']);
    } finally {
      await thread.close();
    }
  });

  it('answers a text it cannot read in time with an error line, and reads the next one on a new thread', async () => {
    const thread = new BibtexThread(1000);
    try {
      // ~1 MB: seconds of parsing, well past the second allowed.
      const slow = thread.parse(manyEntries(1700));
      const next = thread.parse(manyEntries(1));
      expect((await slow).lines).toEqual([
        { line: 1, error: 'could not read the BibTeX within 1 s; import it in smaller parts' },
      ]);
      const { lines } = await next;
      expect(lines).toHaveLength(1);
      expect('draft' in lines[0] && lines[0].draft.title).toBe('A Study of École Things, Number 0');
    } finally {
      await thread.close();
    }
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
