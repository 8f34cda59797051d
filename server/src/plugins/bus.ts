import fp from 'fastify-plugin';
import { InProcessBus, PostgresBus, type Bus } from '#server/sync/bus.js';
import { RedisBus } from '#server/sync/redis-bus.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Messages between the nodes that share this database. */
    bus: Bus;
  }
}

/**
 * Which bus to use: Postgres LISTEN/NOTIFY (both database modes are a real PostgreSQL), Redis pub/sub
 * (`REDIS_URL`: many nodes, the bus's traffic off the database), or in-process for an app built without
 * a reachable database (tests of its failure answers).
 */
export type BusKind = 'postgres' | 'redis' | 'memory';

/** Decorates `app.bus`. */
export const busPlugin = fp<{ kind: BusKind }>(
  async (app, { kind }) => {
    let bus: Bus;
    const onError = (err: unknown) => app.log.error({ err }, 'bus: message failed');
    if (kind === 'postgres') {
      const postgresBus = new PostgresBus(app.sql, onError);
      await postgresBus.start();
      bus = postgresBus;
    } else if (kind === 'redis') {
      const { redisUrl, redisPrefix } = app.config;
      if (!redisUrl) throw new Error('the Redis bus needs REDIS_URL');
      const redisBus = new RedisBus({ url: redisUrl, channel: `${redisPrefix}:bus`, log: app.log, onError });
      await redisBus.start();
      bus = redisBus;
    } else {
      bus = new InProcessBus();
    }
    app.decorate('bus', bus);
    app.addHook('onClose', async () => bus.close());
  },
  { name: 'bus', dependencies: ['db'] },
);
