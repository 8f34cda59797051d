import type { Tinypool } from 'tinypool';
import { describe, expect, it, vi } from 'vitest';
import { parseBibtex } from '#server/features/papers/importers/bibtex.js';
import { BibtexThread } from '#server/features/papers/importers/bibtex-thread.js';
import type { PaperDraft } from '#server/features/papers/importers/types.js';
import { bibtexFixture as fixture, manyEntries } from '#test/helpers/bibtex.js';

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

  it('dates a paper as precisely as written: year and month macro, year alone, or a biblatex date', () => {
    const dates = drafts(
      [
        '@article{a, title = {A}, year = 2024, month = mar}',
        '@article{b, title = {B}, year = {2017}}',
        '@article{c, title = {C}, date = {2023-11-05}}',
        '@article{d, title = {D}, year = {2022}, month = {September}}',
        '@article{e, title = {E}, year = {2021}, month = {May}, day = {7}}',
        '@article{f, title = {F}, date = {2020-02}}',
      ].join('\n'),
    ).map((d) => d.publishedAt);
    expect(dates).toEqual(['2024-03', '2017', '2023-11-05', '2022-09', '2021-05-07', '2020-02']);
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
      { line: 1, draft: expect.objectContaining({ title: 'The Paper', doi: null, publishedAt: '2022' }) },
      { line: 3, error: 'entry untitled has no title: add one, as in title = {…},' },
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
      { line: 2, error: 'entry notitle has no title: add one, as in title = {…},' },
    ]);
  });

  it('reports an entry the parser cannot read and keeps the entries around it', () => {
    const { lines } = parseBibtex(
      ['@misc{a, title = {A}}', '@misc{broken, title = {Unclosed $math}}', '@misc{c, title = {C}}'].join('\n'),
    );
    expect(lines.map((l) => ('error' in l ? `${l.line}: ${l.error}` : `${l.line}: ${l.draft.title}`))).toEqual([
      '1: A',
      '2: entry broken: a "$" is not closed on line 2: add the second "$" or write \\$',
      '3: C',
    ]);
  });

  it('reports a malformed @string on line 1 instead of throwing', () => {
    const { lines } = parseBibtex(String.raw`@string{bad = {\newcommand}}` + '\n@misc{a, title = {A}}');
    expect(lines).toEqual([{ line: 1, error: expect.stringMatching(/^could not read the BibTeX: /) }]);
  });

  it('says so when the text holds no entries', () => {
    const result = parseBibtex('@string{jmlr = {Journal of Machine Learning Research}}\n% nothing else\n');
    expect(result.lines).toEqual([
      { line: 1, error: 'no BibTeX entries were found: each entry starts like @article{key, …' },
    ]);
  });

  it('says in plain words which comma is missing, and on which line', () => {
    const text = ['@article{a,', '  title = {Missing comma}', '  author = {Ann Bee}', '}'].join('\n');
    expect(parseBibtex(text).lines).toEqual([
      {
        line: 1,
        error: 'entry a: a comma is missing before the field "author" on line 3: end each field with a comma',
      },
    ]);
  });

  it('says in plain words that an entry is not closed, or a field has no "="', () => {
    const unclosed = parseBibtex('@article{a, title = {A}, year = 2020\n\n@misc{b, title = {B}}').lines;
    expect(unclosed[0]).toEqual({
      line: 1,
      error: 'entry a: the entry is not closed before the next one on line 3: add the missing "}"',
    });
    expect(parseBibtex('@article{c,\n  title {No equals},\n}').lines).toEqual([
      { line: 1, error: 'entry c: the field "title" has no "=" on line 2: write it as title = {…},' },
    ]);
    for (const { error } of [...unclosed, ...parseBibtex('@misc{d, title = "open').lines].filter((l) => 'error' in l)) {
      expect(error).not.toMatch(/Token mismatch|Unterminated|column/);
    }
  });
});

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

  it('answers a text whose thread failed with an error line, and reads the next one on a new thread', async () => {
    const thread = new BibtexThread();
    try {
      await thread.parse(manyEntries(1));
      const reading = thread.parse(manyEntries(400));
      const next = thread.parse(manyEntries(1));
      const pool = (thread as unknown as { pool: Tinypool }).pool;
      // What Node reports when a thread dies of an uncaught error, while it reads the text.
      await vi.waitFor(() => expect(pool.threads).toHaveLength(1));
      pool.threads[0].emit('error', new Error('the thread crashed'));
      expect((await reading).lines).toEqual([{ line: 1, error: 'could not read the BibTeX: the thread crashed' }]);
      expect((await next).lines).toHaveLength(1);
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
