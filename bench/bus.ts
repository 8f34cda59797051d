import crypto from 'node:crypto';
import postgres from 'postgres';
import { PostgresBus, type Bus, type BusMessage } from '#server/sync/bus.js';
import { RedisBus } from '#server/sync/redis-bus.js';
import { redisServerBinary, startRedis, type TestRedis } from '#test/helpers/redis.js';
import { UsageError, stringOptions, wholeNumberOption } from './lib/benchmark.js';
import { createFreshPostgresDatabase, postgresServerUrl, redactUrl } from './lib/databases.js';
import { formatLoad } from './lib/machine.js';
import { summarize } from './lib/stats.js';
import { sleep } from './lib/sync-clients.js';
import { formatCount, formatMs, formatTable } from './lib/table.js';

/**
 * `npm run bench -- bus`: the ceiling of each bus between nodes (issue #21, docs/scaling.md). One node's
 * bus publishes `update` messages of one typical edit each (a node batches an event-loop turn's updates
 * into one message: this is the worst case, one edit per turn) at a rising rate; another node's bus receives
 * them. Per rate: the rate achieved, latency from publish to delivery, and messages lost. The ceiling is the
 * highest rate achieved in full with p99 ≤ 10 ms and nothing lost (what the sync goal leaves a bus).
 */

const CEILING_P99_MS = 10;
/** An edit's update as base64: a card move or a comment is 100–400 bytes. */
const UPDATE_BYTES = 300;
const TICK_MS = 5;
const DRAIN_MS = 3000;

const BUSES = ['postgres', 'redis'] as const;
type BusName = (typeof BUSES)[number];

const USAGE = `npm run bench -- bus [options]
  --bus postgres|redis|all  (default all)
  --rates R1,R2,…           messages per second to try, in order (default 500,1000,2000,4000,8000,16000,32000,64000)
  --duration S              seconds per rate (default 5)
  Real PostgreSQL is BENCH_DATABASE_URL (default ${postgresServerUrl({})}); Redis is BENCH_REDIS_URL or a
  redis-server started here.`;

interface Step {
  bus: BusName;
  target: number;
  achieved: number;
  sent: number;
  received: number;
  p50: number;
  p99: number;
  max: number;
}

async function measure(bus: BusName, publisher: Bus, subscriber: Bus, rate: number, seconds: number): Promise<Step> {
  const sentAt = new Map<number, number>();
  const latencies: number[] = [];
  const update = crypto.randomBytes((UPDATE_BYTES * 3) / 4).toString('base64');
  const stream = crypto.randomUUID();
  let received = 0;
  subscriber.subscribe((message: BusMessage) => {
    if (message.kind !== 'update' || message.updates[0].stream !== stream) return;
    const at = sentAt.get(message.updates[0].seq);
    if (at === undefined) return;
    received++;
    latencies.push(performance.now() - at);
  });
  const perTick = (rate * TICK_MS) / 1000;
  const start = performance.now();
  const end = start + seconds * 1000;
  let seq = 0;
  let owed = 0;
  const sends: Promise<void>[] = [];
  for (let tick = 0; performance.now() < end; tick++) {
    owed += perTick;
    for (; owed >= 1; owed--) {
      seq += 1;
      sentAt.set(seq, performance.now());
      sends.push(
        publisher.publish({
          kind: 'update',
          node: publisher.nodeId,
          updates: [{ boardId: 'bench-room', stream, seq, update }],
        }),
      );
    }
    const wait = start + (tick + 1) * TICK_MS - performance.now();
    if (wait > 0) await sleep(wait);
  }
  const achieved = seq / ((performance.now() - start) / 1000);
  await Promise.allSettled(sends);
  const deadline = performance.now() + DRAIN_MS;
  while (received < seq && performance.now() < deadline) await sleep(20);
  const summary = summarize(latencies);
  return { bus, target: rate, achieved, sent: seq, received, p50: summary.p50, p99: summary.p99, max: summary.max };
}

/** `npm run bench -- bus`. */
export async function run(args: string[]): Promise<void> {
  const values = stringOptions(args, ['bus', 'rates', 'duration'] as const, USAGE);
  const busOption = values.bus ?? 'all';
  if (busOption !== 'all' && !BUSES.includes(busOption as BusName))
    throw new UsageError(`--bus: postgres, redis or all\n${USAGE}`);
  const rates = (values.rates ?? '500,1000,2000,4000,8000,16000,32000,64000').split(',').map((r) => Number(r));
  if (rates.some((r) => !Number.isInteger(r) || r < 1))
    throw new UsageError(`--rates: positive whole numbers\n${USAGE}`);
  const seconds = wholeNumberOption('duration', values.duration, 5, 1, USAGE);
  const buses = busOption === 'all' ? [...BUSES] : [busOption as BusName];
  const onError = (error: unknown) => process.stderr.write(`  bus error: ${String(error)}\n`);
  const steps: Step[] = [];
  const notes: string[] = [];
  console.log(`bus ceilings on ${redactUrl(postgresServerUrl())}; load before ${formatLoad()}`);
  for (const bus of buses) {
    let publisher: Bus;
    let subscriber: Bus;
    const cleanups: (() => Promise<unknown>)[] = [];
    if (bus === 'postgres') {
      const created = await createFreshPostgresDatabase(postgresServerUrl());
      if ('unreachable' in created) {
        notes.push(`postgres bus skipped: ${created.unreachable}`);
        continue;
      }
      // Two nodes: each its own pool, as two processes would have.
      const pools = [0, 1].map(() => postgres(created.url, { max: 10, onnotice: () => {} }));
      const [a, b] = pools.map((sql) => new PostgresBus(sql, onError));
      await b.start();
      publisher = a;
      subscriber = b;
      cleanups.push(
        () => b.close(),
        ...pools.map((sql) => () => sql.end()),
        () => created.drop(),
      );
    } else {
      if (!process.env.BENCH_REDIS_URL && !redisServerBinary) {
        notes.push('redis bus skipped: no redis-server here and no BENCH_REDIS_URL');
        continue;
      }
      const url = process.env.BENCH_REDIS_URL;
      const redis: TestRedis = url
        ? { url, prefix: '', owned: false, stop: async () => {} }
        : await startRedis({ own: true });
      const log = { info: () => {}, warn: () => {} };
      const channel = `bench:${crypto.randomUUID()}`;
      const [a, b] = [0, 1].map(() => new RedisBus({ url: redis.url, channel, log, onError }));
      await a.start();
      await b.start();
      publisher = a;
      subscriber = b;
      cleanups.push(
        () => a.close(),
        () => b.close(),
        () => redis.stop(),
      );
    }
    try {
      for (const rate of rates) {
        process.stderr.write(`  ${bus} bus, ${rate} messages/s (load ${formatLoad()})\n`);
        const step = await measure(bus, publisher, subscriber, rate, seconds);
        steps.push(step);
        // Past the point where it falls behind, higher rates only take longer to say the same.
        if (step.achieved < rate * 0.9 || step.received < step.sent * 0.99 || step.p99 > 10 * CEILING_P99_MS) break;
      }
    } finally {
      for (const cleanup of cleanups) await cleanup().catch(() => {});
    }
  }
  console.log(
    formatTable(
      [
        { header: 'bus' },
        { header: 'target msg/s', align: 'right' },
        { header: 'achieved msg/s', align: 'right' },
        { header: 'p50 ms', align: 'right' },
        { header: 'p99 ms', align: 'right' },
        { header: 'max ms', align: 'right' },
        { header: 'lost', align: 'right' },
      ],
      steps.map((s) => [
        s.bus,
        formatCount(s.target),
        formatCount(Math.round(s.achieved)),
        formatMs(s.p50),
        formatMs(s.p99),
        formatMs(s.max),
        formatCount(s.sent - s.received),
      ]),
    ),
  );
  for (const note of notes) console.log(note);
  for (const bus of buses) {
    const ok = steps.filter(
      (s) => s.bus === bus && s.achieved >= s.target * 0.95 && s.p99 <= CEILING_P99_MS && s.received === s.sent,
    );
    if (steps.some((s) => s.bus === bus)) {
      console.log(
        `${bus} bus ceiling: ${ok.length ? `${formatCount(Math.max(...ok.map((s) => s.target)))} messages/s` : 'below the lowest rate tried'} ` +
          `(achieved in full, p99 ≤ ${CEILING_P99_MS} ms, none lost; ${UPDATE_BYTES}-byte updates)`,
      );
    }
  }
  console.log(`load after ${formatLoad()}`);
}
