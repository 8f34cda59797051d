import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the fake feed server saw it. */
export interface FeedServerRequest {
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
}

/**
 * A local stand-in for the feed sources, answering in each one's documented format:
 * - `/hf/daily_papers?date=D`: the JSON of `hfDays.get(D)` (an empty list for other days);
 * - `/arxiv/query?search_query=…&start=…&max_results=…`: an Atom feed of `arxivEntries`, paged, with
 *   `opensearch:totalResults`;
 * - any path in `pages` (RSS or Atom): that document.
 * Every 200 carries an ETag (a hash of the body) and is answered 304 when If-None-Match matches it.
 * `failures.get(path)` lists statuses answered first, one per request, before the real answer.
 */
export interface FakeFeeds {
  url: string;
  requests: FeedServerRequest[];
  hfDays: Map<string, string>;
  arxivEntries: string[];
  pages: Map<string, string>;
  failures: Map<string, number[]>;
  /** Requests to `path` so far. */
  count(path: string): number;
  reset(): void;
  close(): Promise<void>;
}

/** A fixture of test/fixtures/feeds. */
export const feedFixture = (name: string) =>
  fs.readFileSync(new URL(`../fixtures/feeds/${name}`, import.meta.url), 'utf8');

/** An arXiv API entry for a made-up id, as the API writes them. */
export function arxivEntry(id: string, title: string, summary = `Abstract of ${title}.`): string {
  return `
  <entry>
    <id>http://arxiv.org/abs/${id}v1</id>
    <updated>2026-12-05T10:00:00Z</updated>
    <published>2026-12-04T19:59:59Z</published>
    <title>${title}</title>
    <summary>${summary}</summary>
    <author><name>Listing Author</name></author>
    <link href="http://arxiv.org/abs/${id}v1" rel="alternate" type="text/html"/>
    <arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
    <category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
  </entry>`;
}

function arxivFeed(entries: string[], total: number, start: number): string {
  const os = 'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"';
  return `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title type="html">ArXiv Query</title>
  <id>http://arxiv.org/api/fake-listing</id>
  <updated>2026-12-05T00:00:00-05:00</updated>
  <opensearch:totalResults ${os}>${total}</opensearch:totalResults>
  <opensearch:startIndex ${os}>${start}</opensearch:startIndex>
  <opensearch:itemsPerPage ${os}>${entries.length}</opensearch:itemsPerPage>${entries.join('')}
</feed>
`;
}

/** Starts the fake feed server on a free loopback port. */
export async function startFakeFeeds(): Promise<FakeFeeds> {
  const requests: FeedServerRequest[] = [];
  const hfDays = new Map<string, string>();
  const arxivEntries: string[] = [];
  const pages = new Map<string, string>();
  const failures = new Map<string, number[]>();

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push({ path: url.pathname, query: url.searchParams, headers: req.headers });
    const failure = failures.get(url.pathname)?.shift();
    if (failure) {
      res.writeHead(failure, { 'content-type': 'text/plain', ...(failure === 429 ? { 'retry-after': '0' } : {}) });
      res.end(`fake failure ${failure}`);
      return;
    }
    let body: string;
    let type: string;
    if (url.pathname === '/hf/daily_papers') {
      body = hfDays.get(url.searchParams.get('date') ?? '') ?? '[]';
      type = 'application/json';
    } else if (url.pathname === '/arxiv/query') {
      const start = Number(url.searchParams.get('start') ?? 0);
      const max = Number(url.searchParams.get('max_results') ?? 10);
      body = arxivFeed(arxivEntries.slice(start, start + max), arxivEntries.length, start);
      type = 'application/atom+xml';
    } else if (pages.has(url.pathname)) {
      body = pages.get(url.pathname)!;
      type = url.pathname.endsWith('.atom') ? 'application/atom+xml' : 'application/rss+xml';
    } else {
      res.writeHead(404).end('not found');
      return;
    }
    const etag = `"${crypto.createHash('sha1').update(body).digest('hex')}"`;
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag }).end();
      return;
    }
    res.writeHead(200, {
      'content-type': `${type}; charset=utf-8`,
      etag,
      'last-modified': 'Sat, 05 Dec 2026 06:00:00 GMT',
    });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    hfDays,
    arxivEntries,
    pages,
    failures,
    count: (path) => requests.filter((r) => r.path === path).length,
    reset() {
      requests.length = 0;
      hfDays.clear();
      arxivEntries.length = 0;
      pages.clear();
      failures.clear();
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
