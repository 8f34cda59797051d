import fp from 'fastify-plugin';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { pingDatabase } from '#server/features/ops/ops.repository.js';
import { secretMatches } from '#server/db/admin-secret.js';
import { isLoopback } from '#server/net.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Prometheus registry of this app; features add their own metrics to it. */
    metrics: Registry;
  }
}

/**
 * Prometheus metrics: process defaults, HTTP request counts and durations by route pattern (a bounded
 * label set: unmatched URLs count under "unmatched"), and database reachability and latency.
 */
export const metricsPlugin = fp(
  async (app) => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const requests = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    });
    const duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by method and route pattern',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [registry],
    });
    new Gauge({
      name: 'db_up',
      help: '1 when the database answered the last scrape',
      registers: [registry],
      async collect() {
        this.set((await pingDatabase(app.sql).catch(() => null)) === null ? 0 : 1);
      },
    });
    new Gauge({
      name: 'db_ping_seconds',
      help: 'Round-trip time of a trivial query at scrape time',
      registers: [registry],
      async collect() {
        const seconds = await pingDatabase(app.sql).catch(() => null);
        if (seconds !== null) this.set(seconds);
      },
    });
    app.decorate('metrics', registry);

    app.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? 'unmatched';
      requests.inc({ method: request.method, route, status: String(reply.statusCode) });
      duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    });
    // Metrics tell how busy the instance is and which routes fail: for the machine itself (a scraper on
    // loopback), or a scraper that presents METRICS_TOKEN.
    app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
      const token = app.config.metricsToken;
      const bearer = request.headers.authorization?.startsWith('Bearer ')
        ? request.headers.authorization.slice('Bearer '.length)
        : null;
      const byToken = token !== null && bearer !== null && secretMatches(token, bearer);
      if (!byToken && !isLoopback(request.socket.remoteAddress)) {
        return reply
          .status(403)
          .send({ error: 'forbidden', message: 'metrics are served on loopback or with METRICS_TOKEN' });
      }
      reply.type(registry.contentType);
      return registry.metrics();
    });
  },
  { name: 'metrics', dependencies: ['db'] },
);
