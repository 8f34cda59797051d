import fp from 'fastify-plugin';
import { InProcessBus, PostgresBus, type Bus } from '#server/sync/bus.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Messages between the nodes that share this database. */
    bus: Bus;
  }
}

/**
 * Which bus to use: Postgres LISTEN/NOTIFY (both database modes are a real PostgreSQL), or in-process for
 * an app built without a reachable database (tests of its failure answers).
 */
export type BusKind = 'postgres' | 'memory';

/** Decorates `app.bus`. */
export const busPlugin = fp<{ kind: BusKind }>(
  async (app, { kind }) => {
    let bus: Bus;
    if (kind === 'postgres') {
      const postgresBus = new PostgresBus(app.sql, (err) => app.log.error({ err }, 'bus: message failed'));
      await postgresBus.start();
      bus = postgresBus;
    } else {
      bus = new InProcessBus();
    }
    app.decorate('bus', bus);
    app.addHook('onClose', async () => bus.close());
  },
  { name: 'bus', dependencies: ['db'] },
);
