import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { addCard, addComment, deleteComment, editComment, moveCard } from '#shared/protocol/board-doc/edits.js';
import { readCard, readComment } from '#shared/protocol/board-doc/model.js';
import { boardView } from '#shared/protocol/board-doc/view.js';
import { CLOSE_CODES } from '#shared/protocol/close-codes.js';
import { userColor } from '#shared/protocol/user-color.js';
import type { BoardCards } from '#shared/schemas/cards.js';
import { buildTestApp, type TestApp } from '#test/helpers/app.js';
import { addMember, createBoard, createBoardWithMembers, signUp, type TestUser } from '#test/helpers/factories.js';
import {
  connectClient,
  nextClose,
  openRawSocket,
  socketClosed,
  storedDoc,
  syncUrl,
  waitForDoc,
  type SyncClient,
} from '#test/helpers/yjs.js';

let t: TestApp;
let owner: TestUser;
let editor: TestUser;
let viewer: TestUser;
let stranger: TestUser;
let boardId: string;
const clients: SyncClient[] = [];
const sockets: WebSocket[] = [];

async function client(user: TestUser, board = boardId): Promise<SyncClient> {
  const connected = await connectClient(t.app, board, user);
  clients.push(connected);
  return connected;
}

async function rawSocket(user: TestUser): Promise<WebSocket> {
  const opened = await openRawSocket(t.app, boardId, user.cookie);
  if (!('socket' in opened)) throw new Error(`refused with ${opened.status}`);
  sockets.push(opened.socket);
  return opened.socket;
}

const firstColumn = (doc: Y.Doc) => boardView(doc).columns[0].id;

beforeAll(async () => {
  t = await buildTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  owner = await signUp(t.app, 'Owner');
  editor = await signUp(t.app, 'Editor');
  viewer = await signUp(t.app, 'Viewer');
  stranger = await signUp(t.app, 'Stranger');
});

afterEach(async () => {
  for (const { provider } of clients.splice(0)) provider.destroy();
  for (const socket of sockets.splice(0)) socket.terminate();
});

afterAll(async () => {
  await t.close();
});

describe('sync endpoint', () => {
  beforeAll(async () => {
    boardId = (await createBoardWithMembers(t.app, owner, { editor, viewer })).id;
  });

  it("two members' providers see each other's card moves and comments", async () => {
    const a = await client(owner);
    const b = await client(editor);
    expect(boardView(a.doc).columns.map((c) => c.title)).toEqual(['Nominated', 'Shortlist', 'Scheduled', 'Read']);
    const cardId = addCard(a.doc, { paperId: 'paper-1', columnId: firstColumn(a.doc), addedBy: owner.user.id });
    await waitForDoc(b.doc, (doc) => readCard(doc, cardId) !== null);
    const target = boardView(b.doc).columns[2].id;
    moveCard(b.doc, cardId, { columnId: target });
    await waitForDoc(a.doc, (doc) => readCard(doc, cardId)?.columnId === target);
    const commentId = addComment(b.doc, { cardId, authorId: editor.user.id, body: 'Worth reading' });
    await waitForDoc(a.doc, (doc) => readComment(doc, commentId)?.body === 'Worth reading');
  });

  it('reflects an edit in GET /api/boards/:boardId/cards within a second', async () => {
    const paper = await t.app.inject({
      method: 'POST',
      url: '/api/papers',
      headers: { cookie: owner.cookie },
      payload: { title: 'A paper moved over the wire' },
    });
    const a = await client(owner);
    const target = boardView(a.doc).columns[1].id;
    const cardId = addCard(a.doc, { paperId: paper.json().id, columnId: target, addedBy: owner.user.id });
    const projected = async () => {
      const res = await t.app.inject({ url: `/api/boards/${boardId}/cards`, headers: { cookie: owner.cookie } });
      return (res.json() as BoardCards).cards.find((c) => c.id === cardId);
    };
    // The second is the contract (SyncSettings.projectionDelayMs): the poll fails if the card is not
    // there by then. Not polled faster: on the embedded database's one connection, the polling itself
    // delays the rewrite.
    await expect
      .poll(projected, { timeout: 1000, interval: 50 })
      .toMatchObject({ columnId: target, paper: { title: 'A paper moved over the wire' } });
  });

  it("closes a member's connection when their role changes, and reconnects them read-only", async () => {
    const member = await signUp(t.app, 'Demoted');
    await addMember(t.app, owner, boardId, member, 'editor');
    const watcher = await client(owner);
    const demoted = await client(member);
    const closed = nextClose(demoted.provider);
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/api/boards/${boardId}/members/${member.user.id}`,
      headers: { cookie: owner.cookie },
      payload: { role: 'viewer' },
    });
    expect(res.statusCode).toBe(200);
    expect(await closed).toMatchObject({ code: CLOSE_CODES.membershipChanged.code });
    // The provider reconnects by itself; its edits are now refused like any viewer's.
    await new Promise<void>((resolve) => {
      const onSync = (synced: boolean) => {
        if (!synced) return;
        demoted.provider.off('sync', onSync);
        resolve();
      };
      demoted.provider.on('sync', onSync);
    });
    const cardId = addCard(demoted.doc, {
      paperId: 'after-demotion',
      columnId: firstColumn(demoted.doc),
      addedBy: member.user.id,
    });
    const marker = addCard(watcher.doc, {
      paperId: 'marker-after-demotion',
      columnId: firstColumn(watcher.doc),
      addedBy: owner.user.id,
    });
    await waitForDoc(demoted.doc, (doc) => readCard(doc, marker) !== null);
    await t.app.sync.flushAll();
    expect(readCard(await storedDoc(t.db.sql, boardId), cardId)).toBeNull();
  });

  /** A raw socket listening from the start (the greeting can come with the upgrade's answer) and its sync frames. */
  function listeningSocket(user: TestUser) {
    const socket = new WebSocket(`${syncUrl(t.app)}/${boardId}`, { headers: { cookie: user.cookie } });
    sockets.push(socket);
    const frames: { type: number; payload: Uint8Array }[] = [];
    socket.on('message', (data: Buffer) => {
      const decoder = decoding.createDecoder(new Uint8Array(data));
      if (decoding.readVarUint(decoder) !== 0) return;
      const type = decoding.readVarUint(decoder);
      frames.push({ type, payload: decoding.readVarUint8Array(decoder) });
    });
    const step2s = () => frames.filter((f) => f.type === syncProtocol.messageYjsSyncStep2);
    return { socket, frames, step2s };
  }

  it('greets with the whole document, and leaves it out of the answer to the sync step 1 that follows', async () => {
    const { socket, frames, step2s } = listeningSocket(owner);
    await expect.poll(() => step2s().length).toBe(1);
    expect(frames[0].type).toBe(syncProtocol.messageYjsSyncStep1);
    const doc = new Y.Doc();
    Y.applyUpdate(doc, step2s()[0].payload);
    expect(boardView(doc).columns.map((c) => c.title)).toEqual(['Nominated', 'Shortlist', 'Scheduled', 'Read']);

    // A client that asked before the greeting arrived still has an empty state vector.
    await new Promise((resolve) =>
      socket.readyState === WebSocket.OPEN ? resolve(null) : socket.once('open', resolve),
    );
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, 0);
    syncProtocol.writeSyncStep1(encoder, new Y.Doc());
    socket.send(encoding.toUint8Array(encoder));
    await expect.poll(() => step2s().length).toBe(2);
    const answer = step2s()[1].payload;
    expect(answer.length).toBeLessThan(step2s()[0].payload.length / 10);
    const before = Y.encodeStateVector(doc);
    Y.applyUpdate(doc, answer);
    expect(Y.encodeStateVector(doc)).toEqual(before);

    // The greeting is encoded once per version of the document: a later one carries a later edit.
    const writer = await client(editor);
    const cardId = addCard(writer.doc, {
      paperId: 'greeted-paper',
      columnId: firstColumn(writer.doc),
      addedBy: editor.user.id,
    });
    await expect
      .poll(async () => {
        const next = listeningSocket(owner);
        await expect.poll(() => next.step2s().length).toBe(1);
        const greeted = new Y.Doc();
        Y.applyUpdate(greeted, next.step2s()[0].payload);
        next.socket.terminate();
        return readCard(greeted, cardId)?.paperId;
      })
      .toBe('greeted-paper');
  });

  it('refuses an upgrade without a session cookie with 401', async () => {
    expect(await openRawSocket(t.app, boardId)).toEqual({ status: 401 });
  });

  it('refuses non-members, unknown and malformed board ids alike with 403', async () => {
    expect(await openRawSocket(t.app, boardId, stranger.cookie)).toEqual({ status: 403 });
    expect(await openRawSocket(t.app, crypto.randomUUID(), owner.cookie)).toEqual({ status: 403 });
    expect(await openRawSocket(t.app, 'not-a-uuid', owner.cookie)).toEqual({ status: 403 });
  });

  it('connects a viewer read-only: they receive the document but their edits are applied nowhere', async () => {
    const watcher = await client(owner);
    const seen = await client(viewer);
    expect(boardView(seen.doc).columns).toHaveLength(4);
    const forbiddenCard = addCard(seen.doc, {
      paperId: 'viewer-paper',
      columnId: firstColumn(seen.doc),
      addedBy: viewer.user.id,
    });
    // Awareness travels on the same socket after the edit: once the watcher sees it, the edit was handled.
    seen.provider.awareness.setLocalStateField('cursor', 'after-edit');
    await new Promise<void>((resolve) => {
      const onChange = () => {
        const states = [...watcher.provider.awareness.getStates().values()];
        if (!states.some((state) => state.cursor === 'after-edit')) return;
        watcher.provider.awareness.off('change', onChange);
        resolve();
      };
      watcher.provider.awareness.on('change', onChange);
    });
    expect(seen.provider.wsconnected).toBe(true);
    expect(readCard(watcher.doc, forbiddenCard)).toBeNull();
    expect(readCard(t.app.sync.peek(boardId)!, forbiddenCard)).toBeNull();
    await t.app.sync.flushAll();
    expect(readCard(await storedDoc(t.db.sql, boardId), forbiddenCard)).toBeNull();
  });

  it("stamps awareness states with the sender's identity", async () => {
    const watcher = await client(owner);
    const spoofer = await client(editor);
    spoofer.provider.awareness.setLocalStateField('user', { id: owner.user.id, name: 'Not me' });
    await new Promise<void>((resolve) => {
      const onChange = () => {
        const state = watcher.provider.awareness.getStates().get(spoofer.doc.clientID);
        if (!state?.user) return;
        expect(state.user).toEqual({ id: editor.user.id, name: 'Editor', ...userColor(editor.user.id) });
        watcher.provider.awareness.off('change', onChange);
        resolve();
      };
      watcher.provider.awareness.on('change', onChange);
    });
  });
});

describe('integrity', () => {
  let cardId: string;
  let ownerComment: string;

  beforeAll(async () => {
    boardId = (await createBoard(t.app, owner)).id;
    await addMember(t.app, owner, boardId, editor, 'editor');
    const setup = await client(owner);
    cardId = addCard(setup.doc, { paperId: 'paper-x', columnId: firstColumn(setup.doc), addedBy: owner.user.id });
    ownerComment = addComment(setup.doc, { cardId, authorId: owner.user.id, body: 'Original' });
    await t.app.sync.flushAll();
    await waitForDoc(t.app.sync.peek(boardId)!, (doc) => readComment(doc, ownerComment) !== null);
    setup.provider.destroy();
  });

  /** Runs `forge` on an editor's replica and checks that only the offender's connection paid for it. */
  async function expectRefused(forge: (doc: Y.Doc) => string, present: (doc: Y.Doc, id: string) => boolean) {
    const observer = await client(owner);
    const offender = await client(editor);
    const closed = nextClose(offender.provider);
    const forgedId = forge(offender.doc);
    expect(await closed).toEqual({ code: CLOSE_CODES.forbidden.code, reason: CLOSE_CODES.forbidden.reason });
    // A later honest edit reaches the observer; the forged one, sent earlier, would have arrived first.
    const honest = await client(editor);
    const marker = addComment(honest.doc, { cardId, authorId: editor.user.id, body: 'honest' });
    await waitForDoc(observer.doc, (doc) => readComment(doc, marker) !== null);
    expect(present(observer.doc, forgedId)).toBe(false);
    await t.app.sync.flushAll();
    expect(present(await storedDoc(t.db.sql, boardId), forgedId)).toBe(false);
  }

  it("closes the connection of a client that clears a card's addedBy, so it cannot claim the card", async () => {
    await expectRefused(
      (doc) => {
        (doc.getMap('cards').get(cardId) as Y.Map<unknown>).delete('addedBy');
        return cardId;
      },
      (doc, id) => readCard(doc, id)?.addedBy !== owner.user.id,
    );
  });

  it("closes the connection of a client that forges a comment's authorId", async () => {
    await expectRefused(
      (doc) => addComment(doc, { cardId, authorId: owner.user.id, body: 'I am the owner' }),
      (doc, id) => readComment(doc, id) !== null,
    );
  });

  it("closes the connection of a client that edits another member's comment", async () => {
    await expectRefused(
      (doc) => {
        editComment(doc, ownerComment, 'Rewritten by the editor');
        return ownerComment;
      },
      (doc, id) => readComment(doc, id)?.body === 'Rewritten by the editor',
    );
  });

  it("closes the connection of a client that deletes another member's comment without moderation rights", async () => {
    await expectRefused(
      (doc) => {
        deleteComment(doc, ownerComment);
        return ownerComment;
      },
      (doc, id) => readComment(doc, id)?.deleted === true,
    );
  });

  it("closes the connection of a client that forges a card's addedBy", async () => {
    await expectRefused(
      (doc) => addCard(doc, { paperId: 'forged', columnId: firstColumn(doc), addedBy: owner.user.id }),
      (doc, id) => readCard(doc, id) !== null,
    );
  });

  it("closes the connection of a client that rewrites an existing card's addedBy", async () => {
    await expectRefused(
      (doc) => {
        (doc.getMap('cards').get(cardId) as Y.Map<unknown>).set('addedBy', editor.user.id);
        return cardId;
      },
      (doc, id) => readCard(doc, id)?.addedBy === editor.user.id,
    );
  });

  it("closes the connection of a client that removes another member's comment from the map", async () => {
    await expectRefused(
      (doc) => {
        doc.getMap('comments').delete(ownerComment);
        return ownerComment;
      },
      (doc, id) => readComment(doc, id) === null,
    );
  });

  it('closes the connection of a client that hides a forged edit among allowed ones, and applies neither', async () => {
    await expectRefused(
      (doc) => {
        doc.transact(() => {
          moveCard(doc, cardId, { columnId: boardView(doc).columns[1].id });
          (doc.getMap('comments').get(ownerComment) as Y.Map<unknown>).set('body', 'Smuggled');
        });
        return ownerComment;
      },
      (doc, id) => readComment(doc, id)?.body === 'Smuggled' || readCard(doc, cardId)?.columnId !== firstColumn(doc),
    );
  });

  it("lets an owner soft-delete another member's comment", async () => {
    const author = await client(editor);
    const moderator = await client(owner);
    const commentId = addComment(author.doc, { cardId, authorId: editor.user.id, body: 'Off topic' });
    await waitForDoc(moderator.doc, (doc) => readComment(doc, commentId) !== null);
    deleteComment(moderator.doc, commentId);
    await waitForDoc(author.doc, (doc) => readComment(doc, commentId)?.deleted === true);
    expect(moderator.provider.wsconnected).toBe(true);
  });
});

describe('loading', () => {
  it('closes connections with the unavailable code and keeps nothing in memory when a board cannot be loaded', async () => {
    const broken = (await createBoard(t.app, owner)).id;
    await t.db.sql`insert into board_updates (board_id, update) values (${broken}, ${Buffer.from([9, 9, 9])})`;
    const before = await t.db.sql`select id, update from board_updates where board_id = ${broken} order by id`;
    const opened = await openRawSocket(t.app, broken, owner.cookie);
    if (!('socket' in opened)) throw new Error(`refused with ${opened.status}`);
    sockets.push(opened.socket);
    expect(await socketClosed(opened.socket)).toBe(CLOSE_CODES.unavailable.code);
    expect(t.app.sync.peek(broken)).toBeNull();
    const after = await t.db.sql`select id, update from board_updates where board_id = ${broken} order by id`;
    expect(after).toEqual(before);
  });
});

describe('limits', () => {
  beforeAll(async () => {
    boardId = (await createBoard(t.app, owner)).id;
    await addMember(t.app, owner, boardId, editor, 'editor');
  });

  async function expectOthersStillSync() {
    const a = await client(owner);
    const b = await client(editor);
    const cardId = addCard(a.doc, {
      paperId: crypto.randomUUID(),
      columnId: firstColumn(a.doc),
      addedBy: owner.user.id,
    });
    await waitForDoc(b.doc, (doc) => readCard(doc, cardId) !== null);
    return { a, b };
  }

  it.each([
    ['an unknown message type', [99]],
    ['a truncated varint', [0x80]],
    ['an unknown sync message type', [0, 7]],
    ['an undecodable update', [0, 2, 4, 0xff, 0xff, 0xff, 0xff]],
  ])('closes only the connection that sends %s', async (_name, bytes) => {
    const { a, b } = await expectOthersStillSync();
    const bad = await rawSocket(editor);
    const closed = socketClosed(bad);
    bad.send(Uint8Array.from(bytes));
    expect(await closed).toBe(CLOSE_CODES.malformed.code);
    const cardId = addCard(b.doc, {
      paperId: crypto.randomUUID(),
      columnId: firstColumn(b.doc),
      addedBy: editor.user.id,
    });
    await waitForDoc(a.doc, (doc) => readCard(doc, cardId) !== null);
  });

  it('closes only the connection that sends an oversized frame', async () => {
    const { a, b } = await expectOthersStillSync();
    const bad = await rawSocket(editor);
    const closed = socketClosed(bad);
    bad.send(new Uint8Array(t.app.sync.settings.maxMessageBytes + 1));
    expect(await closed).toBe(CLOSE_CODES.tooLarge.code);
    const cardId = addCard(b.doc, {
      paperId: crypto.randomUUID(),
      columnId: firstColumn(b.doc),
      addedBy: editor.user.id,
    });
    await waitForDoc(a.doc, (doc) => readCard(doc, cardId) !== null);
  });

  it('closes a connection that sends faster than its rate limit', async () => {
    const bad = await rawSocket(editor);
    const closed = socketClosed(bad);
    const query = Uint8Array.from([3]);
    // Well past the burst: on a busy machine the server's handling is slow enough for tokens to refill.
    const { burst, perSecond } = t.app.sync.settings.rateLimit;
    for (let i = 0; i < burst + 10 * perSecond; i++) bad.send(query);
    expect(await closed).toBe(CLOSE_CODES.rateLimited.code);
  });
});
