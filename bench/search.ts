import type { Database } from '#server/db/connect.js';
import type { Sql } from '#server/db/sql.js';
import { countPapers } from '#server/features/papers/papers.repository.js';
import { searchPapers, type SearchCursor } from '#server/features/papers/papers-search.repository.js';
import { importPapers, type ImportOptions } from '#server/features/papers/papers.service.js';
import type { PaperSort } from '#shared/schemas/papers.js';
import { modesOption, stringOptions, wholeNumberOption } from './lib/benchmark.js';
import { loadFixturePapers, syntheticAuthors, syntheticPapers, take, toTrendingText } from './lib/corpus.js';
import {
  DEFAULT_POSTGRES_URL,
  MODES,
  openFreshEmbedded,
  openFreshPostgres,
  postgresServerUrl,
  redactUrl,
  identifyPapers,
  sampleIdentifiers,
  vacuumAnalyze,
  type Mode,
} from './lib/databases.js';
import { embeddedPostgresPackage, formatLoad, packageVersion, postgresVersion } from './lib/machine.js';
import { perSecond, summarize, summarizeGroups, timed, type LatencySummary } from './lib/stats.js';
import { formatCount, formatMs, formatTable, type Cell, type Column } from './lib/table.js';

/** The targets: search p95 at 100,000 papers on real PostgreSQL, and import throughput. */
const TARGET_P95_MS = 50;
const TARGET_IMPORT_PER_SECOND = 2000;
const TARGET_SIZE = 100_000;

const CHUNK_SIZE = 10_000;
const PAGE_SIZE = 20;
const WARM_UP_RUNS = 2;
/** Time for the timed runs of one query; slow queries get fewer runs, but at least MIN_RUNS. */
const QUERY_BUDGET_MS = 3000;
const MIN_RUNS = 3;
/** A warm-up run slower than this is warm-up enough. */
const SLOW_QUERY_MS = 500;
const CORPUS_SEED = 1;

// The trending format fetches nothing; unreachable URLs make sure of that.
const IMPORT_SETTINGS: ImportOptions['settings'] = {
  arxivApiUrl: 'http://127.0.0.1:9',
  arxivMinIntervalMs: 0,
  crossrefApiUrl: 'http://127.0.0.1:9',
};

const USAGE = `search options:
  --size N                        papers in the library (default ${formatCount(TARGET_SIZE)})
  --mode embedded|postgres|both   (default both)
  --runs N                        timed runs per query after the warm-up (default 20); a query stops
                                  early, after at least ${MIN_RUNS} runs, once its runs took ${QUERY_BUDGET_MS / 1000} s
  --repeat N                      rounds of every query over the same library (default 1); the tables
                                  pool the rounds' runs, the verdict is on the median of their p95s
  Real PostgreSQL is BENCH_DATABASE_URL (default ${DEFAULT_POSTGRES_URL}).`;

type QueryClass =
  | 'single word'
  | 'phrase'
  | 'negation / or'
  | 'multi-word'
  | 'rare term'
  | 'unicode / symbols'
  | 'no hit'
  | 'sort=recent'
  | 'second page'
  | 'author'
  | 'identifier'
  | 'typo';

/** Identifiers of one paper in the library, for the identifier queries. */
interface SampleIds {
  arxivId: string;
  doi: string;
}

interface BenchQuery {
  queryClass: QueryClass;
  /** The query, or how to write it for a paper of the library. */
  q: string | null | ((ids: SampleIds) => string);
  sort: PaperSort;
  /** Time the page after the first one, following the cursor of the first. */
  secondPage?: boolean;
}

/** A fixed set of queries a user of an ML paper library would type; words are from the fixture. */
const QUERIES: BenchQuery[] = [
  { queryClass: 'single word', q: 'diffusion', sort: 'relevance' },
  { queryClass: 'single word', q: 'retrieval', sort: 'relevance' },
  { queryClass: 'single word', q: 'transformer', sort: 'relevance' },
  { queryClass: 'single word', q: 'graph', sort: 'relevance' },
  { queryClass: 'single word', q: 'segmentation', sort: 'relevance' },
  { queryClass: 'phrase', q: '"mixture of experts"', sort: 'relevance' },
  { queryClass: 'phrase', q: '"large language models"', sort: 'relevance' },
  { queryClass: 'phrase', q: '"gaussian splatting"', sort: 'relevance' },
  { queryClass: 'negation / or', q: 'transformer -vision', sort: 'relevance' },
  { queryClass: 'negation / or', q: 'diffusion -image', sort: 'relevance' },
  { queryClass: 'negation / or', q: 'segmentation or detection', sort: 'relevance' },
  { queryClass: 'multi-word', q: 'scaling laws language models', sort: 'relevance' },
  { queryClass: 'multi-word', q: 'contrastive learning video text retrieval', sort: 'relevance' },
  { queryClass: 'multi-word', q: 'retrieval augmented generation', sort: 'relevance' },
  { queryClass: 'multi-word', q: 'reinforcement learning from human feedback', sort: 'relevance' },
  { queryClass: 'rare term', q: 'pharmacovigilance', sort: 'relevance' },
  { queryClass: 'rare term', q: 'kompetencer', sort: 'relevance' },
  { queryClass: 'rare term', q: 'thermodynamics', sort: 'relevance' },
  { queryClass: 'unicode / symbols', q: 'SΩI', sort: 'relevance' },
  { queryClass: 'unicode / symbols', q: 'L^2M', sort: 'relevance' },
  { queryClass: 'no hit', q: 'zebrafish locomotion', sort: 'relevance' },
  { queryClass: 'no hit', q: 'quasicrystal', sort: 'relevance' },
  { queryClass: 'sort=recent', q: null, sort: 'recent' },
  { queryClass: 'sort=recent', q: 'diffusion', sort: 'recent' },
  { queryClass: 'second page', q: 'language models', sort: 'relevance', secondPage: true },
  { queryClass: 'second page', q: 'diffusion', sort: 'relevance', secondPage: true },
  { queryClass: 'second page', q: null, sort: 'recent', secondPage: true },
  { queryClass: 'author', q: 'Vaswani', sort: 'relevance' },
  { queryClass: 'author', q: 'Ashish Vaswani', sort: 'relevance' },
  { queryClass: 'author', q: 'Wang', sort: 'relevance' },
  { queryClass: 'author', q: 'Tanaka', sort: 'relevance' },
  { queryClass: 'identifier', q: (ids) => ids.arxivId, sort: 'relevance' },
  { queryClass: 'identifier', q: (ids) => `arxiv.org/abs/${ids.arxivId}v3`, sort: 'relevance' },
  { queryClass: 'identifier', q: (ids) => `https://arxiv.org/pdf/${ids.arxivId}`, sort: 'relevance' },
  { queryClass: 'identifier', q: (ids) => ids.doi, sort: 'relevance' },
  { queryClass: 'identifier', q: (ids) => `https://doi.org/${ids.doi}`, sort: 'relevance' },
  { queryClass: 'identifier', q: '1706.03762', sort: 'relevance' },
  { queryClass: 'typo', q: 'transformr', sort: 'relevance' },
  { queryClass: 'typo', q: 'difusion modles', sort: 'relevance' },
  { queryClass: 'typo', q: 'amodal segmentaton', sort: 'relevance' },
  { queryClass: 'typo', q: 'paraphrase generaton', sort: 'relevance' },
];

interface Options {
  size: number;
  modes: Mode[];
  runs: number;
  repeat: number;
}

function parseOptions(args: string[]): Options {
  const values = stringOptions(args, ['size', 'mode', 'runs', 'repeat'] as const, USAGE);
  return {
    size: wholeNumberOption('size', values.size, TARGET_SIZE, 1, USAGE),
    modes: modesOption(values.mode, MODES, USAGE),
    runs: wholeNumberOption('runs', values.runs, 20, 1, USAGE),
    repeat: wholeNumberOption('repeat', values.repeat, 1, 1, USAGE),
  };
}

function progress(message: string): void {
  process.stderr.write(`  ${message}\n`);
}

interface ImportStep {
  step: string;
  papers: number;
  created: number;
  duplicates: number;
  ms: number;
  /** Checked against the import target. */
  target: boolean;
}

/** Imports the chunks into the empty library, then the first chunk again (all duplicates). */
async function measureImport(sql: Sql, chunks: string[], size: number): Promise<ImportStep[]> {
  const perChunk: ImportStep[] = [];
  let stored = 0;
  for (const [i, text] of chunks.entries()) {
    const papers = Math.min(CHUNK_SIZE, size - i * CHUNK_SIZE);
    const { result, ms } = await timed(() =>
      importPapers(sql, text, { format: 'trending', settings: IMPORT_SETTINGS }),
    );
    if (result.created.length !== papers || result.errors.length > 0) {
      throw new Error(
        `chunk ${i + 1}: expected ${papers} new papers, got ${result.created.length} created, ` +
          `${result.duplicates.length} duplicates, ${result.errors.length} errors`,
      );
    }
    perChunk.push({
      step: `chunk ${i + 1} (${formatCount(stored)} stored before)`,
      papers,
      created: result.created.length,
      duplicates: 0,
      ms,
      target: false,
    });
    stored += papers;
    progress(`imported ${formatCount(stored)}/${formatCount(size)} (${formatCount(perSecond(papers, ms))} papers/s)`);
  }
  const stepsShown = perChunk.length > 2 ? [perChunk[0], perChunk.at(-1)!] : perChunk;
  const total: ImportStep = {
    step: `fresh import, ${perChunk.length} × ${formatCount(Math.min(CHUNK_SIZE, size))}`,
    papers: size,
    created: perChunk.reduce((sum, s) => sum + s.created, 0),
    duplicates: 0,
    ms: perChunk.reduce((sum, s) => sum + s.ms, 0),
    target: true,
  };

  const again = await timed(() => importPapers(sql, chunks[0], { format: 'trending', settings: IMPORT_SETTINGS }));
  const firstChunk = perChunk[0].papers;
  if (again.result.created.length !== 0 || again.result.duplicates.length !== firstChunk) {
    throw new Error(`re-import: expected ${firstChunk} duplicates, got ${again.result.created.length} created`);
  }
  const reimport: ImportStep = {
    step: 're-import of chunk 1 (all duplicates)',
    papers: firstChunk,
    created: 0,
    duplicates: again.result.duplicates.length,
    ms: again.ms,
    target: false,
  };
  return [total, ...stepsShown, reimport];
}

interface QueryResult {
  query: BenchQuery;
  /** The query as sent. */
  q: string | null;
  hits: number;
  more: boolean;
  samples: number[];
}

function queryText(query: BenchQuery, ids: SampleIds): string | null {
  return typeof query.q === 'function' ? query.q(ids) : query.q;
}

function queryLabel(query: BenchQuery, q: string | null): string {
  q ??= '(no query)';
  return `${q}${query.sort === 'recent' ? ' · recent' : ''}${query.secondPage ? ' · page 2' : ''}`;
}

/** Runs every query `runs` times after the warm-ups, through searchPapers as the API does. */
async function measureSearch(sql: Sql, runs: number, ids: SampleIds): Promise<QueryResult[]> {
  const results: QueryResult[] = [];
  for (const query of QUERIES) {
    const q = queryText(query, ids);
    let after: SearchCursor | null = null;
    if (query.secondPage) {
      const first = await searchPapers(sql, { q, tag: null, sort: query.sort, limit: PAGE_SIZE, after: null });
      if (!first.more || !first.last) throw new Error(`"${queryLabel(query, q)}" has no second page`);
      after = first.last;
    }
    const search = () => searchPapers(sql, { q, tag: null, sort: query.sort, limit: PAGE_SIZE, after });
    for (let i = 0; i < WARM_UP_RUNS; i++) {
      if ((await timed(search)).ms > SLOW_QUERY_MS) break;
    }
    const started = performance.now();
    const first = await timed(search);
    const samples = [first.ms];
    let page = first.result;
    // A query slower than the budget allows stops after MIN_RUNS: the whole benchmark must stay short.
    while (samples.length < runs && (samples.length < MIN_RUNS || performance.now() - started < QUERY_BUDGET_MS)) {
      const run = await timed(search);
      samples.push(run.ms);
      page = run.result;
    }
    results.push({ query, q, hits: page.hits.length, more: page.more, samples });
  }
  return results;
}

function verdict(p95: number, mode: Mode, size: number): string {
  const pass = p95 <= TARGET_P95_MS ? 'PASS' : 'FAIL';
  return size < TARGET_SIZE ? `${pass} (at ${formatCount(size)} papers; target is at 100,000)` : pass;
}

function importVerdict(perSec: number, size: number): string {
  const pass = perSec >= TARGET_IMPORT_PER_SECOND ? 'PASS' : 'FAIL';
  return size < TARGET_SIZE ? `${pass} (at ${formatCount(size)} papers)` : pass;
}

const LATENCY_COLUMNS: Column[] = [
  { header: 'p50 ms', align: 'right' },
  { header: 'p95 ms', align: 'right' },
  { header: 'p99 ms', align: 'right' },
  { header: 'max ms', align: 'right' },
];

function latencyCells(s: LatencySummary): Cell[] {
  return [formatMs(s.p50), formatMs(s.p95), formatMs(s.p99), formatMs(s.max)];
}

function printImport(steps: ImportStep[], size: number): void {
  const rows = steps.map((s) => {
    const rate = perSecond(s.papers, s.ms);
    return [
      s.step,
      formatCount(s.papers),
      formatCount(s.created),
      formatCount(s.duplicates),
      (s.ms / 1000).toFixed(1),
      formatCount(rate),
      s.target ? importVerdict(rate, size) : '',
    ];
  });
  console.log(
    formatTable(
      [
        { header: 'import (importPapers, trending format)' },
        { header: 'papers', align: 'right' },
        { header: 'created', align: 'right' },
        { header: 'duplicates', align: 'right' },
        { header: 'seconds', align: 'right' },
        { header: 'papers/s', align: 'right' },
        { header: `target ≥ ${formatCount(TARGET_IMPORT_PER_SECOND)}/s` },
      ],
      rows,
    ),
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Prints the rounds' runs pooled per query and per class; the verdict is on the median round's p95. */
function printSearch(rounds: QueryResult[][], mode: Mode, size: number): LatencySummary {
  const results = rounds[0].map((r, i) => ({ ...r, samples: rounds.flatMap((round) => round[i].samples) }));
  const roundP95s = rounds.map((round) => summarizeGroups(round.map((r) => r.samples)).p95);
  const medianP95 = median(roundP95s);
  console.log(
    formatTable(
      [
        { header: 'class' },
        { header: 'query' },
        { header: 'hits', align: 'right' },
        { header: 'runs', align: 'right' },
        ...LATENCY_COLUMNS,
      ],
      results.map((r) => [
        r.query.queryClass,
        queryLabel(r.query, r.q),
        `${r.hits}${r.more ? '+' : ''}`,
        r.samples.length,
        ...latencyCells(summarize(r.samples)),
      ]),
    ),
  );
  console.log();
  const classes = [...new Set(results.map((r) => r.query.queryClass))];
  const rows = classes.map((c) => {
    const inClass = results.filter((r) => r.query.queryClass === c);
    const summary = summarizeGroups(inClass.map((r) => r.samples));
    return [c, inClass.length, formatCount(summary.count), ...latencyCells(summary), ''];
  });
  const overall = summarizeGroups(results.map((r) => r.samples));
  rows.push([
    '**overall**',
    results.length,
    formatCount(overall.count),
    ...latencyCells(overall),
    verdict(medianP95, mode, size),
  ]);
  console.log(
    formatTable(
      [
        { header: 'search class' },
        { header: 'queries', align: 'right' },
        { header: 'runs', align: 'right' },
        ...LATENCY_COLUMNS,
        { header: `target p95 ≤ ${TARGET_P95_MS} ms` },
      ],
      rows,
    ),
  );
  if (rounds.length > 1) {
    console.log(
      `\nOverall p95 of the ${rounds.length} rounds: ${roundP95s.map(formatMs).join(', ')} ms; median ${formatMs(medianP95)} ms.`,
    );
  }
  return { ...overall, p95: medianP95 };
}

interface ModeSummary {
  mode: Mode;
  engine: string;
  importPerSecond: number;
  search: LatencySummary;
}

/** Opens a fresh database for the mode, or says why the mode is skipped. */
async function openMode(mode: Mode): Promise<{ db: Database; engine: string } | null> {
  if (mode === 'embedded') {
    const db = await openFreshEmbedded();
    const binaries = embeddedPostgresPackage();
    return {
      db,
      engine: `PostgreSQL ${await postgresVersion(db.sql)}, ${binaries} ${packageVersion(binaries)}`,
    };
  }
  const url = postgresServerUrl();
  const opened = await openFreshPostgres(url);
  if ('unreachable' in opened) {
    console.log(
      `### search — real PostgreSQL\n\nskipped: no PostgreSQL at ${redactUrl(url)} (${opened.unreachable})\n`,
    );
    return null;
  }
  return { db: opened, engine: `PostgreSQL ${await postgresVersion(opened.sql)} at ${redactUrl(url)}` };
}

async function runMode(mode: Mode, chunks: string[], options: Options): Promise<ModeSummary | null> {
  process.stderr.write(`search benchmark, ${mode}:\n`);
  const opened = await openMode(mode);
  if (!opened) return null;
  const { db, engine } = opened;
  const loadBefore = formatLoad();
  try {
    const steps = await measureImport(db.sql, chunks, options.size);
    const stored = await countPapers(db.sql);
    if (stored !== options.size) throw new Error(`expected ${options.size} papers in the library, found ${stored}`);
    const authors = Array.from({ length: options.size }, (_, n) => syntheticAuthors(n, CORPUS_SEED));
    await identifyPapers(db.sql, authors);
    const ids = await sampleIdentifiers(db.sql);
    const vacuum = await timed(() => vacuumAnalyze(db.sql, 'papers'));
    progress(`vacuum (analyze) took ${(vacuum.ms / 1000).toFixed(1)} s; searching`);
    const rounds: QueryResult[][] = [];
    for (let round = 1; round <= options.repeat; round++) {
      progress(`search round ${round}/${options.repeat} (load ${formatLoad()})`);
      rounds.push(await measureSearch(db.sql, options.runs, ids));
    }

    console.log(`### search — ${mode === 'embedded' ? 'embedded' : 'real PostgreSQL'} (${engine})\n`);
    console.log(
      `${formatCount(options.size)} papers; \`vacuum (analyze)\` after the import took ` +
        `${(vacuum.ms / 1000).toFixed(1)} s; load average ${loadBefore} before, ${formatLoad()} after.\n`,
    );
    printImport(steps, options.size);
    console.log();
    const search = printSearch(rounds, mode, options.size);
    console.log();
    return { mode, engine, importPerSecond: perSecond(steps[0].papers, steps[0].ms), search };
  } finally {
    await db.close();
  }
}

/** `npm run bench -- search`: import throughput and search latency on a synthetic library. */
export async function run(args: string[]): Promise<void> {
  const options = parseOptions(args);
  const source = await loadFixturePapers();
  const papers = syntheticPapers(source, CORPUS_SEED);
  const chunks: string[] = [];
  for (let done = 0; done < options.size; done += CHUNK_SIZE) {
    chunks.push(toTrendingText(take(papers, Math.min(CHUNK_SIZE, options.size - done))));
  }
  process.stderr.write(
    `search benchmark: ${formatCount(options.size)} synthetic papers from ${source.titles.length} real ones\n`,
  );

  const summaries: ModeSummary[] = [];
  for (const mode of options.modes) {
    const summary = await runMode(mode, chunks, options);
    if (summary) summaries.push(summary);
  }
  if (summaries.length > 1) {
    console.log(
      formatTable(
        [
          { header: 'mode' },
          { header: 'import papers/s', align: 'right' },
          { header: 'search p50 ms', align: 'right' },
          { header: 'search p95 ms', align: 'right' },
          { header: 'import' },
          { header: 'search' },
        ],
        summaries.map((s) => [
          s.mode,
          formatCount(s.importPerSecond),
          formatMs(s.search.p50),
          formatMs(s.search.p95),
          importVerdict(s.importPerSecond, options.size),
          verdict(s.search.p95, s.mode, options.size),
        ]),
      ),
    );
    console.log();
  }
}
