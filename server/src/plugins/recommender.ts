import fp from 'fastify-plugin';
import { Recommender } from '#server/features/recommend/recommender.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** This node's "more like this" index of the library (built on first use). */
    recommender: Recommender;
  }
}

/**
 * One recommender per process, shared by the routes and by jobs that suggest new papers
 * (`suggestNewPapers({ sql: app.sql, recommender: app.recommender, emitToBoard })`).
 */
export const recommenderPlugin = fp(
  async (app) => {
    const recommender = new Recommender(app.sql);
    app.decorate('recommender', recommender);
    app.addHook('onClose', async () => recommender.close());
  },
  { name: 'recommender', dependencies: ['db'] },
);
