import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { buildApp } from '#server/app.js';
import { startEmbeddedPostgres } from '#server/db/embedded.js';
import { buildTestApp, testConfig, type TestApp } from '#test/helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(() => t.close());

describe('operations endpoints', () => {
  it('answers liveness and readiness', async () => {
    expect((await t.app.inject('/healthz')).json()).toEqual({ status: 'ok' });
    expect((await t.app.inject('/readyz')).json()).toEqual({ status: 'ready' });
  });

  it('exposes Prometheus metrics with HTTP and database figures', async () => {
    await t.app.inject('/api/papers?q=diffusion');
    const res = await t.app.inject('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toMatch(/http_requests_total\{method="GET",route="\/api\/papers",status="200"\} 1/);
    expect(res.body).toMatch(/http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/api\/papers"\}/);
    expect(res.body).toMatch(/^db_up 1$/m);
    expect(res.body).toMatch(/^db_ping_seconds \d/m);
  });

  it('counts unknown URLs under one label so the label set stays bounded', async () => {
    await t.app.inject('/api/nothing-here-1');
    await t.app.inject('/api/nothing-here-2');
    const body = (await t.app.inject('/metrics')).body;
    expect(body).not.toContain('nothing-here');
    expect(body).toMatch(/route="(unmatched|\/\*)",status="404"\} 2/);
  });

  it('answers unknown API routes with a JSON 404', async () => {
    const res = await t.app.inject('/api/nothing-here');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: 'not_found' });
  });

  it('serves an OpenAPI document generated from the route schemas', async () => {
    const res = await t.app.inject('/api/openapi.json');
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/papers', '/api/papers/{id}', '/api/papers/import', '/healthz', '/readyz']),
    );
    const search = doc.paths['/api/papers'].get;
    expect(search.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['q', 'tag', 'sort', 'limit', 'cursor']),
    );
    expect(doc.paths['/api/papers'].post.requestBody.content['application/json'].schema.required).toContain('title');
  });
});

describe('readiness without a database', () => {
  it('reports 503 when the database is unreachable', async () => {
    // Nothing listens on port 1: every query fails to connect.
    const unreachable = postgres('postgres://postgres@127.0.0.1:1/none', { connect_timeout: 1, max: 1 });
    const config = testConfig();
    const app = await buildApp({ config, sql: unreachable, bus: 'memory' });
    try {
      const res = await app.inject('/readyz');
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({ status: 'database unreachable' });
      expect((await app.inject('/healthz')).statusCode).toBe(200);
    } finally {
      await app.close();
      await unreachable.end();
      fs.rmSync(config.dataDir, { recursive: true, force: true });
    }
  });
});

describe('sync metrics', () => {
  it('exposes connection, document, update and persistence figures without per-board labels', async () => {
    const body = (await t.app.inject('/metrics')).body;
    for (const name of [
      'sync_connections',
      'sync_loaded_docs',
      'sync_updates_in_total',
      'sync_updates_out_total',
      'sync_persist_lag_seconds_bucket',
      'sync_log_rows_max',
    ]) {
      expect(body, name).toMatch(new RegExp(`^${name}(\\{[^}]*\\})? \\d`, 'm'));
    }
    expect(body).not.toMatch(/^sync_\w+\{[^}]*board/m);
  });
});

describe('liveness and readiness during a database outage', () => {
  it('stays live (/healthz 200) while /readyz answers 503, and is ready again when the database is back', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboard-outage-'));
    fs.chmodSync(dir, 0o755);
    let cluster = await startEmbeddedPostgres(dir, { log: () => {} });
    // On its Unix socket: the restarted server is where the pool looks for it.
    const sql = postgres({ ...cluster.connection, max: 2, connect_timeout: 1, onnotice: () => {} });
    const config = testConfig();
    const app = await buildApp({ config, sql, bus: 'memory' });
    try {
      expect((await app.inject('/readyz')).statusCode).toBe(200);
      await cluster.stop();
      for (const cookie of [undefined, 'pb_session=some-session-token']) {
        const headers = cookie ? { cookie } : {};
        expect((await app.inject({ url: '/healthz', headers })).statusCode, cookie).toBe(200);
        expect((await app.inject({ url: '/readyz', headers })).statusCode, cookie).toBe(503);
      }
      // Other requests say the database is unavailable (503, retry), not that the server broke.
      const me = await app.inject({ url: '/api/papers', headers: { cookie: 'pb_session=some-session-token' } });
      expect(me.statusCode).toBe(503);
      expect(me.headers['retry-after']).toBe('5');
      expect(me.json()).toMatchObject({ error: 'unavailable' });
      cluster = await startEmbeddedPostgres(dir, { log: () => {} });
      await expect.poll(async () => (await app.inject('/readyz')).statusCode, { timeout: 10_000 }).toBe(200);
    } finally {
      await app.close();
      await sql.end({ timeout: 1 });
      await cluster.stop();
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(config.dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
