import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '#test/helpers/app.js';
import { importAs, readPaper, signUp } from '#test/helpers/factories.js';
import { createFakeCrossref, FIXTURE_DOI, generatedDois } from '#test/helpers/fake-crossref.js';
import type { ImportResult } from '#shared/schemas/papers.js';

const crossref = createFakeCrossref();
const { requests, failing } = crossref;
const dois = generatedDois;

let t: TestApp;
/** Session cookie of a signed-up importer, per app. */
const cookies = new Map<TestApp, string>();
const cookieOf = (app: TestApp) => ({ cookie: cookies.get(app)! });

const importText = (text: string, format = 'doi') => importAs(t.app, cookies.get(t)!, text, format);

const getPaper = (id: string) => readPaper(t.app, id);

beforeAll(async () => {
  const base = await crossref.listen();
  t = await buildTestApp({ crossrefApiUrl: `${base}/crossref` });
  cookies.set(t, (await signUp(t.app)).cookie);
});

afterAll(async () => {
  await t?.close();
  await crossref.close();
});

beforeEach(() => crossref.reset());

describe('DOI import', () => {
  it('maps title, plain-text abstract, authors, date, URL and subjects from the Crossref work', async () => {
    const result = await importText('https://doi.org/10.1234/JEML.2024.0042');
    expect(result.errors).toEqual([]);
    const paper = await getPaper(result.created[0].id);
    expect(paper).toMatchObject({
      title: 'Gated Residuals Against Over-Smoothing in Deep Graph Networks',
      abstract:
        'Graph neural networks over-smooth as they grow deeper. We show that a residual gate keeps node features ' +
        'apart & that the effect holds for k-hop aggregation with k < 32. Code and data are public.',
      authors: ['Hana Kobayashi', 'Samuel Adeyemi', 'The Graph Benchmarks Consortium'],
      arxivId: null,
      doi: FIXTURE_DOI,
      url: 'https://doi.org/10.1234/jeml.2024.0042',
      tags: ['Artificial Intelligence', 'Computer Networks and Communications'],
      publishedAt: '2024-03-15T00:00:00.000Z',
    });
    expect(requests.map((r) => r.rawPath)).toEqual(['/crossref/works/10.1234%2Fjeml.2024.0042']);
  });

  it('falls back to the issued date and reads a date without a day as the first of the month', async () => {
    const [doi] = dois(1, 1);
    const result = await importText(doi);
    const paper = await getPaper(result.created[0].id);
    expect(paper.publishedAt).toBe('2023-05-01T00:00:00.000Z');
    expect(paper.authors).toEqual(['Ana Silva', 'Okoro']);
    expect(paper.abstract).toBe('');
  });

  it('fetches every form of one DOI once and reports the repeats as duplicates of the first line', async () => {
    const result = await importText('10.5555/gen.10\ndoi:10.5555/GEN.10\nhttps://doi.org/10.5555/Gen.10');
    expect(result.created).toEqual([{ line: 1, id: expect.any(String), title: 'Generated Work 10.5555/gen.10' }]);
    expect(result.duplicates.map((d) => [d.line, d.existingId, d.reason])).toEqual([
      [2, result.created[0].id, 'doi'],
      [3, result.created[0].id, 'doi'],
    ]);
    expect(requests.map((r) => r.doi)).toEqual(['10.5555/gen.10']);
  });

  it('treats a DOI differing only in case from a stored one as a duplicate without a request', async () => {
    const first = await importText('10.5555/gen.20');
    requests.length = 0;
    const again = await importText('10.5555/GEN.20');
    expect(again.created).toEqual([]);
    expect(again.duplicates).toEqual([
      { line: 1, existingId: first.created[0].id, title: '10.5555/gen.20', reason: 'doi' },
    ]);
    expect(requests).toEqual([]);
  });

  it('reports DOIs that Crossref does not know as line errors and imports the rest', async () => {
    const [a, b] = dois(30, 2);
    const result = await importText(`${a}\n10.5555/missing.1\n${b}`);
    expect(result.errors).toEqual([{ line: 2, message: 'Crossref has no work 10.5555/missing.1' }]);
    expect(result.created.map((c) => c.line)).toEqual([1, 3]);
  });

  it('retries a DOI that fails with 500 once, then reports it on its line and keeps the others', async () => {
    const [a, b, c] = dois(40, 3);
    failing.add(b);
    const result = await importText(`${a}\n\n${b}\n${c}`);
    expect(result.errors).toEqual([{ line: 3, message: 'Crossref answered 500' }]);
    expect(result.created.map((x) => x.line)).toEqual([1, 4]);
    expect(requests.filter((r) => r.doi === b)).toHaveLength(2);
  });

  it('keeps at most three requests in flight', async () => {
    crossref.answerDelayMs = 30;
    const result = await importText(dois(50, 9).join('\n'));
    expect(result.created).toHaveLength(9);
    expect(requests).toHaveLength(9);
    expect(crossref.maxInFlight).toBe(3);
  });

  it('reports lines that are not DOIs, ignores blank lines and tolerates CRLF', async () => {
    const [doi] = dois(60, 1);
    const result = await importText(`${doi}\r\n\r\n10.12/too-short-prefix\r\nnot a doi\r\n`);
    expect(result.created.map((c) => c.line)).toEqual([1]);
    expect(result.errors).toEqual([
      { line: 3, message: 'not a DOI or doi.org URL' },
      { line: 4, message: 'not a DOI or doi.org URL' },
    ]);
    expect(requests.map((r) => r.doi)).toEqual([doi]);
  });

  it('detects a list of DOIs when the format is auto', async () => {
    const result = await importText(dois(70, 3).join('\n'), 'auto');
    expect(result.format).toBe('doi');
    expect(result.created).toHaveLength(3);
  });

  it('streams fetch progress per DOI as NDJSON and ends with the result', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/papers/import',
      headers: { accept: 'application/x-ndjson', ...cookieOf(t) },
      payload: { text: dois(80, 4).join('\n'), format: 'doi' },
    });
    const lines = res.payload
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { progress?: { phase: string }; result?: ImportResult });
    const fetches = lines.map((l) => l.progress).filter((p) => p?.phase === 'fetch');
    expect(fetches).toEqual([0, 1, 2, 3, 4].map((done) => ({ phase: 'fetch', done, total: 4 })));
    expect(lines.at(-1)!.result!.created).toHaveLength(4);
  });
});
