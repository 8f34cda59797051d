import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { addCard, removeCard } from '#shared/protocol/board-doc/edits.js';
import { boardView } from '#shared/protocol/board-doc/view.js';
import { CLOSE_CODES } from '#shared/protocol/close-codes.js';
import { NOTE_ROOT, noteRoom } from '#shared/protocol/notes.js';
import { buildApp } from '#server/app.js';
import { noteMarkdown } from '#server/features/notes/notes.service.js';
import { ServerEdit } from '#server/sync/board-room.js';
import { buildTestApp, type TestApp } from '#test/helpers/app.js';
import { createBoardWithMembers, signUp, type TestUser } from '#test/helpers/factories.js';
import { connectClient, nextClose, openRawSocket, waitForDoc, type SyncClient } from '#test/helpers/yjs.js';

// Cards' notes: rooms of their own (`<boardId>/notes/<cardId>`) on the board machinery.

let t: TestApp | null = null;
let extraApp: FastifyInstance | null = null;
const clients: SyncClient[] = [];

interface Cast {
  app: FastifyInstance;
  t: TestApp;
  owner: TestUser;
  editor: TestUser;
  viewer: TestUser;
  boardId: string;
  cardId: string;
}

async function start(): Promise<Cast> {
  t = await buildTestApp();
  t.app.sync.settings.idleUnloadMs = 20;
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const owner = await signUp(t.app, 'Owner');
  const editor = await signUp(t.app, 'Editor');
  const viewer = await signUp(t.app, 'Viewer');
  const { id: boardId } = await createBoardWithMembers(t.app, owner, { editor, viewer });
  const cardId = await t.app.sync.edit(boardId, new ServerEdit(owner.user.id), (doc) =>
    addCard(doc, { paperId: 'paper-1', columnId: boardView(doc).columns[0].id, addedBy: owner.user.id }),
  );
  return { app: t.app, t, owner, editor, viewer, boardId, cardId };
}

async function note(app: FastifyInstance, boardId: string, cardId: string, user: TestUser): Promise<SyncClient> {
  const client = await connectClient(app, noteRoom(boardId, cardId), user);
  clients.push(client);
  return client;
}

const textOf = (doc: Y.Doc) => doc.getText(NOTE_ROOT).toString();

/** Rows of one document's log: '' the board's, `notes/<cardId>` a note's. */
async function rows(sql: TestApp['db']['sql'], boardId: string, doc: string): Promise<number> {
  const [row]: [{ n: number }] = await sql`
    select count(*)::int as n from board_updates where board_id = ${boardId} and doc = ${doc}`;
  return row.n;
}

async function disconnectAll(app: FastifyInstance): Promise<void> {
  for (const { provider } of clients.splice(0)) provider.destroy();
  await vi.waitFor(() => expect(app.sync.loadedCount).toBe(0), { timeout: 30_000, interval: 10 });
}

afterEach(async () => {
  for (const { provider } of clients.splice(0)) provider.destroy();
  if (extraApp) await extraApp.close();
  extraApp = null;
  if (t) await t.close();
  t = null;
});

describe('card notes', { timeout: 60_000 }, () => {
  it('converge when two members type in the same note at the same time', async () => {
    const { app, owner, editor, boardId, cardId } = await start();
    const a = await note(app, boardId, cardId, owner);
    const b = await note(app, boardId, cardId, editor);
    const words = (prefix: string) => Array.from({ length: 30 }, (_, i) => `${prefix}${i} `);
    const ownerWords = words('owner');
    const editorWords = words('editor');
    for (let i = 0; i < ownerWords.length; i++) {
      // Each types at the end of what it has: both edits race at once.
      const ta = a.doc.getText(NOTE_ROOT);
      ta.insert(ta.length, ownerWords[i]);
      const tb = b.doc.getText(NOTE_ROOT);
      tb.insert(i % 2 ? 0 : tb.length, editorWords[i]);
    }
    const complete = (doc: Y.Doc) => textOf(doc).length === [...ownerWords, ...editorWords].join('').length;
    await Promise.all([waitForDoc(a.doc, complete), waitForDoc(b.doc, complete)]);
    expect(textOf(a.doc)).toBe(textOf(b.doc));
    for (const word of [...ownerWords, ...editorWords]) expect(textOf(a.doc)).toContain(word);
    await vi.waitFor(async () => expect(await noteMarkdown(t!.db.sql, boardId, cardId)).toBe(textOf(a.doc)));
    // Who wrote, for the digest.
    await vi.waitFor(async () => {
      const writers = await t!.db.sql<{ userId: string }[]>`
        select user_id from card_note_edits where board_id = ${boardId} and card_id = ${cardId} order by user_id`;
      expect(writers.map((w) => w.userId)).toEqual([owner.user.id, editor.user.id].sort());
    });
  });

  it("show remote cursors' owners as the server knows them, with their colour", async () => {
    const { app, owner, editor, boardId, cardId } = await start();
    const a = await note(app, boardId, cardId, owner);
    const b = await note(app, boardId, cardId, editor);
    b.provider.awareness.setLocalStateField('user', { id: owner.user.id, name: 'Not me', color: '#000000' });
    await vi.waitFor(() => {
      const state = a.provider.awareness.getStates().get(b.doc.clientID) as { user?: { id: string; name: string } };
      expect(state?.user).toMatchObject({ id: editor.user.id, name: 'Editor' });
      expect(state?.user).not.toMatchObject({ color: '#000000' });
    });
  });

  it("ignore a viewer's writes, and still send the viewer the note", async () => {
    const { app, owner, viewer, boardId, cardId } = await start();
    const a = await note(app, boardId, cardId, owner);
    a.doc.getText(NOTE_ROOT).insert(0, 'Owner wrote this.');
    const v = await note(app, boardId, cardId, viewer);
    await waitForDoc(v.doc, (doc) => textOf(doc) === 'Owner wrote this.');
    v.doc.getText(NOTE_ROOT).insert(0, 'VIEWER ');
    // An edit after the viewer's, on the same socket order: once it arrives, the viewer's would have too.
    a.doc.getText(NOTE_ROOT).insert(textOf(a.doc).length, ' More.');
    await waitForDoc(v.doc, (doc) => textOf(doc).endsWith(' More.'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(textOf(a.doc)).toBe('Owner wrote this. More.');
    expect(textOf(app.sync.peek(noteRoom(boardId, cardId))!)).toBe('Owner wrote this. More.');
  });

  it('refuse the upgrade without a session, to non-members, to other origins, and for cards not on the board', async () => {
    const { app, owner, boardId, cardId } = await start();
    const stranger = await signUp(app, 'Stranger');
    const status = async (room: string, cookie?: string, headers?: Record<string, string>) => {
      // A path that is no sync path is destroyed without an answer: 0.
      const opened = await openRawSocket(app, room, cookie, headers).catch(() => ({ status: 0 }));
      if ('socket' in opened) {
        opened.socket.terminate();
        return 101;
      }
      return opened.status;
    };
    expect(await status(noteRoom(boardId, cardId))).toBe(401);
    expect(await status(noteRoom(boardId, cardId), stranger.cookie)).toBe(403);
    expect(await status(noteRoom(boardId, cardId), owner.cookie, { origin: 'https://evil.example' })).toBe(403);
    expect(await status(noteRoom(boardId, 'no-such-card'), owner.cookie)).toBe(404);
    expect(await status(noteRoom(boardId, 'bad.card%20id'), owner.cookie)).toBe(404);
    expect(await status(`${boardId}/notes/${cardId}/more`, owner.cookie)).toBe(0);
    expect(await status(noteRoom(boardId, cardId), owner.cookie)).toBe(101);
  });

  it('keep the note of a card taken off the board, for when it comes back', async () => {
    const { app, owner, boardId, cardId } = await start();
    const a = await note(app, boardId, cardId, owner);
    a.doc.getText(NOTE_ROOT).insert(0, 'Kept.');
    await vi.waitFor(async () => expect(await noteMarkdown(t!.db.sql, boardId, cardId)).toBe('Kept.'));
    const board = await connectClient(app, boardId, owner);
    clients.push(board);
    const undo = new Y.UndoManager(board.doc.getMap('cards'));
    removeCard(board.doc, cardId);
    await waitForDoc(app.sync.peek(boardId)!, (doc) => !doc.getMap('cards').has(cardId));
    expect(await openRawSocket(app, noteRoom(boardId, cardId), owner.cookie)).toEqual({ status: 404 });
    // Undo puts the card back under its id.
    undo.undo();
    await waitForDoc(app.sync.peek(boardId)!, (doc) => doc.getMap('cards').has(cardId));
    const back = await note(app, boardId, cardId, owner);
    expect(textOf(back.doc)).toBe('Kept.');
  });

  it('merge what a member wrote offline with what others wrote meanwhile, once they reconnect', async () => {
    const { app, owner, editor, boardId, cardId } = await start();
    const a = await note(app, boardId, cardId, owner);
    const b = await note(app, boardId, cardId, editor);
    a.doc.getText(NOTE_ROOT).insert(0, 'Shared start.\n');
    await waitForDoc(b.doc, (doc) => doc.getText(NOTE_ROOT).toString() === 'Shared start.\n');
    b.provider.disconnect();
    b.doc.getText(NOTE_ROOT).insert(0, 'Written on the train. ');
    a.doc.getText(NOTE_ROOT).insert(a.doc.getText(NOTE_ROOT).length, 'Written in the room.');
    await vi.waitFor(async () =>
      expect(await noteMarkdown(t!.db.sql, boardId, cardId)).toBe('Shared start.\nWritten in the room.'),
    );
    b.provider.connect();
    const merged = 'Written on the train. Shared start.\nWritten in the room.';
    await waitForDoc(a.doc, (doc) => textOf(doc) === merged);
    await waitForDoc(b.doc, (doc) => textOf(doc) === merged);
    await vi.waitFor(async () => expect(await noteMarkdown(t!.db.sql, boardId, cardId)).toBe(merged));
  });

  it('keep an open note connected and saving when its card is taken off the board meanwhile', async () => {
    const { app, owner, editor, boardId, cardId } = await start();
    const writer = await note(app, boardId, cardId, editor);
    let closed = false;
    writer.provider.on('connection-close', () => (closed = true));
    writer.doc.getText(NOTE_ROOT).insert(0, 'Before. ');
    const board = await connectClient(app, boardId, owner);
    clients.push(board);
    removeCard(board.doc, cardId);
    await waitForDoc(app.sync.peek(boardId)!, (doc) => !doc.getMap('cards').has(cardId));
    // Someone taking notes while another member removes the card loses nothing: the card may come back
    // (Undo), and its note with it. Only new connections are refused (previous test).
    writer.doc.getText(NOTE_ROOT).insert(8, 'After.');
    await vi.waitFor(async () => expect(await noteMarkdown(t!.db.sql, boardId, cardId)).toBe('Before. After.'), {
      timeout: 10_000,
    });
    expect(closed).toBe(false);
    expect(writer.provider.wsconnected).toBe(true);
  });

  it("are stored apart from the board's document, which they leave untouched", async () => {
    const { app, owner, boardId, cardId } = await start();
    const board = await connectClient(app, boardId, owner);
    clients.push(board);
    const projected = async () => {
      const [row]: [{ n: number }] = await t!.db.sql`
        select count(*)::int as n from board_cards where board_id = ${boardId}`;
      return row.n;
    };
    await vi.waitFor(async () => expect(await projected()).toBe(1));
    const boardRows = await rows(t!.db.sql, boardId, '');
    const before = board.doc.getMap('cards').toJSON();
    const a = await note(app, boardId, cardId, owner);
    for (let i = 0; i < 20; i++) a.doc.getText(NOTE_ROOT).insert(0, `line ${i}\n`);
    await vi.waitFor(async () => expect(await rows(t!.db.sql, boardId, `notes/${cardId}`)).toBeGreaterThan(0));
    await app.sync.flushAll();
    expect(await rows(t!.db.sql, boardId, '')).toBe(boardRows);
    expect(board.doc.getText(NOTE_ROOT).length).toBe(0);
    expect(app.sync.peek(boardId)!.getText(NOTE_ROOT).length).toBe(0);
    expect(board.doc.getMap('cards').toJSON()).toEqual(before);
    // The projection (which would find no card in a note) still shows the one card, past its delay.
    await new Promise((resolve) => setTimeout(resolve, app.sync.settings.projectionDelayMs + 200));
    expect(await projected()).toBe(1);
  });

  it('survive a restart of the app', async () => {
    const { app, owner, boardId, cardId } = await start();
    const a = await note(app, boardId, cardId, owner);
    a.doc.getText(NOTE_ROOT).insert(0, '# Reading notes\n\n- first point\n');
    await disconnectAll(app);
    await app.close();
    extraApp = await buildApp({ config: t!.config, sql: t!.db.sql });
    await extraApp.listen({ port: 0, host: '127.0.0.1' });
    const b = await note(extraApp, boardId, cardId, owner);
    expect(textOf(b.doc)).toBe('# Reading notes\n\n- first point\n');
  });

  it("compact a busy note's log into a few rows holding the same text", async () => {
    const { app, owner, boardId, cardId } = await start();
    app.sync.settings.compactThreshold = 20;
    const a = await note(app, boardId, cardId, owner);
    for (let i = 0; i < 120; i++) {
      a.doc.getText(NOTE_ROOT).insert(textOf(a.doc).length, `${i} `);
      // Separate group commits, so the log really grows by a row per edit.
      if (i % 10 === 0) await app.sync.flushAll();
    }
    const expected = textOf(a.doc);
    await disconnectAll(app);
    expect(await rows(t!.db.sql, boardId, `notes/${cardId}`)).toBeLessThanOrEqual(20);
    expect(await noteMarkdown(t!.db.sql, boardId, cardId)).toBe(expected);
  });

  it('refuse an edit that would take a note past its own size limit, leaving the board free', async () => {
    const { app, owner, boardId, cardId } = await start();
    app.sync.settings.maxNoteBytes = 20_000;
    const a = await note(app, boardId, cardId, owner);
    a.doc.getText(NOTE_ROOT).insert(0, 'small. ');
    await vi.waitFor(async () => expect(await noteMarkdown(t!.db.sql, boardId, cardId)).toBe('small. '));
    const closed = nextClose(a.provider);
    a.doc.getText(NOTE_ROOT).insert(0, 'x'.repeat(30_000));
    expect(await closed).toEqual({ code: CLOSE_CODES.boardFull.code, reason: CLOSE_CODES.boardFull.reason });
    await app.sync.flushAll();
    expect(await noteMarkdown(t!.db.sql, boardId, cardId)).toBe('small. ');
    // The board's own document has its own, larger limit.
    await app.sync.edit(boardId, new ServerEdit(owner.user.id), (doc) =>
      addCard(doc, { paperId: 'x'.repeat(100), columnId: boardView(doc).columns[0].id, addedBy: owner.user.id }),
    );
  });
});
