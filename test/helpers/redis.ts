import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Redis } from 'ioredis';
import { describe } from 'vitest';

/** A Redis for one test file: `url` to connect, `prefix` for its keys and channels. */
export interface TestRedis {
  url: string;
  /** Unique to this server or test, so that tests sharing a REDIS_URL do not hear each other. */
  prefix: string;
  /** Whether this helper started the server (and so may stop it under a test). */
  owned: boolean;
  /** Stops the server if this helper started it. */
  stop(): Promise<void>;
}

/** The `redis-server` binary on PATH, if any. */
export const redisServerBinary: string | null =
  (process.env.PATH ?? '')
    .split(path.delimiter)
    .map((dir) => path.join(dir, 'redis-server'))
    .find((candidate) => fs.existsSync(candidate)) ?? null;

/** Whether the Redis tests can run here: REDIS_URL is set, or `redis-server` is installed. */
export const redisAvailable = Boolean(process.env.REDIS_URL) || redisServerBinary !== null;

const inCi = Boolean(process.env.CI);

/** A port nobody listens on right now (another process could still take it before we do). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once something on `port` answers PING with PONG; rejects after `timeoutMs`. */
async function untilPong(port: number, child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
    const answered = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      let reply = '';
      socket.setTimeout(500, () => socket.destroy());
      socket.on('connect', () => socket.write('PING\r\n'));
      socket.on('data', (chunk) => {
        reply += chunk.toString();
        if (reply.includes('\r\n')) socket.end();
      });
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(reply.startsWith('+PONG')));
    });
    if (answered) return;
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Starts `redis-server` on a free loopback port, without persistence; resolves once it answers. */
async function spawnRedis(binary: string): Promise<TestRedis> {
  // The port is free when picked but not reserved: if another process takes it first, try another.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // A test process that dies without stopping it must not leave the server behind.
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      await untilPong(port, child);
    } catch (error) {
      child.kill('SIGKILL');
      await exited;
      process.off('exit', killOnExit);
      if (attempt < 3) continue;
      throw new Error(`${(error as Error).message}: ${stderr}`);
    }
    return {
      url: `redis://127.0.0.1:${port}`,
      prefix: `test-${crypto.randomBytes(4).toString('hex')}`,
      owned: true,
      async stop() {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          await exited;
        }
        process.off('exit', killOnExit);
      },
    };
  }
}

/**
 * A Redis for a test: REDIS_URL when set (with a prefix of its own), else a `redis-server` this helper
 * starts on a free port and stops in `stop()`. Throws when there is neither.
 */
export async function startRedis(options: { own?: boolean } = {}): Promise<TestRedis> {
  const shared = process.env.REDIS_URL;
  if (shared && !options.own) {
    const prefix = `test-${crypto.randomBytes(6).toString('hex')}`;
    return {
      url: shared,
      prefix,
      owned: false,
      // Someone else's server: only what this test left there (socket.io's stream) goes.
      async stop() {
        const admin = new Redis(shared);
        try {
          const keys = await admin.keys(`${prefix}:*`);
          if (keys.length) await admin.del(...keys);
        } finally {
          admin.disconnect();
        }
      },
    };
  }
  if (!redisServerBinary) throw new Error('redis-server is not installed (apt-get install redis-server)');
  return spawnRedis(redisServerBinary);
}

/** The names of the connections open on a Redis (`CLIENT LIST`), the one asking left out. */
export async function connectionNames(url: string): Promise<string[]> {
  const admin = new Redis(url, { connectionName: 'test-admin' });
  try {
    const list = (await admin.call('CLIENT', 'LIST')) as string;
    return [...list.matchAll(/ name=(\S*) /g)].map((match) => match[1]).filter((name) => name !== 'test-admin');
  } finally {
    admin.disconnect();
  }
}

/**
 * `describe` for tests that need Redis: skipped with a warning where there is neither REDIS_URL nor
 * `redis-server`, except in CI, where they run (and fail at once without it). `needs: 'own'`: the tests
 * stop the server, so they need `redis-server` even where REDIS_URL is set.
 */
export function describeWithRedis(name: string, suite: () => void, needs: 'any' | 'own' = 'any'): void {
  const available = needs === 'own' ? redisServerBinary !== null : redisAvailable;
  if (!available && !inCi) {
    const missing = needs === 'own' ? 'redis-server is not installed' : 'neither REDIS_URL nor redis-server is there';
    console.warn(`[redis] ${missing}: skipping "${name}" (apt-get install redis-server)`);
  }
  describe.skipIf(!available && !inCi)(name, suite);
}
