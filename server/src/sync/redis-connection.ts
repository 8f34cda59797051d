import type { FastifyBaseLogger } from 'fastify';
import { Redis, type RedisOptions } from 'ioredis';

/** What Redis connections log: an outage (warn, once each) and its end (info). */
export type RedisLog = Pick<FastifyBaseLogger, 'info' | 'warn'>;

/** A Redis URL without its credentials, for messages and logs. */
export function redisAddress(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
}

/** Options of every connection Paperboard opens to Redis; `connectionName` shows in `CLIENT LIST`. */
export function redisOptions(connectionName: string): RedisOptions {
  return {
    connectionName,
    // A command waits through a short outage (a restart: ioredis retries after 50, 100, 200 … ms) and
    // fails after a few seconds of a longer one, rather than holding its caller (a request) for minutes.
    maxRetriesPerRequest: 6,
  };
}

/** Connections being closed on purpose: their end is no outage. */
const closing = new WeakSet<Redis>();

/**
 * Resolves once a new client is ready; its first failure rejects with a message naming the server (not
 * the password), and the client is stopped rather than left retrying.
 */
function whenReady(client: Redis, url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onReady = () => {
      client.off('error', onError);
      resolve();
    };
    const onError = (error: Error) => {
      client.off('ready', onReady);
      client.disconnect();
      reject(new Error(`cannot connect to Redis at ${redisAddress(url)}: ${error.message}`));
    };
    client.once('ready', onReady);
    client.once('error', onError);
  });
}

/**
 * Logs each outage of a client once, at warn (ioredis keeps reconnecting and reports every failed
 * attempt as an error), and calls `onBack` each time the connection is ready again.
 */
function watchOutages(client: Redis, name: string, url: string, log: RedisLog, onBack: () => void): void {
  let up = true;
  let lastError: Error | null = null;
  // Without a listener ioredis prints every error to the console itself.
  client.on('error', (error: Error) => {
    lastError = error;
  });
  client.on('close', () => {
    if (!up || closing.has(client)) return;
    up = false;
    log.warn({ err: lastError, redis: redisAddress(url), connection: name }, 'redis: connection lost, reconnecting');
  });
  client.on('ready', () => {
    if (up) return;
    up = true;
    lastError = null;
    onBack();
  });
}

/** How to open one connection. */
export interface OpenRedisOptions {
  /** The connection's name in `CLIENT LIST` and in the logs. */
  name: string;
  log: RedisLog;
  /** Runs each time the connection is back after an outage; by default that is logged. */
  onBack?: (client: Redis) => void;
  /** Options besides {@link redisOptions}'. */
  more?: RedisOptions;
  /** Builds the client (a subclass, say); by default a plain ioredis `Redis`. */
  create?: (url: string, options: RedisOptions) => Redis;
}

/**
 * Opens a connection to Redis and resolves once it is ready (rejects if the first attempt fails). After
 * that ioredis reconnects by itself, and each outage is logged.
 */
export async function openRedis(url: string, options: OpenRedisOptions): Promise<Redis> {
  const { name, log, onBack } = options;
  const create = options.create ?? ((u: string, o: RedisOptions) => new Redis(u, o));
  const client = create(url, { ...redisOptions(name), ...options.more });
  await whenReady(client, url);
  watchOutages(client, name, url, log, () => {
    if (onBack) onBack(client);
    else log.info({ redis: redisAddress(url), connection: name }, 'redis: connection back');
  });
  return client;
}

/** Closes a connection, politely when Redis answers; never fails (Redis may be gone already). */
export async function closeRedis(client: Redis): Promise<void> {
  closing.add(client);
  // QUIT lets replies in flight arrive; without a connection ioredis answers it at once.
  await client.quit().catch(() => undefined);
  client.disconnect();
}
