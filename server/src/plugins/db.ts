import fp from 'fastify-plugin';
import type { Sql } from '#server/db/sql.js';
import type { Config } from '#server/config.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The process's one postgres.js client. */
    sql: Sql;
    /** Validated configuration. */
    config: Config;
  }
}

/** Makes the database client and the configuration available to every route. */
export const dbPlugin = fp<{ sql: Sql; config: Config }>(
  async (app, { sql, config }) => {
    app.decorate('sql', sql);
    app.decorate('config', config);
  },
  { name: 'db' },
);
