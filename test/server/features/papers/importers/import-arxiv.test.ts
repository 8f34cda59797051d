import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '#test/helpers/app.js';
import { createFakeArxiv, generatedArxivIds } from '#test/helpers/fake-arxiv.js';
import { importAs, readPaper, signUp } from '#test/helpers/factories.js';
import type { ImportResult } from '#shared/schemas/papers.js';

const arxiv = createFakeArxiv();
const { requests, failing, flaky, hangUp, malformed } = arxiv;
const ids = generatedArxivIds;

let t: TestApp;
/** Session cookie of a signed-up importer, per app. */
const cookies = new Map<TestApp, string>();
const cookieOf = (app: TestApp) => ({ cookie: cookies.get(app)! });
let slow: TestApp;

const importText = (app: TestApp, text: string, format = 'arxiv') => importAs(app.app, cookies.get(app)!, text, format);

const getPaper = (id: string) => readPaper(t.app, id);

beforeAll(async () => {
  const base = await arxiv.listen();
  t = await buildTestApp({ arxivApiUrl: `${base}/api/query` });
  slow = await buildTestApp({ arxivApiUrl: `${base}/slow/api/query`, arxivMinIntervalMs: 200 });
  for (const app of [t, slow]) cookies.set(app, (await signUp(app.app)).cookie);
});

afterAll(async () => {
  await t?.close();
  await slow?.close();
  await arxiv.close();
});

beforeEach(() => arxiv.reset());

describe('arXiv import', () => {
  it('maps title, abstract, authors, DOI, categories, date and URL from the Atom entry', async () => {
    const result = await importText(t, '2401.01234');
    expect(result.errors).toEqual([]);
    expect(result.created).toHaveLength(1);
    const paper = await getPaper(result.created[0].id);
    expect(paper).toMatchObject({
      title: 'Routing Sparse Experts for Low-Resource Translation: A Study of Load Balancing & Capacity',
      abstract:
        'Mixture-of-experts models route each token to a few experts, but in low-resource settings the router ' +
        'collapses onto a handful of them. We study load-balancing losses and expert capacity across 24 language ' +
        'pairs and show that a capacity factor below $1.25$ hurts rare languages most.',
      authors: ['Mira Okafor', 'Jonas Weißmann', 'Lucía Fernández-Ortega'],
      arxivId: '2401.01234',
      doi: '10.18653/v1/2024.example-long.17',
      url: 'https://arxiv.org/abs/2401.01234',
      tags: ['cs.CL', 'cs.LG', 'stat.ML'],
      publishedAt: '2024-01-02T18:59:57.000Z',
    });
    expect(requests).toMatchObject([{ path: '/api/query', ids: ['2401.01234'], maxResults: 1 }]);
  });

  it('puts the primary category first among the tags', async () => {
    const result = await importText(t, 'arXiv:2312.00752');
    const paper = await getPaper(result.created[0].id);
    expect(paper.tags).toEqual(['cs.LG', 'cs.AI']);
    expect(paper.title).toBe('Selective State Spaces for Long Sequences in $\\mathcal{O}(n)$ Time');
  });

  it('reads an old-style id from a versioned pdf URL', async () => {
    const result = await importText(t, 'https://arxiv.org/pdf/hep-th/9901001v2.pdf');
    const paper = await getPaper(result.created[0].id);
    expect(paper).toMatchObject({
      arxivId: 'hep-th/9901001',
      url: 'https://arxiv.org/abs/hep-th/9901001',
      authors: ['R. Castellanos'],
      doi: null,
      tags: ['hep-th', 'gr-qc'],
    });
    expect(requests[0].ids).toEqual(['hep-th/9901001']);
  });

  it('fetches every form of one id once and reports the repeats as duplicates of the first line', async () => {
    const [id] = ids(10, 1);
    const text = [
      id,
      `${id}v2`,
      `arXiv:${id}`,
      `https://arxiv.org/abs/${id}v3`,
      `https://arxiv.org/pdf/${id}.pdf`,
    ].join('\n');
    const result = await importText(t, text);
    expect(result.created).toEqual([{ line: 1, id: expect.any(String), title: `Generated Paper ${id}: A Study` }]);
    expect(result.duplicates.map((d) => [d.line, d.existingId, d.reason])).toEqual(
      [2, 3, 4, 5].map((line) => [line, result.created[0].id, 'arxivId']),
    );
    expect(requests.map((r) => r.ids)).toEqual([[id]]);
  });

  it('resolves ids already in the library without any request', async () => {
    const [a, b] = ids(20, 2);
    const first = await importText(t, `${a}\n${b}`);
    requests.length = 0;
    const again = await importText(t, `https://arxiv.org/abs/${a}v4\n\n${b}v1`);
    expect(again.created).toEqual([]);
    expect(again.errors).toEqual([]);
    expect(again.duplicates).toEqual([
      { line: 1, existingId: first.created[0].id, title: a, reason: 'arxivId' },
      { line: 3, existingId: first.created[1].id, title: b, reason: 'arxivId' },
    ]);
    expect(requests).toEqual([]);
  });

  it('asks for 120 ids in three requests of at most 50', async () => {
    const wanted = ids(100, 120);
    const result = await importText(t, wanted.join('\n'));
    expect(result.created).toHaveLength(120);
    expect(requests.map((r) => [r.ids.length, r.maxResults])).toEqual([
      [50, 50],
      [50, 50],
      [20, 20],
    ]);
    expect(requests.flatMap((r) => r.ids)).toEqual(wanted);
  });

  it('reports ids that arXiv does not return as line errors and imports the rest', async () => {
    const [a, b] = ids(300, 2);
    const result = await importText(t, `${a}\n2402.99999\n${b}`);
    expect(result.errors).toEqual([{ line: 2, message: 'arXiv has no paper 2402.99999' }]);
    expect(result.created.map((c) => c.line)).toEqual([1, 3]);
  });

  it('loses only the line of an id that arXiv rejects with an error entry', async () => {
    const [a, b] = ids(310, 2);
    malformed.add('0001.00001');
    const result = await importText(t, `${a}\n0001.00001\n${b}`);
    expect(result.errors).toEqual([{ line: 2, message: 'arXiv has no paper 0001.00001' }]);
    expect(result.created.map((c) => c.line)).toEqual([1, 3]);
    expect(requests.map((r) => r.ids)).toEqual([
      [a, '0001.00001', b],
      [a, b],
    ]);
  });

  it('turns a batch that keeps failing with 500 into errors on its lines and keeps the other batches', async () => {
    const wanted = ids(400, 60);
    failing.add(wanted[55]);
    // A leading blank line: line numbers are those of the input, not of the ids.
    const result = await importText(t, `\n${wanted.join('\n')}`);
    expect(result.created.map((c) => c.line)).toEqual(wanted.slice(0, 50).map((_, i) => i + 2));
    expect(result.errors).toEqual(
      wanted.slice(50).map((_, i) => ({ line: i + 52, message: 'arXiv API answered 500' })),
    );
    expect(requests.map((r) => r.ids.length)).toEqual([50, 10, 10]);
  });

  it('retries a request answered with 503 once and imports the batch', async () => {
    const [id] = ids(500, 1);
    flaky.add(id);
    const result = await importText(t, id);
    expect(result.errors).toEqual([]);
    expect(result.created).toHaveLength(1);
    expect(requests).toHaveLength(2);
  });

  it('turns a connection cut off twice into errors naming the problem', async () => {
    const [a, b] = ids(510, 2);
    hangUp.add(a);
    const result = await importText(t, `${a}\n${b}`);
    expect(result.created).toEqual([]);
    expect(result.errors.map((e) => e.line)).toEqual([1, 2]);
    expect(result.errors[0].message).toMatch(/^arXiv API could not be reached/);
    expect(requests).toHaveLength(2);
  });

  it('reports lines that are not arXiv ids, ignores blank lines and tolerates CRLF', async () => {
    const [id] = ids(520, 1);
    const result = await importText(t, `${id}\r\n\r\nnot an id\r\nhttps://example.org/abs/2401.01234\r\n  \r\n`);
    expect(result.created.map((c) => c.line)).toEqual([1]);
    expect(result.errors).toEqual([
      { line: 3, message: 'not an arXiv id or URL' },
      { line: 4, message: 'not an arXiv id or URL' },
    ]);
    expect(requests.map((r) => r.ids)).toEqual([[id]]);
  });

  it('detects a list of arXiv URLs when the format is auto', async () => {
    const text = ids(530, 3)
      .map((id) => `https://arxiv.org/abs/${id}`)
      .join('\n');
    const result = await importText(t, text, 'auto');
    expect(result.format).toBe('arxiv');
    expect(result.created).toHaveLength(3);
  });

  it('streams fetch progress per batch as NDJSON and ends with the result', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/papers/import',
      headers: { accept: 'application/x-ndjson', ...cookieOf(t) },
      payload: { text: ids(1000, 120).join('\n'), format: 'arxiv' },
    });
    const lines = res.payload
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { progress?: { phase: string }; result?: ImportResult });
    const fetches = lines.map((l) => l.progress).filter((p) => p?.phase === 'fetch');
    expect(fetches).toEqual([
      { phase: 'fetch', done: 0, total: 120 },
      { phase: 'fetch', done: 50, total: 120 },
      { phase: 'fetch', done: 100, total: 120 },
      { phase: 'fetch', done: 120, total: 120 },
    ]);
    expect(lines.at(-1)!.result!.created).toHaveLength(120);
  });
});

describe('arXiv rate limit', () => {
  const minGap = 200;

  function gaps(): number[] {
    const times = requests.map((r) => r.at).sort((a, b) => a - b);
    return times.slice(1).map((at, i) => at - times[i]);
  }

  it('spaces the batches of one import by arxivMinIntervalMs', async () => {
    const result = await importText(slow, ids(1200, 120).join('\n'));
    expect(result.created).toHaveLength(120);
    expect(requests).toHaveLength(3);
    for (const gap of gaps()) expect(gap).toBeGreaterThanOrEqual(minGap);
  });

  it('spaces the requests of concurrent imports too', async () => {
    const results = await Promise.all(ids(1400, 3).map((id) => importText(slow, id)));
    expect(results.map((r) => r.created.length)).toEqual([1, 1, 1]);
    expect(requests).toHaveLength(3);
    for (const gap of gaps()) expect(gap).toBeGreaterThanOrEqual(minGap);
  });
});
