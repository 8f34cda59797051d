import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { addCard } from '#shared/protocol/board-doc/edits.js';
import { boardView } from '#shared/protocol/board-doc/view.js';
import { redisServerBinary, startRedis, type TestRedis } from '#test/helpers/redis.js';
import { UsageError, stringOptions, wholeNumberOption } from './lib/benchmark.js';
import { postgresServerUrl, redactUrl, serverDatabase } from './lib/databases.js';
import { formatLoad, packageVersion } from './lib/machine.js';
import { sampleProcessTree, type TreeUsage } from './lib/process-tree.js';
import {
  ensurePaperboardBuild,
  freePort,
  PAPERBOARD_SERVER_SCRIPT,
  startNodeServer,
  type ChildServer,
} from './lib/processes.js';
import { median, summarize, type LatencySummary } from './lib/stats.js';
import {
  closeClients,
  connect,
  deliveries,
  newEdit,
  postJson,
  recordArrivals,
  sleep,
  waitFor,
  type Client,
  type EditRecord,
} from './lib/sync-clients.js';
import { formatCount, formatMs, formatTable } from './lib/table.js';

/**
 * `npm run bench -- sync --nodes 2`: how fast an edit crosses from one server node to another (issue #21).
 * Two server processes share one real PostgreSQL (and a Redis for the Redis bus); writers connect to node
 * 1. Readers connect to node 1 too ("same node", the baseline) or to node 2 ("other node"), both in every
 * round, rotated. The goal: the other node's first-receiver p99 at most 2× the same node's, and within
 * 10 ms of it, with no delivery lost; judged by the median of the rounds' ratios.
 */

const GOAL_RATIO = 2;
const GOAL_EXTRA_MS = 10;
const WARM_UP_SECONDS = 2;
const DRAIN_MS = 5000;
const SAMPLE_DELAY_RESOLUTION_MS = 5;

const BUSES = ['postgres', 'redis'] as const;
type BusName = (typeof BUSES)[number];
const PLACEMENTS = ['same', 'other'] as const;
type Placement = (typeof PLACEMENTS)[number];
const PLACEMENT_LABELS: Record<Placement, string> = { same: 'same node', other: 'other node' };

const USAGE = `npm run bench -- sync --nodes 2 [options]
  --bus postgres|redis|all  (default all) the bus between the nodes; redis needs redis-server or BENCH_REDIS_URL
  --boards B                boards (default 1), each with one writer on node 1
  --readers N               readers per board (default 20), on node 1 (same node) or node 2 (other node)
  --rate R                  edits per second over all boards (default 20); keep it ≤ 80 per board: the
                            server closes a connection past 100 messages/s (SyncSettings.rateLimit)
  --duration S              measured seconds per run (default 10), after ${WARM_UP_SECONDS} s warm-up
  --repeat N                rounds (default 1); each runs every bus and both placements, in a rotated order
  Real PostgreSQL is BENCH_DATABASE_URL (default ${postgresServerUrl({})}).`;

interface Options {
  buses: BusName[];
  boards: number;
  readers: number;
  rate: number;
  durationSeconds: number;
  rounds: number;
}

function parseOptions(args: string[]): Options {
  const values = stringOptions(
    args,
    ['nodes', 'bus', 'boards', 'readers', 'rate', 'duration', 'repeat'] as const,
    USAGE,
  );
  if (values.nodes !== '2') throw new UsageError(`--nodes: only 2 is measured\n${USAGE}`);
  const bus = values.bus ?? 'all';
  if (bus !== 'all' && !BUSES.includes(bus as BusName))
    throw new UsageError(`--bus must be postgres, redis or all\n${USAGE}`);
  return {
    buses: bus === 'all' ? [...BUSES] : [bus as BusName],
    boards: wholeNumberOption('boards', values.boards, 1, 1, USAGE),
    readers: wholeNumberOption('readers', values.readers, 20, 1, USAGE),
    rate: wholeNumberOption('rate', values.rate, 20, 1, USAGE),
    durationSeconds: wholeNumberOption('duration', values.duration, 10, 1, USAGE),
    rounds: wholeNumberOption('repeat', values.repeat, 1, 1, USAGE),
  };
}

function progress(message: string): void {
  process.stderr.write(`  ${message}\n`);
}

/** Two server nodes on one fresh database, an account (same cookie on both) and the boards. */
interface Cluster {
  nodes: { server: ChildServer; wsUrl: string }[];
  cookie: string;
  userId: string;
  rooms: string[];
  stop(): Promise<void>;
}

async function startCluster(bus: BusName, boards: number): Promise<Cluster | string> {
  const database = await serverDatabase('postgres');
  if (typeof database === 'string') return database;
  let redis: TestRedis | null = null;
  const cleanups: (() => Promise<void>)[] = [database.drop];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  };
  try {
    if (bus === 'redis') {
      const url = process.env.BENCH_REDIS_URL;
      redis = url ? { url, prefix: '', owned: false, stop: async () => {} } : await startRedis({ own: true });
      cleanups.push(() => redis!.stop());
    }
    const nodes: Cluster['nodes'] = [];
    for (let i = 0; i < 2; i++) {
      const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'paperboard-nodes-bench-'));
      cleanups.push(() => fs.rm(dataDir, { recursive: true, force: true }));
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        PUBLIC_URL: base,
        DATABASE_URL: database.databaseUrl,
        // Both nodes read the same session cookies.
        SESSION_SECRET: 'nodes-bench-session-secret-0123456789abcdef',
        SEED_DEMO: 'false',
        PASSWORD_HASH_COST: '10',
        DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
        AUTH_RATE_LIMIT_PER_IP: '1000000',
        AUTH_RATE_LIMIT_PER_EMAIL: '1000000',
        BOARDS_PER_HOUR: '100000',
        SOCKETS_PER_USER: '10000',
      };
      delete env.REDIS_URL;
      if (redis) env.REDIS_URL = redis.url;
      const server = await startNodeServer(PAPERBOARD_SERVER_SCRIPT, env, `${base}/healthz`);
      cleanups.push(() => server.stop());
      nodes.push({ server, wsUrl: `ws://127.0.0.1:${port}/yjs` });
    }
    const base = nodes[0].wsUrl.replace(/^ws/, 'http').replace(/\/yjs$/, '');
    const signup = await postJson(`${base}/api/auth/signup`, {
      email: 'nodes-bench@example.org',
      password: 'correct horse battery',
      name: 'Nodes Bench',
    });
    const cookie = signup.setCookie.split(';')[0];
    const userId = (signup.json as { user: { id: string } }).user.id;
    const rooms: string[] = [];
    for (let i = 0; i < boards; i++) {
      rooms.push(
        ((await postJson(`${base}/api/boards`, { name: `Nodes ${i + 1}` }, cookie)).json as { id: string }).id,
      );
    }
    return { nodes, cookie, userId, rooms, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A node's event-loop delay since the last scrape (prom-client resets its histogram on each), in ms. */
async function loopDelay(wsUrl: string): Promise<{ p99: number; max: number }> {
  const base = wsUrl.replace(/^ws/, 'http').replace(/\/yjs$/, '');
  const text = await (await fetch(`${base}/metrics`)).text();
  const read = (name: string) => Number(new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN) * 1000;
  return { p99: read('nodejs_eventloop_lag_p99_seconds'), max: read('nodejs_eventloop_lag_max_seconds') };
}

interface RunResult {
  bus: BusName;
  placement: Placement;
  edits: number;
  expected: number;
  delivered: number;
  first: LatencySummary;
  all: LatencySummary;
  firstSamples: number[];
  allSamples: number[];
  generatorDelayP99: number;
  /** CPU (percent of a core) and peak PSS of each node's process, over the measured edits. */
  nodeUsage: TreeUsage[];
  /** Each node's event-loop delay over the measured edits (p99 and max, ms). */
  nodeDelay: { p99: number; max: number }[];
  load: string;
}

/** One placement on a running cluster: writers on node 1, readers on node 1 or node 2. */
async function runPlacement(
  cluster: Cluster,
  bus: BusName,
  placement: Placement,
  options: Options,
): Promise<RunResult> {
  const clients: Client[] = [];
  try {
    const readerNode = cluster.nodes[placement === 'same' ? 0 : 1];
    const writers: Client[] = [];
    for (let b = 0; b < cluster.rooms.length; b++) {
      const writer = await connect(cluster.nodes[0].wsUrl, cluster.rooms[b], cluster.cookie, b);
      writers.push(writer);
      clients.push(writer);
      // A board of some size, as real boards are (once: both placements run on the same boards).
      const columns = boardView(writer.doc).columns.map((c) => c.id);
      if (writer.doc.getMap('cards').size === 0)
        writer.doc.transact(() => {
          for (let i = 0; i < 50; i++) {
            addCard(writer.doc, { paperId: `p-${i}`, columnId: columns[i % columns.length], addedBy: cluster.userId });
          }
        });
    }
    const readers: Client[] = [];
    for (let b = 0; b < cluster.rooms.length; b++) {
      const batch = Array.from({ length: options.readers }, () =>
        connect(readerNode.wsUrl, cluster.rooms[b], cluster.cookie, b),
      );
      readers.push(...(await Promise.all(batch)));
    }
    clients.push(...readers);
    await waitFor(() => readers.every((r) => r.doc.getMap('cards').size >= 50), 30_000, 'readers to have the cards');

    const edits = new Map<string, EditRecord>();
    recordArrivals(readers, edits);
    await sleep(500);
    const intervalMs = (1000 * writers.length) / options.rate;
    const warmUp = Math.ceil((WARM_UP_SECONDS * options.rate) / writers.length);
    const total = warmUp + Math.ceil((options.durationSeconds * options.rate) / writers.length);
    const delay = monitorEventLoopDelay({ resolution: SAMPLE_DELAY_RESOLUTION_MS });
    let samplers: { stop(): Promise<TreeUsage> }[] = [];
    const start = performance.now() + 100;
    await Promise.all(
      writers.map(async (writer, w) => {
        const bench = writer.doc.getMap<unknown>('bench');
        const offset = (w * intervalMs) / writers.length;
        for (let seq = 0; seq < total; seq++) {
          const wait = start + offset + seq * intervalMs - performance.now();
          if (wait > 0) await sleep(wait);
          if (seq === warmUp && w === 0) {
            delay.enable();
            samplers = cluster.nodes.map((node) => sampleProcessTree(node.server.pid));
            // Reads (and so resets) each node's event-loop histogram as the measured edits begin.
            void Promise.all(cluster.nodes.map((node) => loopDelay(node.wsUrl))).catch(() => {});
          }
          const key = `${w}:${seq}`;
          const edit = newEdit(options.readers, seq >= warmUp);
          edits.set(key, edit);
          writer.doc.transact(() => bench.set(key, seq));
          edit.sentAt = performance.now();
        }
      }),
    );
    delay.disable();
    const nodeUsage = await Promise.all(samplers.map((sampler) => sampler.stop()));
    const nodeDelay = await Promise.all(cluster.nodes.map((node) => loopDelay(node.wsUrl)));
    const measured = [...edits.values()].filter((e) => e.measured);
    await waitFor(() => measured.every((e) => e.received >= e.expected), DRAIN_MS, 'deliveries').catch(() => {});
    const { expected, delivered, firstSamples: first, allSamples: all } = deliveries(measured);
    return {
      bus,
      placement,
      edits: measured.length,
      expected,
      delivered,
      first: summarize(first),
      all: summarize(all),
      firstSamples: first,
      allSamples: all,
      generatorDelayP99: Math.max(0, delay.percentile(99) / 1e6 - SAMPLE_DELAY_RESOLUTION_MS),
      nodeUsage,
      nodeDelay,
      load: formatLoad(),
    };
  } finally {
    closeClients(clients);
  }
}

function pool(runs: RunResult[]): RunResult {
  const firstSamples = runs.flatMap((r) => r.firstSamples);
  const allSamples = runs.flatMap((r) => r.allSamples);
  const sum = (pick: (r: RunResult) => number) => runs.reduce((total, r) => total + pick(r), 0);
  return {
    ...runs[0],
    edits: sum((r) => r.edits),
    expected: sum((r) => r.expected),
    delivered: sum((r) => r.delivered),
    first: summarize(firstSamples),
    all: summarize(allSamples),
    firstSamples,
    allSamples,
    generatorDelayP99: Math.max(...runs.map((r) => r.generatorDelayP99)),
    nodeUsage: runs[0].nodeUsage.map((_, i) => ({
      cpuPercent: runs.reduce((total, r) => total + r.nodeUsage[i].cpuPercent, 0) / runs.length,
      peakPssBytes: Math.max(...runs.map((r) => r.nodeUsage[i].peakPssBytes)),
      peakProcesses: Math.max(...runs.map((r) => r.nodeUsage[i].peakProcesses)),
      seen: runs.at(-1)!.nodeUsage[i].seen,
    })),
    nodeDelay: runs[0].nodeDelay.map((_, i) => ({
      p99: Math.max(...runs.map((r) => r.nodeDelay[i].p99)),
      max: Math.max(...runs.map((r) => r.nodeDelay[i].max)),
    })),
    load: runs.at(-1)!.load,
  };
}

function printResults(options: Options, rounds: RunResult[][], skipped: string[]): void {
  console.log(
    `\nsync across two nodes — ${options.boards} board(s), 1 writer each on node 1, ${options.readers} readers per ` +
      `board, ${options.rate} edits/s in all, ${options.durationSeconds} s measured per run, ${rounds.length} round(s)`,
  );
  for (const line of skipped) console.log(`  ${line}`);
  const rows: (string | number)[][] = [];
  const verdicts: string[] = [];
  for (const bus of options.buses) {
    const runsOf = (placement: Placement) => rounds.flat().filter((r) => r.bus === bus && r.placement === placement);
    if (runsOf('same').length === 0) continue;
    const pooled = Object.fromEntries(PLACEMENTS.map((p) => [p, pool(runsOf(p))])) as Record<Placement, RunResult>;
    for (const placement of PLACEMENTS) {
      const r = pooled[placement];
      rows.push([
        bus,
        PLACEMENT_LABELS[placement],
        formatMs(r.first.p50),
        formatMs(r.first.p99),
        formatMs(r.all.p99),
        `${formatCount(r.delivered)}/${formatCount(r.expected)}`,
        formatCount(r.expected - r.delivered),
        formatMs(r.generatorDelayP99),
        r.nodeUsage.map((u) => u.cpuPercent.toFixed(0)).join(' / '),
        r.nodeUsage.map((u) => (u.peakPssBytes / 2 ** 20).toFixed(0)).join(' / '),
        r.nodeDelay.map((d) => `${formatMs(d.p99)}, ${formatMs(d.max)}`).join(' / '),
      ]);
    }
    // The rounds' ratios of the other node's p99 to the same node's, each within its own round.
    const ratios: number[] = [];
    const extras: number[] = [];
    for (const round of rounds) {
      const same = round.find((r) => r.bus === bus && r.placement === 'same');
      const other = round.find((r) => r.bus === bus && r.placement === 'other');
      if (!same || !other) continue;
      ratios.push(other.first.p99 / same.first.p99);
      extras.push(other.first.p99 - same.first.p99);
    }
    const lost = pooled.same.expected - pooled.same.delivered + pooled.other.expected - pooled.other.delivered;
    const ratio = median(ratios);
    const extra = median(extras);
    const pass = ratio <= GOAL_RATIO && extra <= GOAL_EXTRA_MS && lost === 0;
    verdicts.push(
      `${bus} bus: other node's first-receiver p99 ${ratio.toFixed(2)}× the same node's (median of ${ratios.length} ` +
        `round(s); goal ≤ ${GOAL_RATIO}×), ${extra >= 0 ? '+' : ''}${extra.toFixed(1)} ms (goal ≤ ${GOAL_EXTRA_MS} ms), ` +
        `${lost} lost — ${pass ? 'PASS' : 'FAIL'}`,
    );
  }
  console.log(
    formatTable(
      [
        { header: 'bus' },
        { header: 'readers on' },
        { header: 'first p50 ms', align: 'right' },
        { header: 'first p99 ms', align: 'right' },
        { header: 'all p99 ms', align: 'right' },
        { header: 'delivered', align: 'right' },
        { header: 'lost', align: 'right' },
        { header: 'generator delay p99 ms', align: 'right' },
        { header: 'CPU % node 1 / 2', align: 'right' },
        { header: 'PSS MB node 1 / 2', align: 'right' },
        { header: 'loop delay p99, max ms node 1 / 2', align: 'right' },
      ],
      rows,
    ),
  );
  for (const verdict of verdicts) console.log(verdict);
  console.log(
    '\nfirst = until the first reader of an edit applied it; all = until the last. Latencies are pooled over the ' +
      "rounds; the verdict takes the median of the rounds' ratios. The generator (writers and readers) runs in " +
      'this process: its event-loop delay p99 is part of every latency.',
  );
}

/** `npm run bench -- sync --nodes 2`. */
export async function run(args: string[]): Promise<void> {
  const options = parseOptions(args);
  process.setMaxListeners(Math.max(process.getMaxListeners(), 1000));
  await ensurePaperboardBuild(progress);
  const skipped: string[] = [];
  if (options.buses.includes('redis') && !process.env.BENCH_REDIS_URL && !redisServerBinary) {
    skipped.push('redis bus skipped: no redis-server here and no BENCH_REDIS_URL');
    options.buses = options.buses.filter((b) => b !== 'redis');
  }
  console.log(
    `two nodes on ${redactUrl(postgresServerUrl())}; ioredis ${packageVersion('ioredis')}; load before ${formatLoad()}`,
  );
  const rounds: RunResult[][] = [];
  for (let round = 0; round < options.rounds; round++) {
    const results: RunResult[] = [];
    const buses = options.buses.map((_, i) => options.buses[(i + round) % options.buses.length]);
    for (const bus of buses) {
      progress(`round ${round + 1}/${options.rounds}, ${bus} bus: starting two nodes (load ${formatLoad()})`);
      const cluster = await startCluster(bus, options.boards);
      if (typeof cluster === 'string') {
        skipped.push(`${bus} bus: ${cluster}`);
        continue;
      }
      try {
        const placements = round % 2 === 0 ? PLACEMENTS : [...PLACEMENTS].reverse();
        for (const placement of placements) {
          const result = await runPlacement(cluster, bus, placement, options);
          progress(
            `${bus}, readers on the ${PLACEMENT_LABELS[placement]}: first p50 ${formatMs(result.first.p50)} ms, ` +
              `p99 ${formatMs(result.first.p99)} ms, delivered ${result.delivered}/${result.expected}`,
          );
          results.push(result);
        }
      } finally {
        await cluster.stop();
      }
    }
    rounds.push(results);
  }
  printResults(options, rounds, [...new Set(skipped)]);
}
