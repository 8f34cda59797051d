import { createAdapter } from '@socket.io/redis-streams-adapter';
import { Redis, type RedisOptions } from 'ioredis';
import type { Server } from 'socket.io';
import { closeRedis, openRedis, type RedisLog } from '#server/sync/redis-connection.js';

/**
 * Entries kept in the stream (trimmed approximately). Nodes read new entries within milliseconds, and
 * connection state recovery, which would replay older ones, is off: a thousand is plenty of slack.
 */
const STREAM_MAX_ENTRIES = 1000;

/**
 * The adapter opens connections of its own by duplicating the client it is given, and closes them only
 * after its blocking read returns (up to 5 s): this client keeps them, so that closing the app closes
 * them at once.
 */
class ParentClient extends Redis {
  readonly copies: Redis[] = [];

  override duplicate(override?: Partial<RedisOptions>): Redis {
    const copy = super.duplicate(override);
    this.copies.push(copy);
    return copy;
  }
}

/** socket.io's Redis streams adapter with the connections behind it. */
export interface RedisAdapter {
  /** For `new Server(…, { adapter })`. */
  adapter: ReturnType<typeof createAdapter>;
  /** Stops the adapters of `io`'s namespaces, then closes every connection (never fails). */
  close(io: Server): Promise<void>;
}

/**
 * Carries socket.io broadcasts (`io.to(room).emit`) between nodes through a Redis stream named after
 * `prefix`, and the adapter's requests between nodes (fetching sockets) through pub/sub; its
 * connections are named after the node (`nodeId`). Resolves once connected; rejects if Redis cannot be
 * reached.
 */
export async function openRedisAdapter(
  url: string,
  prefix: string,
  nodeId: string,
  log: RedisLog,
): Promise<RedisAdapter> {
  const client = (await openRedis(url, {
    // The adapter's own connections are copies of this one, name included.
    name: `paperboard-socket-io:${nodeId}`,
    log,
    // The adapter reads XREAD's replies as RESP2-shaped arrays, which ioredis 6 keeps for RESP3 in
    // its default 'legacy' mapping: said here so that no later default can change it.
    create: (u, options) => new ParentClient(u, { ...options, replyMapping: 'legacy' }),
  })) as ParentClient;
  const adapter = createAdapter(client, {
    streamName: `${prefix}:socket.io`,
    channelPrefix: `${prefix}:socket.io`,
    maxLen: STREAM_MAX_ENTRIES,
    // Event payloads are JSON (shared/protocol/socket-events.ts): no need to look for binary data.
    onlyPlaintext: true,
  });
  return {
    adapter,
    async close(io) {
      // Closing the last namespace's adapter stops the adapter's read loop; only then may its
      // connections go, or the loop would retry on a closed connection forever.
      for (const namespace of io._nsps.values()) await namespace.adapter.close();
      for (const copy of client.copies) copy.disconnect();
      await closeRedis(client);
    },
  };
}
