import type { Benchmark } from './lib/benchmark.js';
import { UsageError } from './lib/benchmark.js';
import { formatMachine, machineInfo } from './lib/machine.js';

/** The benchmarks by name; each module is loaded only when it runs. */
const BENCHMARKS: Record<string, { summary: string; load: () => Promise<Benchmark> }> = {
  sync: {
    summary:
      'edit fan-out latency of the sync server against the reference y-websocket server, with and without persistence',
    load: () => import('./sync.js'),
  },
  bus: {
    summary:
      'the ceiling of the buses between nodes (PostgreSQL NOTIFY, Redis pub/sub): messages/s before latency climbs',
    load: () => import('./bus.js'),
  },
  client: {
    summary: 'the board screen in Chromium: gzipped JS and time until a 500-card board is interactive',
    load: () => import('./client.js'),
  },
  footprint: {
    summary: 'memory of the idle server after start (demo library loaded): PSS of its whole process tree',
    load: () => import('./footprint.js'),
  },
  recommend: {
    summary: '"more like this": precision@10 on topic boards of the demo library, latency at 100,000 papers',
    load: () => import('./recommend.js'),
  },
  search: {
    summary: 'import throughput and search latency on a 100,000-paper library, embedded and real PostgreSQL',
    load: () => import('./search.js'),
  },
};

const USAGE = `usage: npm run bench -- [name...] [options]
Runs the named benchmarks, or all of them; the options go to each one.

${Object.entries(BENCHMARKS)
  .map(([name, b]) => `  ${name.padEnd(10)} ${b.summary}`)
  .join('\n')}`;

async function main(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return;
  }
  const firstOption = argv.findIndex((a) => a.startsWith('-'));
  const names = firstOption < 0 ? argv : argv.slice(0, firstOption);
  const options = firstOption < 0 ? [] : argv.slice(firstOption);
  const unknown = names.filter((n) => !Object.hasOwn(BENCHMARKS, n));
  if (unknown.length > 0) {
    console.error(`unknown benchmark${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  console.log(`machine: ${formatMachine(machineInfo())}\n`);
  for (const name of names.length > 0 ? names : Object.keys(BENCHMARKS)) {
    const benchmark = await BENCHMARKS[name].load();
    await benchmark.run(options);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) {
    console.error(`${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  console.error(error);
  process.exitCode = 1;
});
