import crypto from 'node:crypto';
import type { Redis } from 'ioredis';
import { deliverTo, parseBusMessage, type Bus, type BusMessage } from './bus.js';
import { closeRedis, openRedis, redisAddress, type RedisLog } from './redis-connection.js';

/**
 * Largest message the Redis bus carries. Redis would take far more (512 MB a string), but every message
 * is copied into each subscriber's output buffer, and Redis cuts off a subscriber whose buffer passes
 * 32 MB (or 8 MB for a minute): at 512 KiB a slow node can lag dozens of messages behind before that
 * happens, while presence, a batch of written rows or a pasted paragraph travels whole instead of being
 * dropped at NOTIFY's 8000 bytes.
 */
export const MAX_REDIS_BUS_PAYLOAD = 512 * 1024;

/** Where the Redis bus talks. */
export interface RedisBusOptions {
  /** `redis://` or `rediss://` URL. */
  url: string;
  /** The pub/sub channel; every node of one deployment uses the same. */
  channel: string;
  log: RedisLog;
  /** Refused messages, failing handlers, failed resubscriptions: never thrown into ioredis' handlers. */
  onError: (error: unknown) => void;
}

/**
 * Any number of nodes through one Redis: pub/sub on one channel, one connection to publish and one to
 * listen. Like NOTIFY, delivery is at most once (a node that is disconnected misses what is published
 * meanwhile): the update log in PostgreSQL stays the truth, and messages only tell nodes to read it.
 */
export class RedisBus implements Bus {
  readonly nodeId = crypto.randomUUID();
  readonly maxPayloadBytes = MAX_REDIS_BUS_PAYLOAD;
  private readonly handlers: ((message: BusMessage) => void)[] = [];
  private publisher: Redis | null = null;
  private subscriber: Redis | null = null;
  private closed = false;

  constructor(private readonly options: RedisBusOptions) {}

  /** Connects both connections; resolves once subscribed, rejects (closing both) if Redis cannot be reached. */
  async start(): Promise<void> {
    const { url, channel, log } = this.options;
    const [publisher, subscriber] = await Promise.allSettled([
      // Named after the node, so that `CLIENT LIST` tells whose connection is whose.
      openRedis(url, { name: `paperboard-bus-publish:${this.nodeId}`, log }),
      // ioredis could resubscribe by itself, but only this way does the node know (and log) from when
      // on messages reach it again.
      openRedis(url, {
        name: `paperboard-bus-subscribe:${this.nodeId}`,
        log,
        more: { autoResubscribe: false },
        onBack: (client) => this.resubscribe(client),
      }),
    ]);
    if (publisher.status === 'rejected' || subscriber.status === 'rejected') {
      for (const opened of [publisher, subscriber]) if (opened.status === 'fulfilled') await closeRedis(opened.value);
      throw publisher.status === 'rejected' ? publisher.reason : (subscriber as PromiseRejectedResult).reason;
    }
    subscriber.value.on('message', (from: string, payload: string) => {
      if (from === channel) this.deliver(payload);
    });
    this.publisher = publisher.value;
    this.subscriber = subscriber.value;
    try {
      await subscriber.value.subscribe(channel);
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  private resubscribe(client: Redis): void {
    const { url, channel, log } = this.options;
    client.subscribe(channel).then(
      () => log.info({ redis: redisAddress(url), channel }, 'redis: connection back, bus subscribed again'),
      (error: unknown) => this.options.onError(error),
    );
  }

  /** Hands a message to every handler if it is a bus message; anything else goes to `onError`. */
  private deliver(payload: string): void {
    let message: BusMessage;
    try {
      message = parseBusMessage(payload);
    } catch (error) {
      this.options.onError(error);
      return;
    }
    deliverTo(this.handlers, message, this.options.onError);
  }

  async publish(message: BusMessage): Promise<void> {
    const payload = JSON.stringify(message);
    const size = Buffer.byteLength(payload);
    if (size > this.maxPayloadBytes) {
      this.options.onError(new Error(`bus message of ${size} bytes dropped (${message.kind})`));
      return;
    }
    // Work that finishes during shutdown (a last flush) may still announce itself: nobody listens.
    if (this.closed) return;
    if (!this.publisher) throw new Error('the Redis bus is not started');
    await this.publisher.publish(this.options.channel, payload);
  }

  subscribe(handler: (message: BusMessage) => void): void {
    this.handlers.push(handler);
  }

  async close(): Promise<void> {
    this.closed = true;
    const clients = [this.subscriber, this.publisher];
    this.subscriber = null;
    this.publisher = null;
    for (const client of clients) if (client) await closeRedis(client);
  }
}
