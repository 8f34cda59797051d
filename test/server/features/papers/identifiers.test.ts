import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '#server/db/connect.js';
import { MIGRATIONS_DIR } from '#server/db/migrate.js';
import { createTestDatabase } from '#test/helpers/db.js';

describe('migration 0012: old arXiv ids without their subject class', () => {
  let db: Database;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.close());

  it('rewrites stored ids to the preferred form, keeping those whose preferred id is taken', async () => {
    const migration = await fs.readFile(path.join(MIGRATIONS_DIR, '0012_arxiv_old_ids.sql'), 'utf8');
    const insert = async (arxivId: string, url: string | null = `https://arxiv.org/abs/${arxivId}`) => {
      const [row] = await db.sql<{ id: string }[]>`
        insert into papers (title, title_key, arxiv_id, url) values (${arxivId}, ${arxivId}, ${arxivId}, ${url})
        returning id`;
      return row.id;
    };
    const alone = await insert('math.ca/0611800');
    const ownUrl = await insert('nlin.cd/0101001', 'https://example.org/paper');
    const taken = await insert('math.gt/0309136');
    const twin = await insert('math/0309136');
    // Two rows that would both become cs/0102003: neither may, or the unique index would refuse the update.
    const pairA = await insert('cs.ai/0102003');
    const pairB = await insert('cs.lg/0102003');
    const recent = await insert('2401.01234');

    await db.sql.unsafe(migration).simple();
    // Applying it again changes nothing more.
    await db.sql.unsafe(migration).simple();

    const rows = await db.sql<{ id: string; arxivId: string; url: string | null }[]>`
      select id, arxiv_id, url from papers where id in ${db.sql([alone, ownUrl, taken, twin, pairA, pairB, recent])}`;
    const byId = new Map(rows.map((r) => [r.id, { arxivId: r.arxivId, url: r.url }]));
    expect(byId.get(alone)).toEqual({ arxivId: 'math/0611800', url: 'https://arxiv.org/abs/math/0611800' });
    expect(byId.get(ownUrl)).toEqual({ arxivId: 'nlin/0101001', url: 'https://example.org/paper' });
    expect(byId.get(taken)?.arxivId).toBe('math.gt/0309136');
    expect(byId.get(twin)?.arxivId).toBe('math/0309136');
    expect(byId.get(pairA)?.arxivId).toBe('cs.ai/0102003');
    expect(byId.get(pairB)?.arxivId).toBe('cs.lg/0102003');
    expect(byId.get(recent)?.arxivId).toBe('2401.01234');
  });
});
