import fs from 'node:fs/promises';
import { loadConfig } from '#server/config.js';
import { openDatabase } from '#server/db/connect.js';
import { migrate } from '#server/db/migrate.js';
import { serverHoldingDataDir } from '#server/db/admin-secret.js';
import { importPapers } from '#server/features/papers/papers.service.js';
import { IMPORT_FORMATS, type ImportFormat, type ImportProgress, type ImportResult } from '#shared/schemas/papers.js';
import type { FeedRun } from '#shared/schemas/feeds.js';
import { parseFeedSpec } from '#server/feed-spec.js';
import { runFeedByHand } from '#server/features/feeds/feeds.service.js';

const USAGE = `usage: npm run import -- FILE [--format ${IMPORT_FORMATS.join('|')}]
       npm run import -- --feed hf-daily|arxiv:cs.LG+cs.CL|rss:URL [--date YYYY-MM-DD]`;

type Args = { file: string; format: ImportFormat; feed?: undefined } | { feed: string; day: string };

/** Yesterday (UTC): the latest day whose papers are all out. */
function yesterday(): string {
  return new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
}

function parseArgs(argv: string[]): Args {
  let file: string | null = null;
  let format: ImportFormat = 'auto';
  let feed: string | null = null;
  let day: string | null = null;
  const valueOf = (arg: string, i: number) => (arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[i + 1]);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--feed' || arg.startsWith('--feed=')) {
      feed = valueOf(arg, i) ?? null;
      if (!arg.includes('=')) i++;
      if (!feed) throw new Error('--feed needs a feed such as hf-daily');
    } else if (arg === '--date' || arg.startsWith('--date=')) {
      day = valueOf(arg, i) ?? null;
      if (!arg.includes('=')) i++;
      if (!day || !/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`))) {
        throw new Error('--date must be a day such as 2026-12-05');
      }
    } else if (arg === '--format' || arg.startsWith('--format=')) {
      const value = arg.includes('=') ? arg.split('=')[1] : argv[++i];
      if (!IMPORT_FORMATS.includes(value as ImportFormat))
        throw new Error(`--format must be one of ${IMPORT_FORMATS.join(', ')}`);
      format = value as ImportFormat;
    } else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (!file) {
      file = arg;
    } else {
      throw new Error(`unexpected argument "${arg}"`);
    }
  }
  if (feed) {
    if (file) throw new Error('import a file or run a feed, not both');
    return { feed, day: day ?? yesterday() };
  }
  if (day) throw new Error('--date goes with --feed');
  if (!file) throw new Error('name the file to import');
  return { file, format };
}

function showProgress(p: ImportProgress): void {
  const width = 30;
  const filled = p.total ? Math.round((p.done / p.total) * width) : width;
  process.stderr.write(
    `\r${p.phase.padEnd(5)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.done}/${p.total}`,
  );
  if (p.done === p.total) process.stderr.write('\n');
}

/** Hands the import to the server that holds the embedded database, streaming its progress. */
async function importThroughServer(
  url: string,
  secret: string,
  text: string,
  format: ImportFormat,
): Promise<ImportResult> {
  const response = await fetch(`${url}/api/papers/import?format=${format}`, {
    method: 'POST',
    headers: {
      'content-type': 'text/plain; charset=utf-8',
      accept: 'application/x-ndjson',
      authorization: `Bearer ${secret}`,
    },
    body: text,
  });
  if (!response.ok || !response.body) {
    const body = (await response.json().catch(() => ({}))) as { message?: string };
    throw new Error(`the server refused the import (${response.status}): ${body.message ?? response.statusText}`);
  }
  let buffer = '';
  const decoder = new TextDecoder();
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const message = JSON.parse(buffer.slice(0, newline)) as {
        progress?: ImportProgress;
        result?: ImportResult;
        message?: string;
      };
      buffer = buffer.slice(newline + 1);
      if (message.progress) showProgress(message.progress);
      else if (message.result) return message.result;
      else throw new Error(message.message ?? 'the import failed');
    }
  }
  throw new Error('the server closed the connection before the import finished');
}

function summarize(result: ImportResult): void {
  for (const e of result.errors) console.log(`line ${e.line}: error: ${e.message}`);
  for (const d of result.duplicates)
    console.log(`line ${d.line}: duplicate of ${d.existingId} (same ${d.reason}): ${d.title}`);
  console.log(
    `${result.format}: ${result.created.length} created, ${result.duplicates.length} duplicates, ${result.errors.length} errors`,
  );
}

function summarizeRun(run: FeedRun): void {
  if (run.error) console.log(`error: ${run.error}`);
  console.log(
    `${run.feedKey} ${run.day}: ${run.status}, ${run.fetched} fetched, ${run.created} created, ` +
      `${run.duplicates} duplicates, ${run.errors} errors`,
  );
  if (run.status === 'failed') process.exitCode = 1;
}

/** Runs a feed for a day through the running server (it holds the embedded database). */
async function feedThroughServer(url: string, secret: string, feed: string, day: string): Promise<FeedRun> {
  const response = await fetch(`${url}/api/feeds/run`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
    body: JSON.stringify({ feed, day }),
  });
  const body = (await response.json().catch(() => ({}))) as FeedRun & { message?: string };
  if (!response.ok) throw new Error(`the server refused the run (${response.status}): ${body.message ?? ''}`);
  return body;
}

/** `npm run import -- --feed SPEC --date DAY`: one feed, one day, by hand. */
async function runFeed(feed: string, day: string): Promise<void> {
  const spec = parseFeedSpec(feed);
  const config = loadConfig();
  const server = serverHoldingDataDir(config);
  if (server) {
    process.stderr.write(`handing the run to the running server at ${server.url}\n`);
    summarizeRun(await feedThroughServer(server.url, server.secret, spec.key, day));
    return;
  }
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, max: 2 });
  try {
    await migrate(db.sql);
    const log = { info: () => {}, error: (details: object, message: string) => console.error(message, details) };
    summarizeRun(await runFeedByHand({ sql: db.sql, config, log }, spec, day, new Date()));
  } finally {
    await db.close();
  }
}

/** `npm run import -- FILE`: imports a file directly, or through the running server in embedded mode. */
async function run(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.feed !== undefined) return runFeed(args.feed, args.day);
  const { file, format } = args;
  const text = await fs.readFile(file, 'utf8');
  const config = loadConfig();
  const server = serverHoldingDataDir(config);
  if (server) {
    process.stderr.write(`handing the import to the running server at ${server.url}\n`);
    summarize(await importThroughServer(server.url, server.secret, text, format));
    return;
  }
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, max: 2 });
  try {
    await migrate(db.sql);
    summarize(await importPapers(db.sql, text, { format, settings: config, onProgress: showProgress }));
  } finally {
    await db.close();
  }
}

run().catch((err: unknown) => {
  console.error(`import: ${err instanceof Error ? err.message : String(err)}`);
  console.error(USAGE);
  process.exitCode = 1;
});
