import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the fake Crossref API saw it. */
export interface CrossrefRequest {
  /** The path as sent, before percent-decoding. */
  rawPath: string;
  doi: string;
}

/** The DOI of the work in test/fixtures/crossref-work.json, which the fake answers with that file. */
export const FIXTURE_DOI = '10.1234/jeml.2024.0042';

/**
 * A local stand-in for Crossref's `/works/<doi>` under the path prefix `/crossref` (so the app's
 * `crossrefApiUrl` is `<base>/crossref`). It answers {@link FIXTURE_DOI} with the fixture, makes up a work
 * for any DOI 10.5555/gen.* (see {@link generatedDois}), and answers 404 to everything else.
 */
export interface FakeCrossref {
  /** Every request received since the last `reset()`, in order of arrival. */
  requests: CrossrefRequest[];
  /** DOIs answered with a 500 every time. */
  failing: Set<string>;
  /** How long each answer waits, in ms (0 after `reset()`). */
  answerDelayMs: number;
  /** The most requests it has been answering at once since the last `reset()`. */
  readonly maxInFlight: number;
  /** Starts listening on a free loopback port; resolves with the base URL (no trailing slash). */
  listen(): Promise<string>;
  /** Forgets the requests, the failures and the delay set up, between tests. */
  reset(): void;
  close(): Promise<void>;
}

/** `count` made-up DOIs 10.5555/gen.<start>..., which the fake answers with generated works. */
export function generatedDois(start: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `10.5555/gen.${start + i}`);
}

/** A work shaped like Crossref's for the made-up DOIs 10.5555/gen.*: no abstract, issued year and month only. */
function generatedWork(doi: string): object {
  return {
    status: 'ok',
    'message-type': 'work',
    'message-version': '1.0.0',
    message: {
      publisher: 'Example Press',
      DOI: doi,
      type: 'proceedings-article',
      title: [`Generated Work ${doi}`],
      author: [
        { given: 'Ana', family: 'Silva', sequence: 'first', affiliation: [] },
        { family: 'Okoro', sequence: 'additional', affiliation: [] },
      ],
      'container-title': ['Proceedings of an Example Workshop'],
      issued: { 'date-parts': [[2023, 5]] },
      URL: `https://doi.org/${doi}`,
      score: 1,
    },
  };
}

/** Creates the fake Crossref API; it answers once {@link FakeCrossref.listen} has resolved. */
export function createFakeCrossref(): FakeCrossref {
  let inFlight = 0;
  let maxInFlight = 0;
  let fixtureWork = '';
  const server = http.createServer(answer);

  const fake = {
    requests: [] as CrossrefRequest[],
    failing: new Set<string>(),
    answerDelayMs: 0,
    get maxInFlight() {
      return maxInFlight;
    },
    async listen() {
      fixtureWork = await fs.readFile(new URL('../fixtures/crossref-work.json', import.meta.url), 'utf8');
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    reset() {
      fake.requests.length = 0;
      fake.failing.clear();
      fake.answerDelayMs = 0;
      maxInFlight = 0;
    },
    async close() {
      // The app's keep-alive connections would hold `close` open.
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  } satisfies FakeCrossref;

  function answer(req: http.IncomingMessage, res: http.ServerResponse): void {
    const rawPath = (req.url ?? '/').split('?')[0];
    const doi = decodeURIComponent(rawPath.replace(/^\/crossref\/works\//, '')).toLowerCase();
    fake.requests.push({ rawPath, doi });
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    setTimeout(() => {
      inFlight--;
      if (fake.failing.has(doi)) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('Internal Server Error');
      } else if (doi === FIXTURE_DOI || doi.startsWith('10.5555/gen.')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(doi === FIXTURE_DOI ? fixtureWork : JSON.stringify(generatedWork(doi)));
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('Resource not found.');
      }
    }, fake.answerDelayMs);
  }

  return fake;
}
