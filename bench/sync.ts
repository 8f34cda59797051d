import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { addCard, initBoardDoc } from '#shared/protocol/board-doc/edits.js';
import { boardView } from '#shared/protocol/board-doc/view.js';
import { UsageError, stringOptions } from './lib/benchmark.js';
import { DEFAULT_POSTGRES_URL, serverDatabase } from './lib/databases.js';
import { embeddedPostgresVersion, formatLoad, packageVersion } from './lib/machine.js';
import { sampleProcessTree, type TreeUsage } from './lib/process-tree.js';
import {
  ensurePaperboardBuild,
  freePort,
  PAPERBOARD_SERVER_SCRIPT,
  startNodeServer,
  type ChildServer,
} from './lib/processes.js';
import { median, summarize, type LatencySummary } from './lib/stats.js';
import { formatCount, formatMs, formatTable, type Cell, type Column } from './lib/table.js';
import {
  closeClients,
  connect as connectTo,
  deliveries,
  newEdit,
  postJson,
  recordArrivals,
  sleep,
  waitFor,
  type Client,
  type EditRecord,
} from './lib/sync-clients.js';

/**
 * The goals, for scenario C in embedded mode: first-receiver p99 at most 1.0× the persisting reference's
 * and at most 1.5× the non-persisting reference's, server CPU at most the persisting reference's, PSS of
 * the whole process tree at most 400 MB, no delivery lost.
 */
const GOAL_SCENARIO = 'c';
const GOAL_MODE = 'embedded';
const GOAL_P99_VS_PERSISTING = 1.0;
const GOAL_P99_VS_REFERENCE = 1.5;
const GOAL_CPU_VS_PERSISTING = 1.0;
const GOAL_PSS_MB = 400;

const EDITS_PER_SECOND = 20;
/** Edits before the measured ones (JIT, connection buffers); sent at the same rate and not counted. */
const WARM_UP_SECONDS = 2;
/** After the last edit, how long to wait for outstanding deliveries before counting them lost. */
const DRAIN_MS = 5000;
const CONNECT_BATCH = 25;
/** The load generator is the bottleneck above these (event-loop delay p99, CPU of one core). */
const GENERATOR_DELAY_LIMIT_MS = 20;
const GENERATOR_CPU_LIMIT = 90;
/** Sampling interval of the event-loop delay histogram; its samples include it, so it is subtracted. */
const DELAY_RESOLUTION_MS = 5;
/** Above this spread of a reference's per-round p99 (highest / lowest), rounds are called noisy. */
const REFERENCE_SPREAD_LIMIT = 3;

const REFERENCE_SCRIPT = fileURLToPath(new URL('lib/reference-sync-server.ts', import.meta.url));
/** How often the server's process tree is sampled (CPU time, PSS) while the measured edits run. */
const SAMPLE_INTERVAL_MS = 500;

const SCENARIOS = {
  a: { label: 'A: 1 writer → 50 readers, 1 board', boards: 1, clientsPerBoard: 51, writersPerBoard: 1, cards: 500 },
  b: { label: 'B: 1 writer → 200 readers, 1 board', boards: 1, clientsPerBoard: 201, writersPerBoard: 1, cards: 500 },
  c: {
    label: 'C: 20 boards × 10 clients, 2 writers each',
    boards: 20,
    clientsPerBoard: 10,
    writersPerBoard: 2,
    cards: 50,
  },
} as const;
type ScenarioName = keyof typeof SCENARIOS;
type Scenario = (typeof SCENARIOS)[ScenarioName];

const SERVER_MODES = ['embedded', 'postgres', 'reference', 'reference-persisting'] as const;
type ServerMode = (typeof SERVER_MODES)[number];
/** The two baselines: the reference y-websocket server without persistence, and with y-leveldb. */
type ReferenceMode = Extract<ServerMode, 'reference' | 'reference-persisting'>;
type OurMode = Exclude<ServerMode, ReferenceMode>;

const isReference = (mode: ServerMode): mode is ReferenceMode =>
  mode === 'reference' || mode === 'reference-persisting';

const MODE_LABELS: Record<ServerMode, string> = {
  embedded: 'Paperboard, embedded PostgreSQL',
  postgres: 'Paperboard, real PostgreSQL',
  reference: '@y/websocket-server 0.1.1 (no persistence)',
  'reference-persisting': '@y/websocket-server 0.1.1, persisting (y-leveldb)',
};

/** Short names for table headers. */
const SHORT_LABELS: Record<ServerMode, string> = {
  embedded: 'embedded',
  postgres: 'postgres',
  reference: 'reference',
  'reference-persisting': 'persisting reference',
};

const USAGE = `npm run bench -- sync [options]
  --scenario a|b|c|all      (default all) a: 1→50, b: 1→200, c: 20 boards × 10 clients
  --duration S              measured seconds of edits per run (default 12), after ${WARM_UP_SECONDS} s warm-up
  --mode M                  embedded | postgres | reference | reference-persisting | all (default all);
                            reference: @y/websocket-server without persistence; reference-persisting: the
                            same with YPERSISTENCE set (y-leveldb, every update stored)
  --nodes 2                 across two server nodes instead (see npm run bench -- sync --nodes 2 --help)
  --repeat N                rounds (default 1); each round runs every server once, in a rotated order;
                            latencies are pooled over the rounds, the goals judged by the median of the
                            rounds' ratios
  Real PostgreSQL is BENCH_DATABASE_URL (default ${DEFAULT_POSTGRES_URL}).
  Server CPU and memory are summed over the server's process tree (Node and its PostgreSQL processes);
  memory is PSS (/proc/<pid>/smaps_rollup).`;

interface Options {
  scenarios: ScenarioName[];
  modes: ServerMode[];
  durationSeconds: number;
  rounds: number;
}

function parseOptions(args: string[]): Options {
  const values = stringOptions(args, ['scenario', 'mode', 'duration', 'repeat'] as const, USAGE);
  const scenario = values.scenario ?? 'all';
  if (scenario !== 'all' && !Object.hasOwn(SCENARIOS, scenario))
    throw new UsageError(`--scenario must be a, b, c or all\n${USAGE}`);
  const mode = values.mode ?? 'all';
  if (mode !== 'all' && !SERVER_MODES.includes(mode as ServerMode)) {
    throw new UsageError(`--mode must be ${SERVER_MODES.join(', ')} or all\n${USAGE}`);
  }
  const duration = values.duration ?? '12';
  if (!/^\d+$/.test(duration) || Number(duration) < 1)
    throw new UsageError('--duration must be a positive whole number');
  const repeat = values.repeat ?? '1';
  if (!/^\d+$/.test(repeat) || Number(repeat) < 1) throw new UsageError('--repeat must be a positive whole number');
  return {
    scenarios: scenario === 'all' ? (Object.keys(SCENARIOS) as ScenarioName[]) : [scenario as ScenarioName],
    modes: mode === 'all' ? [...SERVER_MODES] : [mode as ServerMode],
    durationSeconds: Number(duration),
    rounds: Number(repeat),
  };
}

function progress(message: string): void {
  process.stderr.write(`  ${message}\n`);
}

/** A running server to connect to: where its documents are, and how a client authenticates. */
interface Target {
  mode: ServerMode;
  server: ChildServer;
  /** The y-websocket server URL; the room is the board id (ours) or a free name (reference). */
  wsUrl: string;
  /** Board (room) names, one per board of the scenario. */
  rooms: string[];
  cookie: string | null;
  /** The user id the prefill writes as `addedBy` (ours checks it is the sender). */
  userId: string;
  cleanup(): Promise<void>;
}

/** Starts our server (embedded, or on a fresh database) and creates the owner and the boards over HTTP. */
async function startPaperboard(mode: 'embedded' | 'postgres', boards: number): Promise<Target | string> {
  const database = await serverDatabase(mode);
  if (typeof database === 'string') return database;
  const { databaseUrl, drop: dropDatabase } = database;
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'paperboard-sync-bench-'));
  const removeDataDir = () => fs.rm(dataDir, { recursive: true, force: true });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: base,
    SEED_DEMO: 'false',
    PASSWORD_HASH_COST: '10',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    AUTH_RATE_LIMIT_PER_IP: '1000000',
    AUTH_RATE_LIMIT_PER_EMAIL: '1000000',
    // Every client of the benchmark is the same user: hundreds of sockets and boards by one account.
    BOARDS_PER_HOUR: '100000',
    SOCKETS_PER_USER: '10000',
  };
  delete env.DATABASE_URL;
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  let server: ChildServer;
  try {
    server = await startNodeServer(PAPERBOARD_SERVER_SCRIPT, env, `${base}/healthz`);
  } catch (error) {
    await removeDataDir();
    await dropDatabase();
    throw error;
  }
  const cleanup = async () => {
    await server.stop();
    await removeDataDir();
    await dropDatabase();
  };
  try {
    const signup = await postJson(`${base}/api/auth/signup`, {
      email: `sync-bench-${port}@example.org`,
      password: 'correct horse battery',
      name: 'Sync Bench',
    });
    const cookie = signup.setCookie.split(';')[0];
    const userId = (signup.json as { user: { id: string } }).user.id;
    const rooms: string[] = [];
    for (let i = 0; i < boards; i++) {
      const board = await postJson(`${base}/api/boards`, { name: `Sync bench ${i + 1}` }, cookie);
      rooms.push((board.json as { id: string }).id);
    }
    return { mode, server, wsUrl: `ws://127.0.0.1:${port}/yjs`, rooms, cookie, userId, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/**
 * Starts the reference server; `reference-persisting` with YPERSISTENCE set to a fresh directory (read
 * by @y/websocket-server/utils when it is imported, hence the child's environment): every update is
 * stored in a LevelDB there by y-leveldb. The directory is removed after the run.
 */
async function startReference(mode: ReferenceMode, boards: number): Promise<Target> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port) };
  delete env.YPERSISTENCE;
  let removeDir = async () => {};
  if (mode === 'reference-persisting') {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'paperboard-sync-bench-leveldb-'));
    removeDir = () => fs.rm(dir, { recursive: true, force: true });
    env.YPERSISTENCE = dir;
  }
  let server: ChildServer;
  try {
    server = await startNodeServer(REFERENCE_SCRIPT, env, `http://127.0.0.1:${port}/`);
  } catch (error) {
    await removeDir();
    throw error;
  }
  const rooms = Array.from({ length: boards }, (_, i) => `sync-bench-${i + 1}`);
  return {
    mode,
    server,
    wsUrl: `ws://127.0.0.1:${port}`,
    rooms,
    cookie: null,
    userId: 'sync-bench',
    async cleanup() {
      await server.stop();
      await removeDir();
    },
  };
}

/** A client of the target's board `board` (rooms by index). */
function connectClient(target: Target, board: number): Promise<Client> {
  return connectTo(target.wsUrl, target.rooms[board], target.cookie, board);
}

/** Fills a board with `cards` cards through one client, in one update (one message, well under the limits). */
function prefill(client: Client, target: Target, cards: number): void {
  // The reference server starts from an empty document; ours initialises the columns on board creation.
  if (boardView(client.doc).columns.every((c) => c.cards.length === 0) && client.doc.getMap('columns').size === 0) {
    initBoardDoc(client.doc);
  }
  const columns = boardView(client.doc).columns.map((c) => c.id);
  client.doc.transact(() => {
    for (let i = 0; i < cards; i++) {
      addCard(client.doc, {
        paperId: `bench-paper-${i}`,
        columnId: columns[i % columns.length],
        addedBy: target.userId,
      });
    }
  });
}

interface RunResult {
  mode: ServerMode;
  edits: number;
  expected: number;
  delivered: number;
  first: LatencySummary;
  all: LatencySummary;
  /** The measured edits' latencies (ms), kept for pooling rounds. */
  firstSamples: number[];
  allSamples: number[];
  /** CPU and peak PSS of the server's whole process tree. */
  server: TreeUsage;
  generatorCpu: number;
  generatorDelayP99: number;
  generatorDelayMax: number;
  reconnects: number;
  loadBefore: string;
  loadAfter: string;
}

async function runOnce(target: Target, scenario: Scenario, durationSeconds: number): Promise<RunResult> {
  const clients: Client[] = [];
  try {
    // The first client of each board writes the prefill; the others connect once it is on the server.
    for (let b = 0; b < scenario.boards; b++) {
      const first = await connectClient(target, b);
      clients.push(first);
      prefill(first, target, scenario.cards);
    }
    const rest: { board: number }[] = [];
    for (let b = 0; b < scenario.boards; b++) {
      for (let i = 1; i < scenario.clientsPerBoard; i++) rest.push({ board: b });
    }
    for (let i = 0; i < rest.length; i += CONNECT_BATCH) {
      clients.push(...(await Promise.all(rest.slice(i, i + CONNECT_BATCH).map((r) => connectClient(target, r.board)))));
    }
    await waitFor(
      () => clients.every((c) => c.doc.getMap('cards').size >= scenario.cards),
      30_000,
      'every client to have the prefilled cards',
    );
    progress(`${clients.length} clients connected and synced; ${scenario.cards} cards per board`);

    const byBoard = Array.from({ length: scenario.boards }, (_, b) => clients.filter((c) => c.board === b));
    const edits = new Map<string, EditRecord>();
    recordArrivals(clients, edits);
    await sleep(1000);

    const intervalMs = 1000 / EDITS_PER_SECOND;
    const warmUpEdits = WARM_UP_SECONDS * EDITS_PER_SECOND;
    const totalEdits = warmUpEdits + durationSeconds * EDITS_PER_SECOND;
    const start = performance.now() + 100;
    let measureStarted = 0;
    let sampler: { stop(): Promise<TreeUsage> } | null = null;
    let cpuBefore = process.cpuUsage();
    const delay = monitorEventLoopDelay({ resolution: DELAY_RESOLUTION_MS });
    const reconnectsBefore = clients.reduce((sum, c) => sum + c.closes, 0);
    const loadBefore = formatLoad();

    const writers = byBoard.flatMap((boardClients, b) =>
      boardClients.slice(0, scenario.writersPerBoard).map((client, w) => ({
        client,
        name: `${b}.${w}`,
        receivers: boardClients.length - 1,
        // Writers of one scenario are spread over the interval rather than all at once.
        offset: ((b * scenario.writersPerBoard + w) * intervalMs) / (scenario.boards * scenario.writersPerBoard),
      })),
    );
    const writing = writers.map(async (writer) => {
      const bench = writer.client.doc.getMap<unknown>('bench');
      for (let seq = 0; seq < totalEdits; seq++) {
        const due = start + writer.offset + seq * intervalMs;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        if (seq === warmUpEdits && writer === writers[0]) {
          measureStarted = performance.now();
          sampler = sampleProcessTree(target.server.pid, SAMPLE_INTERVAL_MS);
          cpuBefore = process.cpuUsage();
          delay.enable();
        }
        const key = `${writer.name}:${seq}`;
        const edit = newEdit(writer.receivers, seq >= warmUpEdits);
        edits.set(key, edit);
        // The provider sends the update from the document's update event, inside the transaction.
        writer.client.doc.transact(() => bench.set(key, { seq, sentAtEpochMs: Date.now() }));
        edit.sentAt = performance.now();
      }
    });
    await Promise.all(writing);
    const editsEnded = performance.now();
    const cpu = process.cpuUsage(cpuBefore);
    delay.disable();
    const usage = (await (sampler as { stop(): Promise<TreeUsage> } | null)?.stop()) ?? {
      cpuPercent: Number.NaN,
      peakPssBytes: 0,
      peakProcesses: 0,
      seen: '',
    };
    const seconds = (editsEnded - measureStarted) / 1000;
    const measured = [...edits.values()].filter((e) => e.measured);
    await waitFor(() => measured.every((e) => e.received >= e.expected), DRAIN_MS, 'deliveries').catch(() => {});

    const { expected, delivered, firstSamples: first, allSamples: all } = deliveries(measured);
    return {
      mode: target.mode,
      edits: measured.length,
      expected,
      delivered,
      first: summarize(first),
      all: summarize(all),
      firstSamples: first,
      allSamples: all,
      server: usage,
      generatorCpu: ((cpu.user + cpu.system) / 1000 / (seconds * 1000)) * 100,
      generatorDelayP99: Math.max(0, delay.percentile(99) / 1e6 - DELAY_RESOLUTION_MS),
      generatorDelayMax: Math.max(0, delay.max / 1e6 - DELAY_RESOLUTION_MS),
      reconnects: clients.reduce((sum, c) => sum + c.closes, 0) - reconnectsBefore,
      loadBefore,
      loadAfter: formatLoad(),
    };
  } finally {
    closeClients(clients);
  }
}

/**
 * One server's rounds as one result: latencies pooled over every measured edit, deliveries and reconnects
 * summed, CPU and generator figures averaged (their worst for the loop delay), peak PSS the highest.
 */
function pool(runs: RunResult[]): RunResult {
  if (runs.length === 1) return runs[0];
  const sum = (pick: (r: RunResult) => number) => runs.reduce((total, r) => total + pick(r), 0);
  const mean = (pick: (r: RunResult) => number) => sum(pick) / runs.length;
  const firstSamples = runs.flatMap((r) => r.firstSamples);
  const allSamples = runs.flatMap((r) => r.allSamples);
  return {
    mode: runs[0].mode,
    edits: sum((r) => r.edits),
    expected: sum((r) => r.expected),
    delivered: sum((r) => r.delivered),
    first: summarize(firstSamples),
    all: summarize(allSamples),
    firstSamples,
    allSamples,
    server: {
      cpuPercent: mean((r) => r.server.cpuPercent),
      peakPssBytes: Math.max(...runs.map((r) => r.server.peakPssBytes)),
      peakProcesses: Math.max(...runs.map((r) => r.server.peakProcesses)),
      seen: runs.at(-1)!.server.seen,
    },
    generatorCpu: mean((r) => r.generatorCpu),
    generatorDelayP99: Math.max(...runs.map((r) => r.generatorDelayP99)),
    generatorDelayMax: Math.max(...runs.map((r) => r.generatorDelayMax)),
    reconnects: sum((r) => r.reconnects),
    loadBefore: runs[0].loadBefore,
    loadAfter: runs.at(-1)!.loadAfter,
  };
}

/** A ratio as "0.95×", or "–" when there is none. */
function formatRatio(ratio: number): string {
  return Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : '–';
}

const firstP99 = (r: RunResult): number => r.first.p99;
const serverCpu = (r: RunResult): number => r.server.cpuPercent;
const mebibytes = (bytes: number): number => bytes / 2 ** 20;

/** `pick(run of mode) / pick(run of baseline)` in each round in which both ran. */
function roundRatios(
  rounds: RunResult[][],
  mode: ServerMode,
  baseline: ReferenceMode,
  pick: (r: RunResult) => number,
): number[] {
  const ratios: number[] = [];
  for (const round of rounds) {
    const run = round.find((r) => r.mode === mode);
    const base = round.find((r) => r.mode === baseline);
    const ratio = run && base ? pick(run) / pick(base) : Number.NaN;
    if (Number.isFinite(ratio)) ratios.push(ratio);
  }
  return ratios;
}

/**
 * Per round, each server's first-receiver p99 and CPU, ours with their ratios to the two references'
 * in the same round; then the median of those ratios, by which the goals are judged.
 */
function printRounds(rounds: RunResult[][]): void {
  const present = SERVER_MODES.filter((mode) => rounds.some((round) => round.some((r) => r.mode === mode)));
  const ours = present.filter((mode): mode is OurMode => !isReference(mode));
  const references = present.filter(isReference);
  const columns: Column[] = [{ header: 'round' }, { header: 'order' }];
  for (const mode of ours) {
    columns.push(
      { header: `${mode} first p99 (/ reference, / persisting)`, align: 'right' },
      { header: `${mode} CPU % (/ persisting)`, align: 'right' },
    );
  }
  for (const mode of references) {
    columns.push(
      { header: `${SHORT_LABELS[mode]} first p99`, align: 'right' },
      { header: `${SHORT_LABELS[mode]} CPU %`, align: 'right' },
    );
  }
  const rows = rounds.map((round, i) => {
    const find = (mode: ServerMode) => round.find((r) => r.mode === mode);
    const reference = find('reference');
    const persisting = find('reference-persisting');
    const ratio = (run: RunResult, base: RunResult | undefined, pick: (r: RunResult) => number) =>
      formatRatio(base ? pick(run) / pick(base) : Number.NaN);
    const cells: Cell[] = [i + 1, round.map((r) => r.mode).join(' → ')];
    for (const mode of ours) {
      const run = find(mode);
      if (!run) {
        cells.push('–', '–');
        continue;
      }
      cells.push(
        `${formatMs(run.first.p99)} (${ratio(run, reference, firstP99)}, ${ratio(run, persisting, firstP99)})`,
        `${run.server.cpuPercent.toFixed(0)} (${ratio(run, persisting, serverCpu)})`,
      );
    }
    for (const mode of references) {
      const run = find(mode);
      cells.push(run ? formatMs(run.first.p99) : '–', run ? run.server.cpuPercent.toFixed(0) : '–');
    }
    return cells;
  });
  console.log(formatTable(columns, rows));
  console.log();
  for (const mode of ours) {
    const parts: string[] = [];
    const p99VsReference = roundRatios(rounds, mode, 'reference', firstP99);
    const p99VsPersisting = roundRatios(rounds, mode, 'reference-persisting', firstP99);
    const cpuVsPersisting = roundRatios(rounds, mode, 'reference-persisting', serverCpu);
    if (p99VsReference.length) parts.push(`first p99 ${formatRatio(median(p99VsReference))} the reference's`);
    if (p99VsPersisting.length) {
      parts.push(`first p99 ${formatRatio(median(p99VsPersisting))} the persisting reference's`);
    }
    if (cpuVsPersisting.length) parts.push(`CPU ${formatRatio(median(cpuVsPersisting))} the persisting reference's`);
    if (parts.length > 0) console.log(`Median of the rounds' ratios, ${mode}: ${parts.join('; ')}.`);
  }
  console.log();
  // A reference does the same work in every round: when its own p99 swings, the machine did, and a
  // pooled p99 then says more about when the stalls fell than about the servers.
  for (const mode of references) {
    const p99 = rounds.flatMap((round) => round.filter((r) => r.mode === mode).map(firstP99));
    if (p99.length < 2) continue;
    const low = Math.min(...p99);
    const high = Math.max(...p99);
    if (high > REFERENCE_SPREAD_LIMIT * low) {
      console.log(
        `**warning:** the ${SHORT_LABELS[mode]}'s first p99 ranged from ${formatMs(low)} to ${formatMs(high)} ms ` +
          `between rounds (more than ${REFERENCE_SPREAD_LIMIT}×): the machine was not quiet, and the pooled ` +
          `figures are not reliable; compare the rounds in which the references ran clean.\n`,
      );
    }
  }
}

/**
 * The goals for scenario C, judged for each of our servers that ran (they are set for embedded mode; real
 * PostgreSQL is shown for comparison). Ratios are the median of the rounds' ratios (with one round, its
 * ratio); lost deliveries are summed over the rounds, PSS is the highest peak of any round.
 */
function printGoals(rounds: RunResult[][], results: RunResult[]): void {
  const ours = results.filter((r) => !isReference(r.mode));
  if (ours.length === 0) return;
  const verdict = (pass: boolean) => (pass ? 'PASS' : 'FAIL');
  const ratioGoal = (
    r: RunResult,
    baseline: ReferenceMode,
    pick: (run: RunResult) => number,
    limit: number,
  ): { cell: string; pass: boolean | null } => {
    const ratios = roundRatios(rounds, r.mode, baseline, pick);
    if (ratios.length === 0) return { cell: `– (no ${SHORT_LABELS[baseline]} run)`, pass: null };
    const ratio = median(ratios);
    return { cell: `${formatRatio(ratio)} ${verdict(ratio <= limit)}`, pass: ratio <= limit };
  };
  const goals: { goal: string; target: string; judge(r: RunResult): { cell: string; pass: boolean | null } }[] = [
    {
      goal: 'first-receiver p99 / persisting reference',
      target: `≤ ${GOAL_P99_VS_PERSISTING.toFixed(1)}×`,
      judge: (r) => ratioGoal(r, 'reference-persisting', firstP99, GOAL_P99_VS_PERSISTING),
    },
    {
      goal: 'first-receiver p99 / reference (no persistence)',
      target: `≤ ${GOAL_P99_VS_REFERENCE.toFixed(1)}×`,
      judge: (r) => ratioGoal(r, 'reference', firstP99, GOAL_P99_VS_REFERENCE),
    },
    {
      goal: 'server CPU (tree) / persisting reference',
      target: `≤ ${GOAL_CPU_VS_PERSISTING.toFixed(1)}×`,
      judge: (r) => ratioGoal(r, 'reference-persisting', serverCpu, GOAL_CPU_VS_PERSISTING),
    },
    {
      goal: 'lost deliveries',
      target: '0',
      judge: (r) => {
        const lost = r.expected - r.delivered;
        return { cell: `${formatCount(lost)} ${verdict(lost === 0)}`, pass: lost === 0 };
      },
    },
    {
      goal: 'server PSS MB (tree, peak)',
      target: `≤ ${GOAL_PSS_MB}`,
      judge: (r) => {
        if (r.server.peakPssBytes <= 0) return { cell: '– (not measured)', pass: null };
        const mb = mebibytes(r.server.peakPssBytes);
        return { cell: `${mb.toFixed(0)} ${verdict(mb <= GOAL_PSS_MB)}`, pass: mb <= GOAL_PSS_MB };
      },
    },
  ];
  const judged = goals.map((g) => ours.map((r) => g.judge(r)));
  console.log(
    `Goals of the issue, ${SCENARIOS[GOAL_SCENARIO].label}, for ${MODE_LABELS[GOAL_MODE]}` +
      `${ours.some((r) => r.mode !== GOAL_MODE) ? ' (others for comparison)' : ''}; ratios are the median of the ` +
      `rounds' ratios${rounds.length > 1 ? ` over ${rounds.length} rounds` : ''}:\n`,
  );
  console.log(
    formatTable(
      [{ header: 'goal' }, { header: 'target' }, ...ours.map((r) => ({ header: MODE_LABELS[r.mode] }))],
      goals.map((g, i) => [g.goal, g.target, ...judged[i].map((j) => j.cell)]),
    ),
  );
  console.log();
  const index = ours.findIndex((r) => r.mode === GOAL_MODE);
  if (index >= 0) {
    const failed = goals.filter((_, i) => judged[i][index].pass === false).map((g) => g.goal);
    const unjudged = goals.filter((_, i) => judged[i][index].pass === null).map((g) => g.goal);
    console.log(
      `**${MODE_LABELS[GOAL_MODE]}: ${
        failed.length > 0
          ? `FAIL** (${failed.join('; ')})`
          : unjudged.length > 0
            ? `incomplete** (not judged: ${unjudged.join('; ')})`
            : 'every goal met**'
      }. The idle footprint goal is judged by \`npm run bench -- footprint\`.\n`,
    );
  }
}

function printScenario(scenario: Scenario, rounds: RunResult[][], skipped: string[], durationSeconds: number): void {
  const results = SERVER_MODES.flatMap((mode) => {
    const runs = rounds.flatMap((round) => round.filter((r) => r.mode === mode));
    return runs.length > 0 ? [pool(runs)] : [];
  });
  const deliveriesPerSecond =
    scenario.boards * scenario.writersPerBoard * EDITS_PER_SECOND * (scenario.clientsPerBoard - 1);
  console.log(`### sync — ${scenario.label}\n`);
  console.log(
    `${scenario.cards} cards per board; ${EDITS_PER_SECOND} edits/s per writer for ${durationSeconds} s measured ` +
      `(after ${WARM_UP_SECONDS} s warm-up)${rounds.length > 1 ? ` per run, ${rounds.length} rounds pooled` : ''}; ` +
      `${formatCount(deliveriesPerSecond)} deliveries/s expected.\n`,
  );
  for (const line of skipped) console.log(`${line}\n`);
  const baselines = {
    reference: results.find((r) => r.mode === 'reference'),
    'reference-persisting': results.find((r) => r.mode === 'reference-persisting'),
  } satisfies Record<ReferenceMode, RunResult | undefined>;
  const versus = (r: RunResult, baseline: ReferenceMode) => {
    if (r.mode === baseline) return 'baseline';
    const base = baselines[baseline];
    return base ? formatRatio(r.first.p99 / base.first.p99) : '–';
  };
  console.log(
    formatTable(
      [
        { header: 'server' },
        { header: 'edits', align: 'right' },
        { header: 'delivered / expected', align: 'right' },
        { header: 'first p50', align: 'right' },
        { header: 'first p95', align: 'right' },
        { header: 'first p99', align: 'right' },
        { header: 'all p50', align: 'right' },
        { header: 'all p95', align: 'right' },
        { header: 'all p99', align: 'right' },
        { header: 'server CPU % (tree)', align: 'right' },
        { header: 'PSS MB (tree)', align: 'right' },
        { header: 'processes', align: 'right' },
        { header: 'first p99 / reference', align: 'right' },
        { header: 'first p99 / persisting reference', align: 'right' },
      ],
      results.map((r) => [
        MODE_LABELS[r.mode],
        formatCount(r.edits),
        `${formatCount(r.delivered)} / ${formatCount(r.expected)}`,
        formatMs(r.first.p50),
        formatMs(r.first.p95),
        formatMs(r.first.p99),
        formatMs(r.all.p50),
        formatMs(r.all.p95),
        formatMs(r.all.p99),
        r.server.cpuPercent.toFixed(0),
        r.server.peakPssBytes > 0 ? mebibytes(r.server.peakPssBytes).toFixed(0) : '–',
        r.server.peakProcesses,
        versus(r, 'reference'),
        versus(r, 'reference-persisting'),
      ]),
    ),
  );
  console.log();
  console.log(
    formatTable(
      [
        { header: 'server' },
        { header: 'generator CPU %', align: 'right' },
        { header: 'generator loop delay p99 ms', align: 'right' },
        { header: 'max ms', align: 'right' },
        { header: 'reconnects', align: 'right' },
        { header: 'load before' },
        { header: 'load after' },
      ],
      results.map((r) => [
        MODE_LABELS[r.mode],
        r.generatorCpu.toFixed(0),
        formatMs(r.generatorDelayP99),
        formatMs(r.generatorDelayMax),
        r.reconnects,
        r.loadBefore,
        r.loadAfter,
      ]),
    ),
  );
  console.log();
  for (const r of results) {
    if (r.generatorDelayP99 > GENERATOR_DELAY_LIMIT_MS || r.generatorCpu > GENERATOR_CPU_LIMIT) {
      console.log(
        `**warning (${r.mode}):** the load generator may be the bottleneck (event-loop delay p99 ` +
          `${formatMs(r.generatorDelayP99)} ms, CPU ${r.generatorCpu.toFixed(0)}% of one core; limits ` +
          `${GENERATOR_DELAY_LIMIT_MS} ms, ${GENERATOR_CPU_LIMIT}%): its latencies include its own queueing.\n`,
      );
    }
  }
  console.log(
    'Latencies in ms, per measured edit: first = earliest receiver, all = last receiver (edits fully delivered). ' +
      "Server CPU (percent of one core) and PSS (peak of the samples) are summed over the server's process tree: " +
      'the Node process and, in embedded mode, the PostgreSQL processes it started; processes = the most in a ' +
      'sample. The ratios are of the pooled first-receiver p99s.\n',
  );
  if (rounds.length > 1) printRounds(rounds);
  if (scenario === SCENARIOS[GOAL_SCENARIO]) printGoals(rounds, results);
}

async function startTarget(mode: ServerMode, boards: number): Promise<Target | string> {
  return isReference(mode) ? startReference(mode, boards) : startPaperboard(mode, boards);
}

/** `npm run bench -- sync`: edit fan-out latency of our sync server against the reference y-websocket server. */
export async function run(args: string[]): Promise<void> {
  // Across server nodes (issue #21): a benchmark of its own, with its own options.
  if (args.includes('--nodes')) return (await import('./sync-nodes.js')).run(args);
  const options = parseOptions(args);
  // Every y-websocket provider adds a process 'exit' listener; hundreds of clients are expected here.
  process.setMaxListeners(Math.max(process.getMaxListeners(), 1000));
  // A stale client build would be built by the server at start, and its memory counted as the server's.
  if (options.modes.some((mode) => !isReference(mode))) await ensurePaperboardBuild(progress);
  const engines: string[] = [];
  if (options.modes.includes('embedded')) engines.push(`embedded: ${await embeddedPostgresVersion()}`);
  if (options.modes.some(isReference)) {
    engines.push(
      `reference: @y/websocket-server ${packageVersion('@y/websocket-server')}` +
        `${options.modes.includes('reference-persisting') ? `, y-leveldb ${packageVersion('y-leveldb')}` : ''}`,
    );
  }
  if (engines.length > 0) console.log(`sync servers — ${engines.join('; ')}\n`);
  for (const name of options.scenarios) {
    const scenario = SCENARIOS[name];
    process.stderr.write(`sync benchmark, ${scenario.label}:\n`);
    const rounds: RunResult[][] = [];
    const skipped = new Set<string>();
    for (let round = 0; round < options.rounds; round++) {
      // Rotated, so that no server always runs first (after a quiet spell) or last.
      const order = options.modes.map((_, i) => options.modes[(i + round) % options.modes.length]);
      const results: RunResult[] = [];
      for (const mode of order) {
        progress(
          `${options.rounds > 1 ? `round ${round + 1}/${options.rounds}, ` : ''}${MODE_LABELS[mode]}: starting (load ${formatLoad()})`,
        );
        const target = await startTarget(mode, scenario.boards);
        if (typeof target === 'string') {
          skipped.add(`${MODE_LABELS[mode]}: ${target}`);
          continue;
        }
        try {
          const result = await runOnce(target, scenario, options.durationSeconds);
          progress(
            `${mode}: first p99 ${formatMs(result.first.p99)} ms, delivered ${result.delivered}/${result.expected}, ` +
              `server CPU ${result.server.cpuPercent.toFixed(0)}%, PSS ${mebibytes(result.server.peakPssBytes).toFixed(0)} MB ` +
              `(processes: ${result.server.seen || 'none seen'})`,
          );
          results.push(result);
        } finally {
          await target.cleanup();
        }
      }
      rounds.push(results);
    }
    printScenario(scenario, rounds, [...skipped], options.durationSeconds);
  }
}
