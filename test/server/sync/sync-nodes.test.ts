import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { addCard, addComment, moveCard } from '#shared/protocol/board-doc/edits.js';
import { readCard } from '#shared/protocol/board-doc/model.js';
import { CLOSE_CODES } from '#shared/protocol/close-codes.js';
import { boardView } from '#shared/protocol/board-doc/view.js';
import { NOTE_ROOT, noteRoom } from '#shared/protocol/notes.js';
import { boardRoom } from '#shared/protocol/socket-events.js';
import { userColor } from '#shared/protocol/user-color.js';
import { noteMarkdown } from '#server/features/notes/notes.service.js';
import type { ActivityEntry } from '#shared/schemas/activity.js';
import { addMember, signUp, type TestUser } from '#test/helpers/factories.js';
import { describeOnEachBus, startTwoNodes, type TwoNodes } from '#test/helpers/nodes.js';
import { connectSocket, joinBoard, nextEvent } from '#test/helpers/socket.js';
import { connectClient, nextClose, storedDoc, waitForDoc, type SyncClient } from '#test/helpers/yjs.js';

// Two server nodes on one PostgreSQL database, each with its own connection pool, as two processes
// behind a load balancer would be; they talk through PostgreSQL's NOTIFY or through Redis.
describeOnEachBus('two nodes on one database', (bus) => {
  let two: TwoNodes;
  let nodes: TwoNodes['nodes'];
  let alice: TestUser;
  let bob: TestUser;
  let boardId: string;
  const clients: SyncClient[] = [];

  beforeAll(async () => {
    two = await startTwoNodes({ bus });
    ({ nodes, alice, bob, boardId } = two);
  });

  // Each provider holds a listener on the process: they go with their test.
  afterEach(() => {
    for (const { provider } of clients.splice(0)) provider.destroy();
  });

  afterAll(async () => {
    await two?.close();
  });

  async function client(node: FastifyInstance, user: TestUser, room = boardId): Promise<SyncClient> {
    const connected = await connectClient(node, room, user);
    clients.push(connected);
    return connected;
  }

  it("shows each node's edits to the clients of the other", async () => {
    const onFirst = await client(nodes[0], alice);
    const onSecond = await client(nodes[1], bob);
    const cardId = addCard(onFirst.doc, {
      paperId: 'cross-node-paper',
      columnId: boardView(onFirst.doc).columns[0].id,
      addedBy: alice.user.id,
    });
    await waitForDoc(onSecond.doc, (doc) => readCard(doc, cardId) !== null);
    const read = boardView(onSecond.doc).columns[3].id;
    moveCard(onSecond.doc, cardId, { columnId: read });
    await waitForDoc(onFirst.doc, (doc) => readCard(doc, cardId)?.columnId === read);
    expect(boardView(onFirst.doc)).toEqual(boardView(onSecond.doc));
  });

  it("shows each node's presence to the clients of the other, with the server's identity", async () => {
    const onFirst = await client(nodes[0], alice);
    const onSecond = await client(nodes[1], bob);
    onFirst.provider.awareness.setLocalStateField('viewing', 'card-42');
    await new Promise<void>((resolve) => {
      const check = () => {
        const seen = [...onSecond.provider.awareness.getStates().values()].find((s) => s.viewing === 'card-42');
        if (!seen) return;
        expect(seen.user).toEqual({ id: alice.user.id, name: 'Alice', ...userColor(alice.user.id) });
        onSecond.provider.awareness.off('change', check);
        resolve();
      };
      onSecond.provider.awareness.on('change', check);
      check();
    });
  });

  it('records a move made through one node exactly once, and pushes it to the clients of the other', async () => {
    const onFirst = await client(nodes[0], alice);
    const onSecond = await client(nodes[1], bob);
    const socket = await connectSocket(nodes[1], alice);
    try {
      expect(await joinBoard(socket, boardId)).toEqual({ ok: true });
      const columns = boardView(onFirst.doc).columns.map((c) => c.id);
      const cardId = addCard(onFirst.doc, { paperId: 'activity-paper', columnId: columns[0], addedBy: alice.user.id });
      await waitForDoc(onSecond.doc, (doc) => readCard(doc, cardId) !== null);

      const moved = nextEvent(socket, 'activity:new', (e) => e.kind === 'card:moved' && e.cardId === cardId);
      moveCard(onFirst.doc, cardId, { columnId: columns[2] });
      expect(await moved).toMatchObject({
        actorId: alice.user.id,
        details: { fromColumnId: columns[0], toColumnId: columns[2] },
      });
      // The second node has applied the move (its client shows it); a comment it receives afterwards
      // is recorded after anything it could have derived from the move.
      await waitForDoc(onSecond.doc, (doc) => readCard(doc, cardId)?.columnId === columns[2]);
      const commented = nextEvent(socket, 'activity:new', (e) => e.kind === 'comment:added' && e.cardId === cardId);
      addComment(onSecond.doc, { cardId, authorId: bob.user.id, body: 'Across nodes' });
      await commented;

      const res = await nodes[0].inject({ url: `/api/boards/${boardId}/activity`, headers: { cookie: alice.cookie } });
      expect(res.statusCode, res.body).toBe(200);
      const items: ActivityEntry[] = res.json().items;
      expect(
        items
          .filter((i) => i.cardId === cardId)
          .reverse()
          .map((i) => [i.kind, i.actorId]),
      ).toEqual([
        ['card:added', alice.user.id],
        ['card:moved', alice.user.id],
        ['comment:added', bob.user.id],
      ]);
    } finally {
      socket.close();
    }
  });

  it("carries a card's note between nodes both ways, with presence, and stores each keystroke once", async () => {
    const board = await client(nodes[0], alice);
    const cardId = addCard(board.doc, {
      paperId: 'noted-paper',
      columnId: boardView(board.doc).columns[0].id,
      addedBy: alice.user.id,
    });
    // The other node opens the note only once its copy of the board has the card (checked at the upgrade).
    await waitForDoc(nodes[1].sync.peek(boardId)!, (doc) => readCard(doc, cardId) !== null);
    const onFirst = await client(nodes[0], alice, noteRoom(boardId, cardId));
    const onSecond = await client(nodes[1], bob, noteRoom(boardId, cardId));
    const words = (who: string) => Array.from({ length: 20 }, (_, i) => `${who}${i} `);
    for (const [a, b] of words('alice').map((w, i) => [w, words('bob')[i]])) {
      onFirst.doc.getText(NOTE_ROOT).insert(0, a);
      onSecond.doc.getText(NOTE_ROOT).insert(onSecond.doc.getText(NOTE_ROOT).length, b);
    }
    const done = (doc: Parameters<typeof waitForDoc>[0]) => {
      const text = doc.getText(NOTE_ROOT).toString();
      return text.includes('alice19 ') && text.includes('bob19 ');
    };
    await waitForDoc(onFirst.doc, done);
    await waitForDoc(onSecond.doc, done);
    const text = onFirst.doc.getText(NOTE_ROOT).toString();
    expect(onSecond.doc.getText(NOTE_ROOT).toString()).toBe(text);
    expect(text.split(' ').filter(Boolean).sort()).toEqual(
      [...words('alice'), ...words('bob')].map((w) => w.trim()).sort(),
    );

    onSecond.provider.awareness.setLocalStateField('cursor', { at: 1 });
    await new Promise<void>((resolve) => {
      const check = () => {
        const seen = [...onFirst.provider.awareness.getStates().values()].some((s) => s.user?.id === bob.user.id);
        if (!seen) return;
        onFirst.provider.awareness.off('change', check);
        resolve();
      };
      onFirst.provider.awareness.on('change', check);
      check();
    });
    // Both nodes wrote to the one log; read back, the note holds each word once.
    await expect.poll(() => noteMarkdown(nodes[0].sql, boardId, cardId), { timeout: 10_000 }).toBe(text);
  });
  /** Resolves once a provider has synced again (after a reconnect). */
  function resynced(synced: SyncClient): Promise<void> {
    return new Promise((resolve) => {
      const onSync = (done: boolean) => {
        if (!done) return;
        synced.provider.off('sync', onSync);
        resolve();
      };
      synced.provider.on('sync', onSync);
    });
  }

  it('takes write access from an editor demoted to viewer through one node on the other node', async () => {
    const dana = await signUp(nodes[0], 'Dana');
    await addMember(nodes[0], alice, boardId, dana, 'editor');
    const watcher = await client(nodes[1], alice);
    const demoted = await client(nodes[1], dana);
    const closed = nextClose(demoted.provider);
    const res = await nodes[0].inject({
      method: 'PATCH',
      url: `/api/boards/${boardId}/members/${dana.user.id}`,
      headers: { cookie: alice.cookie },
      payload: { role: 'viewer' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(await closed).toMatchObject({ code: CLOSE_CODES.membershipChanged.code });
    // The provider reconnects by itself, to the same node, now as a viewer: its edits are refused.
    await resynced(demoted);
    const refused = addCard(demoted.doc, {
      paperId: 'after-demotion-elsewhere',
      columnId: boardView(demoted.doc).columns[0].id,
      addedBy: dana.user.id,
    });
    const marker = addCard(watcher.doc, {
      paperId: 'marker-after-demotion-elsewhere',
      columnId: boardView(watcher.doc).columns[0].id,
      addedBy: alice.user.id,
    });
    await waitForDoc(demoted.doc, (doc) => readCard(doc, marker) !== null);
    await nodes[1].sync.flushAll();
    const stored = await storedDoc(nodes[0].sql, boardId);
    expect(readCard(stored, marker)).not.toBeNull();
    expect(readCard(stored, refused)).toBeNull();
  });

  it('disconnects a member removed through one node from the board on the other, socket.io room included', async () => {
    const erin = await signUp(nodes[0], 'Erin');
    await addMember(nodes[0], alice, boardId, erin, 'editor');
    const removed = await client(nodes[1], erin);
    const socket = await connectSocket(nodes[1], erin);
    try {
      expect(await joinBoard(socket, boardId)).toEqual({ ok: true });
      const closed = nextClose(removed.provider);
      const res = await nodes[0].inject({
        method: 'DELETE',
        url: `/api/boards/${boardId}/members/${erin.user.id}`,
        headers: { cookie: alice.cookie },
      });
      expect(res.statusCode, res.body).toBe(204);
      expect(await closed).toMatchObject({ code: CLOSE_CODES.membershipChanged.code });
      // Out of the room: an event for the board no longer reaches the socket, while one raised after it
      // reaches a member's socket on the same node (so the first had time to arrive, had it been sent).
      let leaked = false;
      socket.on('votes:changed', () => (leaked = true));
      const member = await connectSocket(nodes[1], bob);
      try {
        expect(await joinBoard(member, boardId)).toEqual({ ok: true });
        await expect
          .poll(async () => (await nodes[1].io.in(boardRoom(boardId)).local.fetchSockets()).map((s) => s.data.user.id))
          .not.toContain(erin.user.id);
        const seen = nextEvent(member, 'votes:changed', (p) => p.cardId === 'after-removal');
        const tally = { voters: 0, dots: 0 };
        await nodes[0].emitToBoard(boardId, 'votes:changed', { boardId, cardId: 'after-removal', tally, version: 1 });
        await seen;
        expect(leaked).toBe(false);
      } finally {
        member.close();
      }
    } finally {
      socket.close();
    }
  });
});
