import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { buildTestApp, type TestApp } from '#test/helpers/app.js';
import { seedDemo } from '#server/bootstrap/seed.js';
import { seedDemoAccount } from '#server/bootstrap/demo.js';
import { boardView } from '#shared/protocol/board-doc/view.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ seedDemo: true });
});
afterAll(() => t.close());

describe('demo mode', () => {
  it('seeds the library, then a demo account and board with twelve papers spread over the columns', async () => {
    expect(await seedDemo(t.db.sql, t.config)).toBe(240);
    const credentials = await seedDemoAccount(t.db.sql, t.config);
    expect(credentials?.email).toBe('demo@paperboard.local');
    expect(credentials?.password.length).toBeGreaterThanOrEqual(12);

    const [board] = await t.db.sql<{ id: string; name: string }[]>`select id, name from boards`;
    expect(board.name).toBe('Demo reading group');
    const updates = await t.db.sql<
      { update: Uint8Array }[]
    >`select update from board_updates where board_id = ${board.id}`;
    const doc = new Y.Doc();
    for (const u of updates) Y.applyUpdate(doc, new Uint8Array(u.update));
    const view = boardView(doc);
    expect(view.columns.map((c) => [c.title, c.cards.length])).toEqual([
      ['Nominated', 5],
      ['Shortlist', 3],
      ['Scheduled', 2],
      ['Read', 2],
    ]);
    const paperIds = view.columns.flatMap((c) => c.cards.map((card) => card.paperId));
    const papers = await t.db.sql`select id from papers where id = any(${paperIds}::uuid[])`;
    expect(papers).toHaveLength(12);
    const projected = await t.db
      .sql`select paper_id from board_cards where board_id = ${board.id} and paper_id is not null`;
    expect(projected).toHaveLength(12);
  });

  it('shows the credentials on the login page only in demo mode, and seeds only once', async () => {
    const again = await seedDemoAccount(t.db.sql, t.config);
    const [{ n }] = await t.db.sql<{ n: number }[]>`select count(*)::int as n from users`;
    expect(n).toBe(1);
    expect((await t.app.inject('/api/instance')).json().demo).toEqual(again);
    const login = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: again! });
    expect(login.statusCode).toBe(200);

    const plain = await buildTestApp({ seedDemo: false });
    try {
      expect((await plain.app.inject('/api/instance')).json()).toEqual({ demo: null });
    } finally {
      await plain.close();
    }
  });

  it('creates no demo account on an instance that already has users', async () => {
    const other = await buildTestApp({ seedDemo: true });
    try {
      await other.app.inject({
        method: 'POST',
        url: '/api/auth/signup',
        payload: { email: 'first@example.org', password: 'long enough pw', name: 'First' },
      });
      expect(await seedDemoAccount(other.db.sql, other.config)).toBeNull();
    } finally {
      await other.close();
    }
  });
});
