import crypto from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityEntry } from '#shared/schemas/activity.js';
import { addCard, addComment, moveCard, removeCard } from '#shared/protocol/board-doc/edits.js';
import { readCard } from '#shared/protocol/board-doc/model.js';
import { boardView } from '#shared/protocol/board-doc/view.js';
import { buildTestApp, type TestApp } from '#test/helpers/app.js';
import { createBoardWithMembers, signUpCast, type TestUser } from '#test/helpers/factories.js';
import { connectSocket, joinBoard, nextEvent, type TestSocket } from '#test/helpers/socket.js';
import { connectClient, waitForDoc, type SyncClient } from '#test/helpers/yjs.js';

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
  const boardId = (await createBoardWithMembers(t.app, owner, { editor, viewer })).id;
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

describe('board activity from the board document', () => {
  const clients: SyncClient[] = [];
  const sockets: TestSocket[] = [];

  afterEach(() => {
    for (const { provider } of clients.splice(0)) provider.destroy();
    for (const socket of sockets.splice(0)) socket.close();
  });

  async function boardWithMembers(): Promise<string> {
    return (await createBoardWithMembers(t.app, owner, { editor, viewer })).id;
  }

  async function client(boardId: string, user: TestUser): Promise<SyncClient> {
    const connected = await connectClient(t.app, boardId, user);
    clients.push(connected);
    return connected;
  }

  /** The owner's socket.io client in the board's room, collecting every `activity:new`. */
  async function watch(
    boardId: string,
  ): Promise<{ received: ActivityEntry[]; next: (kind: string) => Promise<ActivityEntry> }> {
    const socket = await connectSocket(t.app, owner);
    sockets.push(socket);
    expect(await joinBoard(socket, boardId)).toEqual({ ok: true });
    const received: ActivityEntry[] = [];
    socket.on('activity:new', (entry) => received.push(entry));
    return { received, next: (kind) => nextEvent(socket, 'activity:new', (entry) => entry.kind === kind) };
  }

  async function documentActivity(boardId: string): Promise<ActivityEntry[]> {
    const res = await activity(owner, boardId);
    expect(res.statusCode, res.body).toBe(200);
    const items: ActivityEntry[] = res.json().items;
    return items.filter((i) => i.kind.startsWith('card:') || i.kind.startsWith('comment:')).reverse();
  }

  function columns(c: SyncClient): string[] {
    return boardView(c.doc).columns.map((column) => column.id);
  }

  it('records cards added, moved to another column and removed, by the member who did it, pushed live', async () => {
    const boardId = await boardWithMembers();
    const live = await watch(boardId);
    const { doc } = await client(boardId, editor);
    const [first, second] = columns({ doc } as SyncClient);

    const added = live.next('card:added');
    const cardId = addCard(doc, { paperId: 'paper-a', columnId: first, addedBy: editor.user.id });
    expect(await added).toMatchObject({
      boardId,
      kind: 'card:added',
      actorId: editor.user.id,
      actorName: 'Editor',
      cardId,
      details: { paperId: 'paper-a', columnId: first },
    });

    const moved = live.next('card:moved');
    moveCard(doc, cardId, { columnId: second });
    expect(await moved).toMatchObject({
      kind: 'card:moved',
      actorId: editor.user.id,
      cardId,
      details: { fromColumnId: first, toColumnId: second },
    });

    const removed = live.next('card:removed');
    removeCard(doc, cardId);
    expect(await removed).toMatchObject({
      kind: 'card:removed',
      actorId: editor.user.id,
      cardId,
      details: { paperId: 'paper-a' },
    });

    const logged = await documentActivity(boardId);
    expect(logged.map((i) => [i.kind, i.actorId, i.cardId])).toEqual([
      ['card:added', editor.user.id, cardId],
      ['card:moved', editor.user.id, cardId],
      ['card:removed', editor.user.id, cardId],
    ]);
    expect(logged).toEqual(live.received);
  });

  it('records comments and replies without their body', async () => {
    const boardId = await boardWithMembers();
    const live = await watch(boardId);
    const { doc } = await client(boardId, editor);
    const cardId = addCard(doc, {
      paperId: 'paper-b',
      columnId: columns({ doc } as SyncClient)[0],
      addedBy: editor.user.id,
    });
    const commented = live.next('comment:added');
    const commentId = addComment(doc, { cardId, authorId: editor.user.id, body: 'Worth a read' });
    expect(await commented).toMatchObject({ actorId: editor.user.id, cardId, details: { commentId, replyTo: null } });

    const owners = await client(boardId, owner);
    await waitForDoc(owners.doc, (d) => readCard(d, cardId) !== null);
    const replied = live.next('comment:added');
    const replyId = addComment(owners.doc, { cardId, authorId: owner.user.id, body: 'Agreed', replyTo: commentId });
    const reply = await replied;
    expect(reply).toMatchObject({
      actorId: owner.user.id,
      cardId,
      details: { commentId: replyId, replyTo: commentId },
    });
    expect(JSON.stringify(reply)).not.toContain('Agreed');
  });

  it('does not record a reorder within a column', async () => {
    const boardId = await boardWithMembers();
    const live = await watch(boardId);
    const { doc } = await client(boardId, editor);
    const [first, second] = columns({ doc } as SyncClient);
    const top = addCard(doc, { paperId: 'paper-c', columnId: first, addedBy: editor.user.id });
    addCard(doc, { paperId: 'paper-d', columnId: first, addedBy: editor.user.id });
    moveCard(doc, top, { columnId: first, index: 1 });
    expect(
      boardView(doc)
        .columns[0].cards.map((c) => c.id)
        .at(-1),
    ).toBe(top);
    // A recorded change sent after the reorder on the same connection: anything the reorder had
    // produced would be recorded (and pushed) before it.
    const moved = live.next('card:moved');
    moveCard(doc, top, { columnId: second });
    await moved;
    expect(live.received.map((i) => i.kind)).toEqual(['card:added', 'card:added', 'card:moved']);
    expect(live.received[2].details).toEqual({ fromColumnId: first, toColumnId: second });
  });

  it('records a paper nominated through the REST route, with the caller as actor', async () => {
    const boardId = await boardWithMembers();
    const live = await watch(boardId);
    const imported = await t.app.inject({
      method: 'POST',
      url: '/api/papers/import',
      headers: { cookie: editor.cookie },
      payload: { text: `Nominated over REST ${crypto.randomUUID()}\nAn abstract.`, format: 'trending' },
    });
    expect(imported.statusCode, imported.body).toBe(200);
    const paperId: string = imported.json().created[0].id;
    const added = live.next('card:added');
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/boards/${boardId}/cards`,
      headers: { cookie: editor.cookie },
      payload: { paperId },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(await added).toMatchObject({
      actorId: editor.user.id,
      cardId: res.json().cardId,
      details: { paperId, columnId: res.json().columnId },
    });
  });

  it("records nothing for a viewer's refused write", async () => {
    const boardId = await boardWithMembers();
    const live = await watch(boardId);
    const editors = await client(boardId, editor);
    const viewers = await client(boardId, viewer);
    addCard(viewers.doc, { paperId: 'paper-e', columnId: columns(viewers)[0], addedBy: viewer.user.id });
    // The viewer's connection handles frames in order: once its presence (sent after the write)
    // reaches the editor, the server has handled the write.
    viewers.provider.awareness.setLocalStateField('viewing', 'after-write');
    await new Promise<void>((resolve) => {
      const check = () => {
        const states = [...editors.provider.awareness.getStates().values()];
        if (!states.some((s) => s.viewing === 'after-write')) return;
        editors.provider.awareness.off('change', check);
        resolve();
      };
      editors.provider.awareness.on('change', check);
      check();
    });
    const added = live.next('card:added');
    addCard(editors.doc, { paperId: 'paper-f', columnId: columns(editors)[0], addedBy: editor.user.id });
    await added;
    expect((await documentActivity(boardId)).map((i) => [i.kind, i.actorId, i.details.paperId])).toEqual([
      ['card:added', editor.user.id, 'paper-f'],
    ]);
  });
});
