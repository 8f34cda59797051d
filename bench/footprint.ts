import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { modesOption, stringOptions, wholeNumberOption } from './lib/benchmark.js';
import {
  DEFAULT_POSTGRES_URL,
  MODES,
  postgresServerUrl,
  redactUrl,
  serverDatabase,
  type Mode,
} from './lib/databases.js';
import { embeddedPostgresVersion, formatLoad, postgresVersion } from './lib/machine.js';
import { processTreePss, type ProcessMemory, type TreeMemory } from './lib/process-tree.js';
import {
  ensurePaperboardBuild,
  freePort,
  PAPERBOARD_SERVER_SCRIPT,
  startNodeServer,
  type ChildServer,
} from './lib/processes.js';
import { median } from './lib/stats.js';
import { formatTable, type Cell } from './lib/table.js';

/** The goal: idle after start, demo library loaded, at most 250 MB PSS for the whole tree. */
const GOAL_IDLE_PSS_MB = 250;
const DEFAULT_SETTLE_SECONDS = 10;
const DEFAULT_REPEAT = 3;
/** How long the server may take from spawn until /readyz answers 200 (initdb, migrations, demo import). */
const READY_TIMEOUT_MS = 180_000;

const USAGE = `footprint options:
  --mode embedded|postgres|both   (default both; postgres is skipped when no server answers)
  --settle S                      seconds to wait after /readyz answers before measuring (default ${DEFAULT_SETTLE_SECONDS})
  --repeat N                      fresh starts per mode, each on a new DATA_DIR (default ${DEFAULT_REPEAT}); the
                                  median of their tree PSS is judged
  Starts the server as \`npm start\` would (SEED_DEMO=true: the 240-paper demo library is imported at first
  start) and measures its memory when idle: PSS (/proc/<pid>/smaps_rollup) summed over the Node process
  and every process under it (the embedded PostgreSQL). Goal: ≤ ${GOAL_IDLE_PSS_MB} MB in embedded mode.
  Real PostgreSQL is BENCH_DATABASE_URL (default ${DEFAULT_POSTGRES_URL}); the Node process alone
  counts then.`;

interface Options {
  modes: Mode[];
  settleSeconds: number;
  repeat: number;
}

function parseOptions(args: string[]): Options {
  const values = stringOptions(args, ['mode', 'settle', 'repeat'] as const, USAGE);
  return {
    modes: modesOption(values.mode, MODES, USAGE),
    settleSeconds: wholeNumberOption('settle', values.settle, DEFAULT_SETTLE_SECONDS, 0, USAGE),
    repeat: wholeNumberOption('repeat', values.repeat, DEFAULT_REPEAT, 1, USAGE),
  };
}

function progress(message: string): void {
  process.stderr.write(`  ${message}\n`);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const mebibytes = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const isPostgres = (p: ProcessMemory) => p.comm === 'postgres';

/** One start of the server: how long it took to be ready, and its memory after the settle period. */
interface Measurement {
  readySeconds: number;
  memory: TreeMemory;
}

/** Polls /readyz until it answers 200 (the server answers only once migrated and seeded; this is the contract). */
async function waitReady(server: ChildServer, url: string, deadline: number): Promise<void> {
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
      if (res.ok) return;
    } catch {
      // not answering yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 in time:\n${server.output()}`);
    await sleep(200);
  }
}

/** Starts the server on a fresh data directory (and database), measures it once it has settled, stops it. */
async function measureOnce(mode: Mode, settleSeconds: number): Promise<Measurement | string> {
  const database = await serverDatabase(mode);
  if (typeof database === 'string') return database;
  const { databaseUrl, drop: dropDatabase } = database;
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'paperboard-footprint-bench-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // As `npm start` runs it, but on a fresh DATA_DIR and a free port.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: base,
    DATA_DIR: dataDir,
    SEED_DEMO: 'true',
  };
  delete env.DATABASE_URL;
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  let server: ChildServer | null = null;
  try {
    const started = performance.now();
    server = await startNodeServer(PAPERBOARD_SERVER_SCRIPT, env, `${base}/readyz`, READY_TIMEOUT_MS);
    await waitReady(server, `${base}/readyz`, Date.now() + READY_TIMEOUT_MS);
    const readySeconds = (performance.now() - started) / 1000;
    progress(`ready after ${readySeconds.toFixed(1)} s; settling for ${settleSeconds} s`);
    await sleep(settleSeconds * 1000);
    const memory = await processTreePss(server.pid);
    if (memory.processes.length === 0) throw new Error(`the server (pid ${server.pid}) could not be measured`);
    progress(
      `tree PSS ${mebibytes(memory.pssBytes)} MB over ${memory.processes.length} processes` +
        `${memory.unreadable > 0 ? ` (${memory.unreadable} unreadable)` : ''}`,
    );
    return { readySeconds, memory };
  } finally {
    await server?.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
    await dropDatabase();
  }
}

/** What the mode runs on: the embedded PostgreSQL's version, or the server's. */
async function engine(mode: Mode): Promise<string> {
  if (mode === 'embedded') return embeddedPostgresVersion();
  const url = postgresServerUrl();
  const sql = postgres(url, { max: 1, connect_timeout: 5, onnotice: () => {}, transform: postgres.camel });
  try {
    return `PostgreSQL ${await postgresVersion(sql)} at ${redactUrl(url)}`;
  } catch {
    return `PostgreSQL at ${redactUrl(url)}`;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

function verdict(mb: number): string {
  return `${mb <= GOAL_IDLE_PSS_MB ? 'PASS' : 'FAIL'} (goal ≤ ${GOAL_IDLE_PSS_MB} MB)`;
}

/**
 * The processes of one measurement grouped by name ("postgres: checkpointer", "node --import tsx
 * main.ts"): the server first, then by name.
 */
function byName(memory: TreeMemory): Cell[][] {
  const groups = new Map<string, { count: number; pss: number; rss: number }>();
  const [root, ...rest] = memory.processes;
  for (const p of [root, ...rest.sort((a, b) => a.name.localeCompare(b.name))]) {
    const group = groups.get(p.name) ?? { count: 0, pss: 0, rss: 0 };
    group.count++;
    group.pss += p.pssBytes;
    group.rss += p.rssBytes;
    groups.set(p.name, group);
  }
  return [...groups].map(([name, g]) => [name, g.count, mebibytes(g.pss), mebibytes(g.rss)]);
}

async function runMode(mode: Mode, options: Options): Promise<void> {
  const label = mode === 'embedded' ? 'embedded PostgreSQL' : 'real PostgreSQL';
  process.stderr.write(`footprint benchmark, ${label}:\n`);
  const loadBefore = formatLoad();
  const runs: Measurement[] = [];
  for (let i = 0; i < options.repeat; i++) {
    progress(`start ${i + 1}/${options.repeat} (load ${formatLoad()})`);
    const measured = await measureOnce(mode, options.settleSeconds);
    if (typeof measured === 'string') {
      console.log(`### footprint — ${label}\n\n${measured}\n`);
      return;
    }
    runs.push(measured);
  }
  console.log(`### footprint — ${label} (${await engine(mode)})\n`);
  console.log(
    `Idle after start: a fresh DATA_DIR${mode === 'postgres' ? ' and database' : ''}, SEED_DEMO=true (the demo ` +
      `library imported at first start), measured ${options.settleSeconds} s after /readyz answered; ` +
      `${options.repeat} start${options.repeat > 1 ? 's' : ''}; load average ${loadBefore} before, ` +
      `${formatLoad()} after. PSS summed over the server's process tree` +
      `${mode === 'postgres' ? " (the Node process alone: the PostgreSQL server is not the app's)" : ''}; ` +
      'RSS summed for comparison (it counts shared pages once per process that maps them).\n',
  );
  console.log(
    formatTable(
      [
        { header: 'start' },
        { header: 'ready after s', align: 'right' },
        { header: 'processes', align: 'right' },
        { header: 'Node PSS MB', align: 'right' },
        { header: 'PostgreSQL PSS MB', align: 'right' },
        { header: 'tree PSS MB', align: 'right' },
        { header: 'tree RSS MB (sum)', align: 'right' },
      ],
      runs.map((r, i) => {
        const pg = r.memory.processes.filter(isPostgres);
        return [
          i + 1,
          r.readySeconds.toFixed(1),
          `${r.memory.processes.length}${r.memory.unreadable > 0 ? ` (+${r.memory.unreadable} unreadable)` : ''}`,
          mebibytes(r.memory.processes[0].pssBytes),
          pg.length > 0 ? mebibytes(pg.reduce((sum, p) => sum + p.pssBytes, 0)) : '–',
          mebibytes(r.memory.pssBytes),
          mebibytes(r.memory.rssBytes),
        ];
      }),
    ),
  );
  console.log();
  const medianPss = median(runs.map((r) => r.memory.pssBytes));
  // The breakdown of the start closest to the median (the median itself, for an odd count).
  const typical = runs.reduce((best, r) =>
    Math.abs(r.memory.pssBytes - medianPss) < Math.abs(best.memory.pssBytes - medianPss) ? r : best,
  );
  console.log(
    `Per process, start ${runs.indexOf(typical) + 1} (${runs.length > 1 ? 'closest to the median' : 'the only one'}):\n`,
  );
  console.log(
    formatTable(
      [
        { header: 'process' },
        { header: 'count', align: 'right' },
        { header: 'PSS MB', align: 'right' },
        { header: 'RSS MB (sum)', align: 'right' },
      ],
      byName(typical.memory),
    ),
  );
  console.log();
  const mb = medianPss / 2 ** 20;
  console.log(
    `**Idle footprint, ${label}: ${mb.toFixed(0)} MB PSS${runs.length > 1 ? ` (median of ${runs.length} starts)` : ''}` +
      ` — ${verdict(mb)}${mode === 'postgres' ? '; the goal is set for embedded mode' : ''}.**\n`,
  );
}

/** `npm run bench -- footprint`: memory of the idle server after start, over its whole process tree. */
export async function run(args: string[]): Promise<void> {
  const options = parseOptions(args);
  // A stale client build would otherwise be built inside the measured server, and its memory counted.
  await ensurePaperboardBuild(progress);
  for (const mode of options.modes) await runMode(mode, options);
}
