import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCard } from '#shared/protocol/board-doc/edits.js';
import { boardView } from '#shared/protocol/board-doc/view.js';
import { CLOSE_CODES } from '#shared/protocol/close-codes.js';
import { createPasswordReset } from '#server/features/auth/users.repository.js';
import { hashToken } from '#server/features/auth/sessions.js';
import { buildTestApp, type TestApp } from '#test/helpers/app.js';
import { createBoard, signUp, type Injector, type TestUser } from '#test/helpers/factories.js';
import { describeOnEachBus, startTwoNodes, type TwoNodes } from '#test/helpers/nodes.js';
import { connectSocket, type TestSocket } from '#test/helpers/socket.js';
import { connectClient, nextClose, waitForDoc, type SyncClient } from '#test/helpers/yjs.js';

// A session that ends — logout, a password change, a reset — takes its open realtime connections with
// it, on every node: a stolen cookie's WebSocket must not keep writing after the password changed.
let t: TestApp;
const clients: SyncClient[] = [];
const sockets: TestSocket[] = [];

/** Another session of the same user (another browser, or whoever stole the cookie). */
async function signIn(app: Injector, user: TestUser): Promise<TestUser> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { email: user.user.email, password: user.password },
  });
  expect(res.statusCode, res.body).toBe(200);
  const cookie = res.cookies.find((c) => c.name === 'pb_session')!;
  return { ...user, cookie: `pb_session=${cookie.value}` };
}

async function live(app: TestApp['app'], boardId: string, user: TestUser) {
  const client = await connectClient(app, boardId, user);
  const socket = await connectSocket(app, user);
  clients.push(client);
  sockets.push(socket);
  const socketGone = new Promise<string>((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
  return { client, socket, closed: nextClose(client.provider), socketGone };
}

/** Still connected: an edit made through it reaches the server. */
async function stillWrites(app: TestApp['app'], boardId: string, client: SyncClient, userId: string, paperId: string) {
  addCard(client.doc, { paperId, columnId: boardView(client.doc).columns[0].id, addedBy: userId });
  await expect
    .poll(() => boardView(app.sync.peek(boardId)!).columns[0].cards.some((c) => c.paperId === paperId))
    .toBe(true);
}

beforeAll(async () => {
  t = await buildTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  clients.forEach((c) => c.provider.destroy());
  sockets.forEach((s) => s.close());
  await t.close();
});

describe('the realtime connections of an ended session', () => {
  it('close at logout, and only that session’s', async () => {
    const laptop = await signUp(t.app, 'Logout Lee');
    const phone = await signIn(t.app, laptop);
    const boardId = (await createBoard(t.app, laptop, 'Logout board')).id;
    const a = await live(t.app, boardId, laptop);
    const b = await live(t.app, boardId, phone);
    const logout = await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie: laptop.cookie } });
    expect(logout.statusCode).toBe(204);
    expect((await a.closed).code).toBe(CLOSE_CODES.sessionEnded.code);
    expect(await a.socketGone).toBe('io server disconnect');
    await stillWrites(t.app, boardId, b.client, phone.user.id, 'phone-paper');
    expect(b.socket.connected).toBe(true);
  });

  it('close for every other session when the password changes, so a stolen cookie stops writing', async () => {
    const owner = await signUp(t.app, 'Careful Cat');
    const thief = await signIn(t.app, owner);
    const boardId = (await createBoard(t.app, owner, 'Guarded board')).id;
    const stolen = await live(t.app, boardId, thief);
    const mine = await live(t.app, boardId, owner);
    const change = await t.app.inject({
      method: 'PATCH',
      url: '/api/me',
      headers: { cookie: owner.cookie },
      payload: { currentPassword: owner.password, newPassword: 'a brand new password' },
    });
    expect(change.statusCode, change.body).toBe(200);
    expect((await stolen.closed).code).toBe(CLOSE_CODES.sessionEnded.code);
    expect(await stolen.socketGone).toBe('io server disconnect');
    // Nothing the thief's document does reaches the board any more.
    addCard(stolen.client.doc, {
      paperId: 'thief-paper',
      columnId: boardView(stolen.client.doc).columns[0].id,
      addedBy: owner.user.id,
    });
    await stillWrites(t.app, boardId, mine.client, owner.user.id, 'owner-paper');
    expect(boardView(t.app.sync.peek(boardId)!).columns[0].cards.map((c) => c.paperId)).not.toContain('thief-paper');
    expect(mine.socket.connected).toBe(true);
  });

  it('close for every session at a password reset', async () => {
    const user = await signUp(t.app, 'Reset Rae');
    const other = await signIn(t.app, user);
    const boardId = (await createBoard(t.app, user, 'Reset board')).id;
    const first = await live(t.app, boardId, user);
    const second = await live(t.app, boardId, other);
    const token = 'a-reset-token-for-the-test-0123456789abcdefghij';
    await createPasswordReset(t.db.sql, hashToken(token), user.user.id, new Date(Date.now() + 600_000));
    const reset = await t.app.inject({
      method: 'POST',
      url: '/api/auth/reset',
      payload: { token, password: 'another new password' },
    });
    expect(reset.statusCode, reset.body).toBe(204);
    for (const ended of [first, second]) {
      expect((await ended.closed).code).toBe(CLOSE_CODES.sessionEnded.code);
      expect(await ended.socketGone).toBe('io server disconnect');
    }
  });
});

describeOnEachBus('on two nodes', (bus) => {
  let two: TwoNodes;
  beforeAll(async () => {
    two = await startTwoNodes({ bus });
  }, 60_000);
  afterAll(async () => {
    await two.close();
  });

  it('a password changed through one node closes the stolen session’s connections on the other', async () => {
    const [one, other] = two.nodes;
    const thief = await signIn(one, two.alice);
    const client = await connectClient(other, two.boardId, thief);
    const socket = await connectSocket(other, thief);
    clients.push(client);
    sockets.push(socket);
    const closed = nextClose(client.provider);
    const socketGone = new Promise<string>((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
    await waitForDoc(client.doc, (d) => boardView(d).columns.length === 4);
    const change = await one.inject({
      method: 'PATCH',
      url: '/api/me',
      headers: { cookie: two.alice.cookie },
      payload: { currentPassword: two.alice.password, newPassword: 'changed on node one' },
    });
    expect(change.statusCode, change.body).toBe(200);
    expect((await closed).code).toBe(CLOSE_CODES.sessionEnded.code);
    expect(await socketGone).toBe('io server disconnect');
  });
});
