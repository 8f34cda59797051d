import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { Redis } from 'ioredis';
import type { BusMessage } from '#server/sync/bus.js';
import { MAX_REDIS_BUS_PAYLOAD, RedisBus } from '#server/sync/redis-bus.js';
import { describeWithRedis, startRedis, type TestRedis } from '#test/helpers/redis.js';

/** What a bus under test reported: its errors and its log lines. */
interface Recorded {
  errors: unknown[];
  logs: [level: 'info' | 'warn', message: string][];
  received: BusMessage[];
}

function recorder(): Recorded {
  return { errors: [], logs: [], received: [] };
}

/** A started bus on `redis` that records what it hears, says and fails at. */
async function startBus(redis: TestRedis, recorded: Recorded): Promise<RedisBus> {
  const bus = new RedisBus({
    url: redis.url,
    channel: `${redis.prefix}:bus`,
    log: {
      info: (_details: unknown, message?: string) => recorded.logs.push(['info', String(message)]),
      warn: (_details: unknown, message?: string) => recorded.logs.push(['warn', String(message)]),
    },
    onError: (error) => recorded.errors.push(error),
  });
  bus.subscribe((message) => recorded.received.push(message));
  await bus.start();
  return bus;
}

/** Closes the connection of this name from the server's side, as a failover or a network cut would. */
async function killConnection(admin: Redis, name: string): Promise<void> {
  const list = (await admin.call('CLIENT', 'LIST')) as string;
  const line = list.split('\n').find((entry) => entry.includes(` name=${name} `));
  if (!line) throw new Error(`no connection named ${name}`);
  const id = /^id=(\d+)/.exec(line)?.[1];
  expect(await admin.call('CLIENT', 'KILL', 'ID', String(id))).toBe(1);
}

const boardId = '5b0c2f8e-7a43-4c39-9d55-0d8a1c2b3e4f';

/** A message that names itself, to be told apart in what a bus received. */
function awareness(tag: string, update = 'AQ=='): BusMessage {
  return { kind: 'awareness', node: tag, boardId, update };
}

describeWithRedis('the Redis bus', () => {
  let redis: TestRedis;
  let admin: Redis;
  const buses: RedisBus[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    admin = new Redis(redis.url);
  });

  afterEach(async () => {
    for (const bus of buses.splice(0)) await bus.close();
  });

  afterAll(async () => {
    admin?.disconnect();
    await redis?.stop();
  });

  async function bus(recorded: Recorded): Promise<RedisBus> {
    const started = await startBus(redis, recorded);
    buses.push(started);
    return started;
  }

  it("carries one node's messages to every node, its own included", async () => {
    const [a, b] = [recorder(), recorder()];
    const first = await bus(a);
    await bus(b);
    const message: BusMessage = { kind: 'updates', node: first.nodeId, boards: [{ boardId, from: '7', to: '9' }] };
    await first.publish(message);
    await vi.waitFor(() => expect(b.received).toEqual([message]));
    await vi.waitFor(() => expect(a.received).toEqual([message]));
    expect([...a.errors, ...b.errors]).toEqual([]);
  });

  it('refuses what is not one of its messages, reports it, and still delivers the next good one', async () => {
    const recorded = recorder();
    await bus(recorded);
    const channel = `${redis.prefix}:bus`;
    await admin.publish(channel, '{not json');
    await admin.publish(channel, JSON.stringify({ kind: 'reboot', node: 'x' }));
    await admin.publish(
      channel,
      JSON.stringify({ kind: 'updates', node: 'x', boards: [{ boardId, from: '1; drop', to: '2' }] }),
    );
    const good = awareness('good');
    await admin.publish(channel, JSON.stringify(good));
    await vi.waitFor(() => expect(recorded.received).toEqual([good]));
    expect(recorded.errors).toHaveLength(3);
    expect(String(recorded.errors[1])).toMatch(/bus message refused: .*"reboot"/);
  });

  it('carries messages far past NOTIFY’s 8000 bytes, and drops one over its limit with an error', async () => {
    const recorded = recorder();
    const only = await bus(recorded);
    const big = awareness('big', 'A'.repeat(200_000));
    const tooBig = awareness('too-big', 'A'.repeat(MAX_REDIS_BUS_PAYLOAD));
    await only.publish(tooBig);
    await only.publish(big);
    await vi.waitFor(() => expect(recorded.received.map((m) => m.node)).toEqual(['big']));
    expect(recorded.errors.map(String)).toEqual([
      expect.stringMatching(/bus message of \d+ bytes dropped \(awareness\)/),
    ]);
  });

  it('subscribes again after Redis drops its subscription, logging the outage and its end', async () => {
    const [a, b] = [recorder(), recorder()];
    const publisher = await bus(a);
    const listener = await bus(b);
    await killConnection(admin, `paperboard-bus-subscribe:${listener.nodeId}`);
    await vi.waitFor(() => expect(b.logs).toContainEqual(['info', 'redis: connection back, bus subscribed again']));
    expect(b.logs[0]).toEqual(['warn', 'redis: connection lost, reconnecting']);
    const after = awareness('after-kill');
    await publisher.publish(after);
    await vi.waitFor(() => expect(b.received).toContainEqual(after));
    expect(b.errors).toEqual([]);
  });

  it('publishes again after Redis drops its publishing connection', async () => {
    const [a, b] = [recorder(), recorder()];
    const publisher = await bus(a);
    await bus(b);
    await killConnection(admin, `paperboard-bus-publish:${publisher.nodeId}`);
    // Published while the connection is down or coming back: ioredis holds it until it is ready.
    const after = awareness('after-publisher-kill');
    await publisher.publish(after);
    await vi.waitFor(() => expect(b.received).toContainEqual(after));
    await vi.waitFor(() =>
      expect(a.logs).toEqual([
        ['warn', 'redis: connection lost, reconnecting'],
        ['info', 'redis: connection back'],
      ]),
    );
  });

  it('does not start without Redis, and says where it looked without giving the password away', async () => {
    const unreachable = new URL(redis.url);
    unreachable.port = '1';
    unreachable.password = 'hunter2';
    const bus = new RedisBus({
      url: unreachable.toString(),
      channel: 'nowhere',
      log: { info: () => {}, warn: () => {} },
      onError: () => {},
    });
    const failure = bus.start();
    await expect(failure).rejects.toThrow(`cannot connect to Redis at redis://${unreachable.hostname}:1`);
    await expect(failure).rejects.not.toThrow(/hunter2/);
  });
});

describeWithRedis(
  'the Redis bus when Redis goes away',
  () => {
    let redis: TestRedis;

    beforeAll(async () => {
      redis = await startRedis({ own: true });
    });

    afterAll(async () => {
      await redis?.stop();
    });

    it('closes without failing, and without waiting for a server that is gone', async () => {
      const recorded = recorder();
      const bus = await startBus(redis, recorded);
      await redis.stop();
      await vi.waitFor(() => expect(recorded.logs.filter(([level]) => level === 'warn')).toHaveLength(2));
      const started = Date.now();
      await expect(bus.close()).resolves.toBeUndefined();
      expect(Date.now() - started).toBeLessThan(1000);
      // Closed, it publishes nothing and fails nothing.
      await expect(bus.publish(awareness('after-close'))).resolves.toBeUndefined();
      expect(recorded.errors).toEqual([]);
    });
  },
  'own',
);
