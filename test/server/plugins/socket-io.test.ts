import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { describeOnEachBus, startTwoNodes, type TwoNodes } from '#test/helpers/nodes.js';
import { buildTestApp, type TestApp } from '#test/helpers/app.js';
import { addMember, createBoard, signUp, type TestUser } from '#test/helpers/factories.js';
import { boardRoom } from '#shared/protocol/socket-events.js';
import { connectionNames } from '#test/helpers/redis.js';
import { connectSocket, joinBoard, nextEvent, type TestSocket } from '#test/helpers/socket.js';

const tally = { voters: 1, dots: 1 };

describe('socket.io', () => {
  let t: TestApp;
  let owner: TestUser;
  let viewer: TestUser;
  let stranger: TestUser;
  let boardId: string;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    t = await buildTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    owner = await signUp(t.app, 'Owner');
    viewer = await signUp(t.app, 'Viewer');
    stranger = await signUp(t.app, 'Stranger');
    boardId = (await createBoard(t.app, owner)).id;
    await addMember(t.app, owner, boardId, viewer, 'viewer');
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await t.close();
  });

  async function connect(user: TestUser): Promise<TestSocket> {
    const socket = await connectSocket(t.app, user);
    sockets.push(socket);
    return socket;
  }

  it('refuses a handshake without a session', async () => {
    await expect(connectSocket(t.app, null)).rejects.toThrow('unauthorized');
  });

  it('refuses a handshake with an unknown session', async () => {
    const forged = { ...owner, cookie: 'pb_session=forged-token' };
    await expect(connectSocket(t.app, forged)).rejects.toThrow('unauthorized');
  });

  it('admits members, viewers included, to the board room', async () => {
    expect(await joinBoard(await connect(owner), boardId)).toEqual({ ok: true });
    expect(await joinBoard(await connect(viewer), boardId)).toEqual({ ok: true });
  });

  it('answers a non-member exactly like an unknown board', async () => {
    const socket = await connect(stranger);
    const foreign = await joinBoard(socket, boardId);
    const unknown = await joinBoard(socket, crypto.randomUUID());
    expect(foreign).toEqual({ ok: false, error: 'not_found' });
    expect(unknown).toEqual(foreign);
  });

  it('answers malformed join requests with invalid and keeps the connection', async () => {
    const socket = await connect(owner);
    const raw = socket as unknown as { timeout(ms: number): { emitWithAck(ev: string, p: unknown): Promise<unknown> } };
    for (const payload of [null, 'x', 42, {}, { boardId: 'not-a-uuid' }, { boardId, extra: 1 }]) {
      expect(await raw.timeout(5000).emitWithAck('board:join', payload)).toEqual({ ok: false, error: 'invalid' });
    }
    (socket as unknown as { emit(ev: string, p: unknown): void }).emit('board:join', { boardId });
    expect(await joinBoard(socket, boardId)).toEqual({ ok: true });
    expect(socket.connected).toBe(true);
  });

  it('delivers board events to the sockets in the room only', async () => {
    const member = await connect(owner);
    const outsider = await connect(stranger);
    await joinBoard(member, boardId);
    let leaked = false;
    outsider.on('votes:changed', () => (leaked = true));
    const received = nextEvent(member, 'votes:changed', (p) => p.cardId === 'room-card');
    await t.app.emitToBoard(boardId, 'votes:changed', { boardId, cardId: 'room-card', tally, version: 1 });
    expect(await received).toEqual({ boardId, cardId: 'room-card', tally, version: 1 });
    expect(leaked).toBe(false);
  });

  it('stops delivering after board:leave', async () => {
    const socket = await connect(owner);
    await joinBoard(socket, boardId);
    socket.emit('board:leave', { boardId });
    // A round trip after the leave: the server handles one socket's packets in order.
    await joinBoard(socket, crypto.randomUUID());
    let received = false;
    socket.on('votes:changed', () => (received = true));
    const probe = await connect(owner);
    await joinBoard(probe, boardId);
    const seen = nextEvent(probe, 'votes:changed', (p) => p.cardId === 'after-leave');
    await t.app.emitToBoard(boardId, 'votes:changed', { boardId, cardId: 'after-leave', tally, version: 1 });
    await seen;
    expect(received).toBe(false);
  });

  it('takes a removed member out of the board room and keeps a member whose role changed', async () => {
    const removed = await signUp(t.app, 'Removed');
    const demoted = await signUp(t.app, 'Demoted');
    const board = (await createBoard(t.app, owner)).id;
    await addMember(t.app, owner, board, removed, 'editor');
    await addMember(t.app, owner, board, demoted, 'editor');
    const [gone, kept, probe] = [await connect(removed), await connect(demoted), await connect(owner)];
    for (const socket of [gone, kept, probe]) expect(await joinBoard(socket, board)).toEqual({ ok: true });

    const removal = await t.app.inject({
      method: 'DELETE',
      url: `/api/boards/${board}/members/${removed.user.id}`,
      headers: { cookie: owner.cookie },
    });
    expect(removal.statusCode).toBe(204);
    const demotion = await t.app.inject({
      method: 'PATCH',
      url: `/api/boards/${board}/members/${demoted.user.id}`,
      headers: { cookie: owner.cookie },
      payload: { role: 'viewer' },
    });
    expect(demotion.statusCode).toBe(200);
    // The room is re-checked when the membership message comes back from the bus.
    await vi.waitFor(async () => expect(await t.app.io.in(boardRoom(board)).fetchSockets()).toHaveLength(2), {
      timeout: 5000,
      interval: 20,
    });

    let leaked = false;
    gone.on('votes:changed', () => (leaked = true));
    const seen = [kept, probe].map((socket) => nextEvent(socket, 'votes:changed', (p) => p.cardId === 'after-removal'));
    await t.app.emitToBoard(board, 'votes:changed', { boardId: board, cardId: 'after-removal', tally, version: 1 });
    await Promise.all(seen);
    expect(leaked).toBe(false);
  });
});

// Two nodes on one PostgreSQL database: an event raised on one reaches sockets on the other through
// LISTEN/NOTIFY, or through socket.io's Redis adapter.
describeOnEachBus('socket.io across two nodes', (bus) => {
  let two: TwoNodes;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    two = await startTwoNodes({ bus });
  });

  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await two?.close();
  });

  it('delivers an event raised on one node to the room on the other', async () => {
    const { nodes, bob, boardId } = two;
    const onSecond = await connectSocket(nodes[1], bob);
    sockets.push(onSecond);
    expect(await joinBoard(onSecond, boardId)).toEqual({ ok: true });
    const received = nextEvent(onSecond, 'votes:changed', (p) => p.cardId === 'cross-node');
    await nodes[0].emitToBoard(boardId, 'votes:changed', { boardId, cardId: 'cross-node', tally, version: 1 });
    expect(await received).toEqual({ boardId, cardId: 'cross-node', tally, version: 1 });
  });

  it('takes a member removed on one node out of the room on the other', async () => {
    const { nodes, alice } = two;
    const carol = await signUp(nodes[0], 'Carol');
    const board = (await createBoard(nodes[0], alice)).id;
    await addMember(nodes[0], alice, board, carol, 'editor');
    const onSecond = await connectSocket(nodes[1], carol);
    sockets.push(onSecond);
    expect(await joinBoard(onSecond, board)).toEqual({ ok: true });
    const removal = await nodes[0].inject({
      method: 'DELETE',
      url: `/api/boards/${board}/members/${carol.user.id}`,
      headers: { cookie: alice.cookie },
    });
    expect(removal.statusCode).toBe(204);
    await vi.waitFor(async () => expect(await nodes[1].io.in(boardRoom(board)).fetchSockets()).toHaveLength(0), {
      timeout: 5000,
      interval: 20,
    });
  });
  // Last: it closes a node.
  it("leaves the other node's sockets connected when one node shuts down", async () => {
    const { nodes, alice, bob, boardId } = two;
    const onFirst = await connectSocket(nodes[0], alice);
    const onSecond = await connectSocket(nodes[1], bob);
    sockets.push(onFirst, onSecond);
    expect(await joinBoard(onSecond, boardId)).toEqual({ ok: true });
    const firstGone = new Promise<string>((resolve) => onFirst.once('disconnect', resolve));
    await nodes[0].close();
    expect(await firstGone).toBe('io server disconnect');
    // The node that stays still serves its room.
    const received = nextEvent(onSecond, 'votes:changed', (p) => p.cardId === 'after-shutdown');
    await nodes[1].emitToBoard(boardId, 'votes:changed', { boardId, cardId: 'after-shutdown', tally, version: 1 });
    await received;
    expect(onSecond.connected).toBe(true);
    if (!two.redis) return;
    // Every connection the closed node had to Redis (bus and adapter, all named after it) is gone; the
    // other node's are still there.
    const [closed, open] = [nodes[0].bus.nodeId, nodes[1].bus.nodeId];
    await expect.poll(() => connectionNames(two.redis!.url)).not.toContainEqual(expect.stringContaining(closed));
    expect((await connectionNames(two.redis.url)).filter((name) => name.endsWith(open))).toHaveLength(5);
  });
});
