import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { addMember, createBoard, signUpCast, type TestUser } from '../helpers/factories.js';
import { connectSocket, joinBoard, nextEvent } from '../helpers/socket.js';

let t: TestApp;
let owner: TestUser;
let editor: TestUser;
let viewer: TestUser;

beforeAll(async () => {
  t = await buildTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  ({ owner, editor, viewer } = await signUpCast(t.app));
});
afterAll(() => t.close());

async function boardWithCard(): Promise<{ boardId: string; cardId: string }> {
  const boardId = (await createBoard(t.app, owner)).id;
  await addMember(t.app, owner, boardId, editor, 'editor');
  await addMember(t.app, owner, boardId, viewer, 'viewer');
  const cardId = `card-${crypto.randomBytes(4).toString('hex')}`;
  await t.db.sql`
    insert into board_cards (board_id, card_id, raw_paper_id, column_id, position, added_by, added_at)
    values (${boardId}, ${cardId}, 'no-paper', 'column', 0, ${owner.user.id}, now())`;
  return { boardId, cardId };
}

function activity(user: TestUser, boardId: string, query = '') {
  return t.app.inject({ url: `/api/boards/${boardId}/activity${query}`, headers: { cookie: user.cookie } });
}

function vote(user: TestUser, boardId: string, cardId: string, method: 'PUT' | 'DELETE' = 'PUT') {
  return t.app.inject({ method, url: `/api/boards/${boardId}/cards/${cardId}/vote`, headers: { cookie: user.cookie } });
}

describe('board activity', () => {
  it('records member joins and votes, newest first', async () => {
    const { boardId, cardId } = await boardWithCard();
    await vote(editor, boardId, cardId);
    await vote(editor, boardId, cardId, 'DELETE');
    const res = await activity(viewer, boardId);
    expect(res.statusCode, res.body).toBe(200);
    const items = res.json().items as { kind: string; actorId: string; actorName: string; cardId: string | null }[];
    expect(items.map((i) => [i.kind, i.actorId])).toEqual([
      ['vote:removed', editor.user.id],
      ['vote:cast', editor.user.id],
      ['member:joined', viewer.user.id],
      ['member:joined', editor.user.id],
      ['member:joined', owner.user.id],
    ]);
    expect(items[0]).toMatchObject({ cardId, actorName: 'Editor' });
    expect(res.json().nextBefore).toBeNull();
  });

  it('does not record a repeated vote that changes nothing', async () => {
    const { boardId, cardId } = await boardWithCard();
    await vote(editor, boardId, cardId);
    await vote(editor, boardId, cardId);
    const kinds = (await activity(owner, boardId)).json().items.map((i: { kind: string }) => i.kind);
    expect(kinds.filter((k: string) => k === 'vote:cast')).toHaveLength(1);
  });

  it('pages with before, each entry once', async () => {
    const { boardId, cardId } = await boardWithCard();
    await vote(editor, boardId, cardId);
    await vote(owner, boardId, cardId);
    const all = (await activity(owner, boardId)).json().items.map((i: { id: string }) => i.id);
    const seen: string[] = [];
    let before: string | null = null;
    do {
      const res = await activity(owner, boardId, `?limit=2${before ? `&before=${before}` : ''}`);
      const page: { items: { id: string }[]; nextBefore: string | null } = res.json();
      seen.push(...page.items.map((i) => i.id));
      before = page.nextBefore;
    } while (before);
    expect(seen).toEqual(all);
    expect(all).toHaveLength(5);
  });

  it('refuses a malformed before or limit, naming the field', async () => {
    const { boardId } = await boardWithCard();
    expect((await activity(owner, boardId, '?before=abc')).json().message).toContain('querystring/before');
    expect((await activity(owner, boardId, '?limit=0')).json().message).toContain('querystring/limit');
  });

  it('pushes new entries live as activity:new', async () => {
    const { boardId, cardId } = await boardWithCard();
    const socket = await connectSocket(t.app, viewer);
    try {
      expect(await joinBoard(socket, boardId)).toEqual({ ok: true });
      const received = nextEvent(socket, 'activity:new', (e) => e.cardId === cardId);
      await vote(editor, boardId, cardId);
      expect(await received).toMatchObject({ boardId, kind: 'vote:cast', actorId: editor.user.id, cardId });
    } finally {
      socket.close();
    }
  });
});
