import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';

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
    const other = await buildTestApp();
    await other.db.sql.end({ timeout: 1 });
    const res = await other.app.inject('/readyz');
    expect(res.statusCode).toBe(503);
    await other.app.close();
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
