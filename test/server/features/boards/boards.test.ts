import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { buildTestApp, type TestApp } from '#test/helpers/app.js';
import { addMember, createBoard, signUp, type TestUser } from '#test/helpers/factories.js';

let t: TestApp;
let owner: TestUser;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  t = await buildTestApp();
  owner = await signUp(t.app, 'Owner');
  alice = await signUp(t.app, 'Alice');
  bob = await signUp(t.app, 'Bob');
});
afterAll(() => t.close());

const as = (user: TestUser) => ({ cookie: user.cookie });

async function invite(boardId: string, payload: object = { role: 'viewer' }) {
  const res = await t.app.inject({
    method: 'POST',
    url: `/api/boards/${boardId}/invites`,
    headers: as(owner),
    payload,
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; token: string; url: string };
}

function accept(token: string, user: TestUser) {
  return t.app.inject({ method: 'POST', url: `/api/invites/${token}/accept`, headers: as(user) });
}

describe('boards', () => {
  it('makes the creator owner and starts the document with the four default columns', async () => {
    const board = await createBoard(t.app, owner, 'Journal club');
    expect(board).toMatchObject({ name: 'Journal club', role: 'owner', memberCount: 1 });
    const updates = await t.db.sql<
      { update: Uint8Array }[]
    >`select update from board_updates where board_id = ${board.id}`;
    const doc = new Y.Doc();
    for (const u of updates) Y.applyUpdate(doc, new Uint8Array(u.update));
    const columns = [...doc.getMap<Y.Map<string>>('columns').values()]
      .sort((a, b) => (a.get('order')! < b.get('order')! ? -1 : 1))
      .map((c) => c.get('title'));
    expect(columns).toEqual(['Nominated', 'Shortlist', 'Scheduled', 'Read']);
  });

  it('shows a board with my role and its members', async () => {
    const board = await createBoard(t.app, owner);
    await addMember(t.app, owner, board.id, alice, 'editor');
    const res = await t.app.inject({ url: `/api/boards/${board.id}`, headers: as(alice) });
    expect(res.statusCode).toBe(200);
    expect(res.json().board).toMatchObject({ id: board.id, role: 'editor', memberCount: 2 });
    expect(res.json().members.map((m: { name: string; role: string }) => [m.name, m.role])).toEqual([
      ['Owner', 'owner'],
      ['Alice', 'editor'],
    ]);
  });

  it('lets editors rename and describe a board, within bounds', async () => {
    const board = await createBoard(t.app, owner);
    await addMember(t.app, owner, board.id, alice, 'editor');
    const ok = await t.app.inject({
      method: 'PATCH',
      url: `/api/boards/${board.id}`,
      headers: as(alice),
      payload: { name: '  Tuesday papers ', description: 'We read on Tuesdays.' },
    });
    expect(ok.json()).toMatchObject({ name: 'Tuesday papers', description: 'We read on Tuesdays.' });
    for (const [payload, field] of [
      [{ name: 'x'.repeat(101) }, 'name'],
      [{ name: '   ' }, 'name'],
      [{ description: 'x'.repeat(2001) }, 'description'],
      [{ color: 'red' }, 'color'],
    ] as const) {
      const bad = await t.app.inject({ method: 'PATCH', url: `/api/boards/${board.id}`, headers: as(alice), payload });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().message).toContain(field);
    }
  });

  it('deletes everything that belongs to a deleted board', async () => {
    const board = await createBoard(t.app, owner);
    await addMember(t.app, owner, board.id, alice, 'viewer');
    await invite(board.id);
    const del = await t.app.inject({ method: 'DELETE', url: `/api/boards/${board.id}`, headers: as(owner) });
    expect(del.statusCode).toBe(204);
    for (const table of ['board_members', 'board_invites', 'board_updates']) {
      const [{ n }] = await t.db.sql<
        { n: number }[]
      >`select count(*)::int as n from ${t.db.sql(table)} where board_id = ${board.id}`;
      expect(n, table).toBe(0);
    }
    expect((await t.app.inject({ url: `/api/boards/${board.id}`, headers: as(owner) })).statusCode).toBe(404);
  });
});

describe('invitations', () => {
  it('joins a board with the invited role and counts the use', async () => {
    const board = await createBoard(t.app, owner);
    const inv = await invite(board.id, { role: 'editor', maxUses: 5, expiresInDays: 3 });
    expect(inv.url).toBe(`${t.config.publicUrl}/invite/${inv.token}`);
    const preview = await t.app.inject({ url: `/api/invites/${inv.token}`, headers: as(alice) });
    expect(preview.json()).toMatchObject({ boardId: board.id, role: 'editor', memberRole: null });
    expect(preview.json().invitedBy).toBe(owner.user.name);
    expect((await accept(inv.token, alice)).json()).toEqual({ boardId: board.id, role: 'editor' });
    const list = await t.app.inject({ url: `/api/boards/${board.id}/invites`, headers: as(owner) });
    expect(list.json()[0]).toMatchObject({ id: inv.id, uses: 1, maxUses: 5, revoked: false });
    expect(list.json()[0]).not.toHaveProperty('token');
  });

  it('keeps an existing member role when they accept another invitation', async () => {
    const board = await createBoard(t.app, owner);
    await addMember(t.app, owner, board.id, alice, 'editor');
    const inv = await invite(board.id, { role: 'viewer' });
    const preview = await t.app.inject({ url: `/api/invites/${inv.token}`, headers: as(alice) });
    expect(preview.json()).toMatchObject({ role: 'viewer', memberRole: 'editor' });
    expect((await accept(inv.token, alice)).json()).toEqual({ boardId: board.id, role: 'editor' });
  });

  it('refuses expired, used-up and revoked invitations with a clear 410, and unknown ones with 404', async () => {
    const board = await createBoard(t.app, owner);
    const expired = await invite(board.id);
    await t.db.sql`update board_invites set expires_at = now() - interval '1 minute' where id = ${expired.id}`;
    const expiredRes = await accept(expired.token, alice);
    expect(expiredRes.statusCode).toBe(410);
    expect(expiredRes.json()).toMatchObject({ error: 'invite_expired', message: expect.stringContaining('expired') });

    const single = await invite(board.id, { role: 'viewer', maxUses: 1 });
    expect((await accept(single.token, alice)).statusCode).toBe(200);
    const usedUp = await accept(single.token, bob);
    expect(usedUp.statusCode).toBe(410);
    expect(usedUp.json().error).toBe('invite_used_up');

    const revoked = await invite(board.id);
    const del = await t.app.inject({
      method: 'DELETE',
      url: `/api/boards/${board.id}/invites/${revoked.id}`,
      headers: as(owner),
    });
    expect(del.statusCode).toBe(204);
    expect((await accept(revoked.token, bob)).json().error).toBe('invite_revoked');

    expect((await accept('x'.repeat(32), bob)).statusCode).toBe(404);
    expect((await accept('short', bob)).statusCode).toBe(400);
  });

  it('admits exactly maxUses people when many accept at once', async () => {
    const board = await createBoard(t.app, owner);
    const inv = await invite(board.id, { role: 'viewer', maxUses: 3 });
    const people = await Promise.all(Array.from({ length: 8 }, (_, i) => signUp(t.app, `Racer ${i}`)));
    const results = await Promise.all(people.map((p) => accept(inv.token, p)));
    expect(results.filter((r) => r.statusCode === 200)).toHaveLength(3);
    expect(results.filter((r) => r.statusCode === 410)).toHaveLength(5);
    const [{ n }] = await t.db.sql<
      { n: number }[]
    >`select count(*)::int as n from board_members where board_id = ${board.id}`;
    expect(n).toBe(4);
  });

  it('bounds expiry and uses, and refuses inviting as owner', async () => {
    const board = await createBoard(t.app, owner);
    for (const [payload, field] of [
      [{ role: 'owner' }, 'role'],
      [{ role: 'viewer', expiresInDays: 0 }, 'expiresInDays'],
      [{ role: 'viewer', maxUses: 100000 }, 'maxUses'],
    ] as const) {
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/boards/${board.id}/invites`,
        headers: as(owner),
        payload,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().message).toContain(field);
    }
  });
});

describe('memberships', () => {
  it('lets owners change roles but never demote the last owner', async () => {
    const board = await createBoard(t.app, owner);
    await addMember(t.app, owner, board.id, alice, 'viewer');
    const url = (u: TestUser) => `/api/boards/${board.id}/members/${u.user.id}`;
    const promote = await t.app.inject({
      method: 'PATCH',
      url: url(alice),
      headers: as(owner),
      payload: { role: 'editor' },
    });
    expect(promote.json().find((m: { userId: string }) => m.userId === alice.user.id).role).toBe('editor');
    const demoteSelf = await t.app.inject({
      method: 'PATCH',
      url: url(owner),
      headers: as(owner),
      payload: { role: 'editor' },
    });
    expect(demoteSelf.statusCode).toBe(409);
    expect(demoteSelf.json().message).toContain('last owner');
    const bad = await t.app.inject({
      method: 'PATCH',
      url: url(alice),
      headers: as(owner),
      payload: { role: 'admin' },
    });
    expect(bad.statusCode).toBe(400);
    const stranger = await t.app.inject({
      method: 'PATCH',
      url: url(bob),
      headers: as(owner),
      payload: { role: 'editor' },
    });
    expect(stranger.statusCode).toBe(404);
  });

  it('lets a member leave, but not the last owner', async () => {
    const board = await createBoard(t.app, owner);
    await addMember(t.app, owner, board.id, alice, 'viewer');
    const leave = await t.app.inject({
      method: 'DELETE',
      url: `/api/boards/${board.id}/members/${alice.user.id}`,
      headers: as(alice),
    });
    expect(leave.statusCode).toBe(204);
    expect((await t.app.inject({ url: `/api/boards/${board.id}`, headers: as(alice) })).statusCode).toBe(404);
    const ownerLeaves = await t.app.inject({
      method: 'DELETE',
      url: `/api/boards/${board.id}/members/${owner.user.id}`,
      headers: as(owner),
    });
    expect(ownerLeaves.statusCode).toBe(409);
  });

  it('keeps at least one owner when two owners demote each other at once', async () => {
    const board = await createBoard(t.app, owner);
    await addMember(t.app, owner, board.id, alice, 'owner');
    const [a, b] = await Promise.all([
      t.app.inject({
        method: 'PATCH',
        url: `/api/boards/${board.id}/members/${alice.user.id}`,
        headers: as(owner),
        payload: { role: 'viewer' },
      }),
      t.app.inject({
        method: 'PATCH',
        url: `/api/boards/${board.id}/members/${owner.user.id}`,
        headers: as(alice),
        payload: { role: 'viewer' },
      }),
    ]);
    // The loser is refused either as no longer an owner (403) or as the last owner's demoter (409).
    const statuses = [a.statusCode, b.statusCode].sort();
    expect(statuses[0]).toBe(200);
    expect([403, 409]).toContain(statuses[1]);
    const owners = await t.db.sql`select user_id from board_members where board_id = ${board.id} and role = 'owner'`;
    expect(owners).toHaveLength(1);
  });
});
