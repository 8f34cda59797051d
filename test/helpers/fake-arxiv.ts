import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the fake arXiv API saw it. */
export interface ArxivRequest {
  path: string;
  ids: string[];
  maxResults: number;
  /** Arrival time in ms (performance.now()). */
  at: number;
}

/**
 * A local stand-in for the arXiv query API (`/…?id_list=…&max_results=…`, Atom answers). It knows the
 * entries of test/fixtures/arxiv-feed.xml and makes one up for any id of the form 25YY.NNNNN (see
 * {@link generatedArxivIds}); every other id is missing from its answers, as arXiv leaves it out.
 */
export interface FakeArxiv {
  /** Every request received since the last `reset()`, in order of arrival. */
  requests: ArxivRequest[];
  /** Ids answered with a 500 every time they are asked for. */
  failing: Set<string>;
  /** Ids answered with a 503 the first time only. */
  flaky: Set<string>;
  /** Ids whose request is cut off without an answer. */
  hangUp: Set<string>;
  /** Ids arXiv rejects as malformed: it then answers with a single error entry and nothing else. */
  malformed: Set<string>;
  /** Starts listening on a free loopback port; resolves with the base URL (no trailing slash). */
  listen(): Promise<string>;
  /** Forgets the requests and every failure set up, between tests. */
  reset(): void;
  close(): Promise<void>;
}

const FIXTURE = new URL('../fixtures/arxiv-feed.xml', import.meta.url);
const ATOM = 'xmlns:arxiv="http://arxiv.org/schemas/atom"';

/** `count` made-up ids from 2501.<start>, which the fake answers with generated entries. */
export function generatedArxivIds(start: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `2501.${String(start + i).padStart(5, '0')}`);
}

/** An entry shaped like arXiv's for the made-up ids 25YY.NNNNN. */
function generatedEntry(id: string): string {
  return `
  <entry>
    <id>http://arxiv.org/abs/${id}v1</id>
    <updated>2025-01-08T10:00:00Z</updated>
    <published>2025-01-07T19:59:59Z</published>
    <title>Generated Paper ${id}:
  A Study</title>
    <summary>  Abstract of the generated paper ${id}, wrapped
as arXiv wraps it.
</summary>
    <author>
      <name>Author One ${id}</name>
    </author>
    <author>
      <name>Author Two</name>
    </author>
    <arxiv:comment ${ATOM}>8 pages</arxiv:comment>
    <link href="http://arxiv.org/abs/${id}v1" rel="alternate" type="text/html"/>
    <link title="pdf" href="http://arxiv.org/pdf/${id}v1" rel="related" type="application/pdf"/>
    <arxiv:primary_category ${ATOM} term="cs.IR" scheme="http://arxiv.org/schemas/atom"/>
    <category term="cs.IR" scheme="http://arxiv.org/schemas/atom"/>
  </entry>`;
}

function errorEntry(id: string): string {
  const errorId = `http://arxiv.org/api/errors#incorrect_id_format_for_${id}`;
  return `
  <entry>
    <id>${errorId}</id>
    <title>Error</title>
    <summary>incorrect id format for ${id}</summary>
    <updated>2025-01-08T00:00:00-05:00</updated>
    <link href="${errorId}" rel="alternate" type="text/html"/>
    <author>
      <name>arXiv api core</name>
    </author>
  </entry>`;
}

function feed(ids: string[], entries: string[]): string {
  const query = `search_query=&amp;id_list=${ids.join(',')}&amp;start=0&amp;max_results=${ids.length}`;
  const opensearch = 'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"';
  return `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <link href="http://arxiv.org/api/query?${encodeURIComponent(query)}" rel="self" type="application/atom+xml"/>
  <title type="html">ArXiv Query: ${query}</title>
  <id>http://arxiv.org/api/fake</id>
  <updated>2025-01-08T00:00:00-05:00</updated>
  <opensearch:totalResults ${opensearch}>${entries.length}</opensearch:totalResults>
  <opensearch:startIndex ${opensearch}>0</opensearch:startIndex>
  <opensearch:itemsPerPage ${opensearch}>${ids.length}</opensearch:itemsPerPage>${entries.join('')}
</feed>
`;
}

/** Creates the fake arXiv API; it answers once {@link FakeArxiv.listen} has resolved. */
export function createFakeArxiv(): FakeArxiv {
  const requests: ArxivRequest[] = [];
  const failing = new Set<string>();
  const flaky = new Set<string>();
  const hangUp = new Set<string>();
  const malformed = new Set<string>();
  const fixtureEntries = new Map<string, string>();

  function entryFor(id: string): string | null {
    if (fixtureEntries.has(id)) return fixtureEntries.get(id)!;
    return /^25\d{2}\.\d{5}$/.test(id) ? generatedEntry(id) : null;
  }

  function answer(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const ids = (url.searchParams.get('id_list') ?? '').split(',').filter(Boolean);
    requests.push({
      path: url.pathname,
      ids,
      maxResults: Number(url.searchParams.get('max_results')),
      at: performance.now(),
    });
    if (ids.some((id) => hangUp.has(id))) {
      req.socket.destroy();
      return;
    }
    const flakyId = ids.find((id) => flaky.has(id));
    if (flakyId) flaky.delete(flakyId);
    if (flakyId || ids.some((id) => failing.has(id))) {
      res.writeHead(flakyId ? 503 : 500, { 'content-type': 'text/plain' });
      res.end(flakyId ? 'Service Unavailable' : 'Internal Server Error');
      return;
    }
    const rejected = ids.find((id) => malformed.has(id));
    const entries = rejected ? [errorEntry(rejected)] : ids.map(entryFor).filter((e) => e !== null);
    res.writeHead(200, { 'content-type': 'application/atom+xml; charset=utf-8' });
    res.end(feed(ids, entries));
  }

  const server = http.createServer(answer);
  return {
    requests,
    failing,
    flaky,
    hangUp,
    malformed,
    async listen() {
      const xml = await fs.readFile(FIXTURE, 'utf8');
      for (const [entry] of xml.matchAll(/\n\s*<entry>[\s\S]*?<\/entry>/g)) {
        const id = /<id>http:\/\/arxiv\.org\/abs\/(.+?)v\d+<\/id>/.exec(entry)![1];
        fixtureEntries.set(id, entry);
      }
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    reset() {
      requests.length = 0;
      for (const set of [failing, flaky, hangUp, malformed]) set.clear();
    },
    async close() {
      // The apps' keep-alive connections would hold `close` open.
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
