import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { buildApp } from '#server/app.js';
import { ensureClientBuild } from '#server/client-build.js';
import { loadConfig } from '#server/config.js';
import { ServerEdit } from '#server/sync/board-room.js';
import { addCard } from '#shared/protocol/board-doc/edits.js';
import { boardView } from '#shared/protocol/board-doc/view.js';
import { hasChromium, launchBrowser } from '#test/helpers/browser.js';
import { UsageError } from './lib/benchmark.js';
import { loadFixturePapers, syntheticPapers, take, toTrendingText } from './lib/corpus.js';
import { openFreshEmbedded } from './lib/databases.js';
import { formatLoad } from './lib/machine.js';
import { summarize } from './lib/stats.js';
import { formatMs, formatTable } from './lib/table.js';

/**
 * The targets: the board screen's JavaScript, gzipped, and time to interactive on a cold load (1 s at
 * first, lowered to 0.5 s once the embedded PostgreSQL replaced PGlite).
 */
const TARGET_GZIP_KB = 150;
const TARGET_INTERACTIVE_MS = 500;

const DIST = fileURLToPath(new URL('../client/dist/', import.meta.url));
const PASSWORD = 'benchmark password 1';

const USAGE = `client options:
  --cards N   cards on the measured board (default 500)
  --runs N    page loads measured, each in a fresh browser context (default 15)`;

interface LoadTiming {
  /** From navigation start until every card shows its paper's title. */
  shownMs: number;
  /** Until a keyboard lift of the first card has been handled: the board answers input. */
  interactiveMs: number;
  /** When the board's document arrived over the WebSocket, and its papers and votes over HTTP. */
  documentMs: number;
  dataMs: number;
  /** JavaScript files the page loaded (paths under the site root). */
  scripts: string[];
}

/** Loads the board in `page` and measures when it is complete and when it answers a key press. */
async function measureLoad(page: Page, url: string, cards: number): Promise<LoadTiming> {
  const scripts: string[] = [];
  page.on('response', (response) => {
    const { pathname } = new URL(response.url());
    if (pathname.endsWith('.js')) scripts.push(pathname);
  });
  await page.goto(url);
  await page.waitForFunction(
    (expected) => {
      // Every column counts its cards; long columns render the first page of them (more on scroll).
      const counted = [...document.querySelectorAll('section.column .count')].reduce(
        (sum, count) => sum + Number(count.textContent),
        0,
      );
      const titles = [...document.querySelectorAll('li.card .title')];
      return counted === expected && titles.length > 0 && titles.every((t) => t.textContent !== 'Loading…');
    },
    cards,
    { timeout: 60_000, polling: 'raf' },
  );
  const shownMs = await page.evaluate(() => performance.now());
  // Measured inside the page, so that no round trip of the test driver is counted: a key press on the
  // first card, and the frame in which the card shows as lifted.
  // A string, not a function: tsx would wrap a function's inner closures in a helper the page lacks.
  const interactiveMs = await page.evaluate<number>(`new Promise((resolve) => {
    const link = document.querySelector('li.card a.open');
    link.focus();
    link.dispatchEvent(new KeyboardEvent('keydown', { key: ' ', bubbles: true, cancelable: true }));
    const check = () => {
      if (document.querySelector('li.card.lifted')) resolve(performance.now());
      else requestAnimationFrame(check);
    };
    check();
  })`);
  await page.keyboard.press('Escape');
  // Marks the board screen sets for this breakdown (board-document.svelte.ts, board-data.svelte.ts).
  const [documentMs, dataMs] = await page.evaluate<number[]>(
    `['board:document-loaded', 'board:data-loaded'].map((name) => performance.getEntriesByName(name)[0]?.startTime ?? NaN)`,
  );
  return { shownMs, interactiveMs, documentMs, dataMs, scripts };
}

/** Total size of the built files, raw and gzipped (level 9, as a static server would precompress). */
function sizes(files: string[]): { raw: number; gzip: number } {
  let raw = 0;
  let gzip = 0;
  for (const file of new Set(files)) {
    const content = fs.readFileSync(path.join(DIST, file.replace(/^\//, '')));
    raw += content.length;
    gzip += zlib.gzipSync(content, { level: 9 }).length;
  }
  return { raw, gzip };
}

/**
 * The board screen in headless Chromium: the gzipped size of the JavaScript it loads, and the time
 * until a board of N cards (spread over the four columns, each with its paper) is shown and answers
 * the keyboard, on an embedded database. Every run is a fresh browser context (nothing cached, no
 * IndexedDB copy); a last run reloads the same context to show the warm case.
 */
export async function run(args: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { cards: { type: 'string' }, runs: { type: 'string' } } });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  const cards = Number(parsed.values.cards ?? 500);
  const runs = Number(parsed.values.runs ?? 15);
  if (!Number.isInteger(cards) || cards < 1 || cards > 5000) throw new UsageError(`--cards must be 1..5000\n${USAGE}`);
  if (!Number.isInteger(runs) || runs < 1 || runs > 100) throw new UsageError(`--runs must be 1..100\n${USAGE}`);
  if (!hasChromium) throw new Error('the client benchmark needs /usr/bin/chromium (apt-get install chromium)');

  console.log(`## client: the board screen with ${cards} cards (load ${formatLoad()})\n`);
  await ensureClientBuild((message) => console.log(message));

  const db = await openFreshEmbedded();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboard-bench-client-'));
  const config = {
    ...loadConfig({ DATA_DIR: dataDir, PORT: '0' }),
    seedDemo: false,
    passwordHashCost: 10,
  };
  const app = await buildApp({ config, sql: db.sql });
  const browser = await launchBrowser();
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

    const signup = await app.inject({
      method: 'POST',
      url: '/api/auth/signup',
      payload: { email: 'bench@example.org', password: PASSWORD, name: 'Bench Reader' },
    });
    const cookie = String(signup.headers['set-cookie']).split(';')[0];
    const userId = signup.json().user.id as string;
    const board = await app.inject({
      method: 'POST',
      url: '/api/boards',
      headers: { cookie },
      payload: { name: 'A busy board' },
    });
    const boardId = board.json().id as string;

    const papers = take(syntheticPapers(await loadFixturePapers()), cards);
    const imported = await app.inject({
      method: 'POST',
      url: '/api/papers/import',
      headers: { cookie },
      payload: { text: toTrendingText(papers), format: 'trending' },
    });
    const paperIds = (imported.json().created as { id: string }[]).map((c) => c.id);
    if (paperIds.length !== cards) throw new Error(`imported ${paperIds.length} papers, wanted ${cards}`);
    await app.sync.edit(boardId, new ServerEdit(userId), (doc) => {
      const columns = boardView(doc).columns;
      paperIds.forEach((paperId, i) =>
        addCard(doc, { paperId, columnId: columns[i % columns.length].id, addedBy: userId }),
      );
    });
    // The screen reads papers from the projection; wait until it holds the whole board.
    for (let projected = 0; projected < cards;) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const res = await app.inject({ url: `/api/boards/${boardId}/cards`, headers: { cookie } });
      projected = res.json().cards.length;
    }

    const url = `${baseUrl}/boards/${boardId}`;
    const newContext = async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      await context.addCookies([{ name: 'pb_session', value: cookie.replace(/^pb_session=/, ''), url: baseUrl }]);
      return context;
    };

    const cold: LoadTiming[] = [];
    // One unmeasured load first: the server's own caches (statements, static files) warm up.
    for (let i = 0; i <= runs; i++) {
      const context = await newContext();
      const timing = await measureLoad(await context.newPage(), url, cards);
      if (i > 0) cold.push(timing);
      await context.close();
    }
    const warmContext = await newContext();
    await measureLoad(await warmContext.newPage(), url, cards);
    const warm = await measureLoad(await warmContext.newPage(), url, cards);
    await warmContext.close();

    const size = sizes(cold[0].scripts);
    const shown = summarize(cold.map((t) => t.shownMs));
    const interactive = summarize(cold.map((t) => t.interactiveMs));
    const documentAt = summarize(cold.map((t) => t.documentMs));
    const dataAt = summarize(cold.map((t) => t.dataMs));
    const kb = (bytes: number) => (bytes / 1000).toFixed(1);
    console.log(
      formatTable(
        [
          { header: 'measure' },
          { header: 'value', align: 'right' },
          { header: 'target', align: 'right' },
          { header: 'verdict' },
        ],
        [
          [
            `JS loaded by the board screen, gzip (kB; ${cold[0].scripts.length} file)`,
            kb(size.gzip),
            `≤ ${TARGET_GZIP_KB}`,
            size.gzip <= TARGET_GZIP_KB * 1000 ? 'PASS' : 'FAIL',
          ],
          ['same, uncompressed (kB)', kb(size.raw), '', ''],
          ['document received over the WebSocket, cold load p50 (ms)', formatMs(documentAt.p50), '', ''],
          ['papers and votes received over HTTP, cold load p50 (ms)', formatMs(dataAt.p50), '', ''],
          [`${cards} cards shown, cold load p50 (ms)`, formatMs(shown.p50), '', ''],
          [
            `interactive, cold load p50 (ms, n=${interactive.count})`,
            formatMs(interactive.p50),
            `≤ ${TARGET_INTERACTIVE_MS}`,
            interactive.p50 <= TARGET_INTERACTIVE_MS ? 'PASS' : 'FAIL',
          ],
          ['interactive, cold load max (ms)', formatMs(interactive.max), '', ''],
          ['interactive, warm reload (ms; cached JS, IndexedDB copy)', formatMs(warm.interactiveMs), '', ''],
        ],
      ),
    );
    console.log('');
  } finally {
    await browser.close();
    await app.close();
    await db.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
