import fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { TRENDING_FIXTURE } from '../../server/src/db/seed.js';
import type { ImportResult, PaperPage } from '../../shared/schemas/papers.js';

let t: TestApp;
let fixture: string;

beforeAll(async () => {
  t = await buildTestApp();
  fixture = await fs.readFile(TRENDING_FIXTURE, 'utf8');
});
afterAll(() => t.close());

async function importText(text: string, format = 'auto') {
  const res = await t.app.inject({ method: 'POST', url: '/api/papers/import', payload: { text, format } });
  return { status: res.statusCode, body: res.json() as ImportResult };
}

async function search(query: string) {
  const res = await t.app.inject({ method: 'GET', url: `/api/papers?${query}` });
  expect(res.statusCode).toBe(200);
  return res.json() as PaperPage;
}

describe('the trending fixture', () => {
  it('imports as exactly 240 papers with the 30 GitHub links it contains', async () => {
    const { status, body } = await importText(fixture);
    expect(status).toBe(200);
    expect(body.format).toBe('trending');
    expect(body.errors).toEqual([]);
    expect(body.duplicates).toEqual([]);
    expect(body.created).toHaveLength(240);
    expect(body.created[0].title).toBe(
      'ChineseWebText 2.0: Large-Scale High-quality Chinese Web Text with Multi-dimensional and fine-grained information',
    );
    // 30 abstracts link GitHub; one of them (FluxMusic) links two repositories, hence 31 URLs.
    const [counts] = await t.db.sql<{ papers: number; links: number }[]>`
      select count(distinct p.id)::int as papers, count(*)::int as links
      from papers p, unnest(p.code_urls) as u where u ~ '^https?://github\.com/'`;
    expect(counts).toEqual({ papers: 30, links: 31 });
  });

  it('creates nothing when the same text is imported again', async () => {
    const { body } = await importText(fixture);
    expect(body.created).toEqual([]);
    expect(body.duplicates).toHaveLength(240);
    expect(body.duplicates[0]).toMatchObject({ line: 3, reason: 'title' });
  });
});

describe('search', () => {
  it('finds unicode titles', async () => {
    const page = await search(`q=${encodeURIComponent('SΩI')}`);
    expect(page.items[0].title).toBe('SΩI: Score-based O-INFORMATION Estimation');
    const l2m = await search(`q=${encodeURIComponent('L^2M')}`);
    expect(l2m.items[0].title).toMatch(/^L\^2M: Mutual Information Scaling Law/);
  });
});
