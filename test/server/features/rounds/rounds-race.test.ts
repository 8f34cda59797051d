import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { placeCards } from '#test/helpers/factories.js';
import { describeOnEachBus, startTwoNodes, type TwoNodes } from '#test/helpers/nodes.js';
import { connectSocket, joinBoard, nextEvent, type TestSocket } from '#test/helpers/socket.js';
import { storedDoc } from '#test/helpers/yjs.js';
import { RoundScheduler } from '#server/features/rounds/rounds.scheduler.js';
import { boardView } from '#shared/protocol/board-doc/view.js';
import type { ServerEventPayload } from '#shared/protocol/socket-events.js';
import type { Round } from '#shared/schemas/rounds.js';

/** A scheduler on `node` (its own pool, its board rooms, its bus) whose clock says `at`. */
function schedulerOn(node: FastifyInstance, at: Date): RoundScheduler {
  return new RoundScheduler(
    { sql: node.sql, sync: node.sync, emitToBoard: node.emitToBoard.bind(node), log: node.log },
    { intervalMs: 60_000, clock: () => at },
  );
}

describeOnEachBus('closing a round at its deadline with two nodes', (bus) => {
  let n: TwoNodes;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    n = await startTwoNodes({ bus });
  }, 60_000);
  afterAll(async () => {
    sockets.forEach((socket) => socket.close());
    await n?.close();
  });

  it('closes it once: one result, one round:closed on each node, one activity entry, winners moved once', async () => {
    const [first, second] = n.nodes;
    const cards = await placeCards(first, n.alice, n.boardId, 3);
    const columns = await first.sync.read(n.boardId, (doc) => boardView(doc).columns.map((column) => column.id));
    const closesAt = new Date(Date.now() + 3600_000);
    const opened = await first.inject({
      method: 'POST',
      url: `/api/boards/${n.boardId}/rounds`,
      headers: { cookie: n.alice.cookie },
      payload: {
        method: 'approval',
        candidates: { cardIds: cards },
        closesAt: closesAt.toISOString(),
        winners: 2,
        moveWinnersTo: columns[1],
      },
    });
    expect(opened.statusCode, opened.body).toBe(201);
    const round: Round = opened.json();
    for (const [node, user, approve] of [
      [first, n.alice, [cards[2], cards[1]]],
      [second, n.bob, [cards[2]]],
    ] as const) {
      const res = await node.inject({
        method: 'PUT',
        url: `/api/boards/${n.boardId}/rounds/${round.id}/ballot`,
        headers: { cookie: user.cookie },
        payload: { approve },
      });
      expect(res.statusCode, res.body).toBe(200);
    }

    const closedEvents: ServerEventPayload<'round:closed'>[][] = [[], []];
    for (const [i, [node, user]] of (
      [
        [first, n.alice],
        [second, n.bob],
      ] as const
    ).entries()) {
      const socket = await connectSocket(node, user);
      sockets.push(socket);
      expect(await joinBoard(socket, n.boardId)).toEqual({ ok: true });
      socket.on('round:closed', (payload) => closedEvents[i].push(payload));
    }

    // Before the deadline neither node closes anything.
    const early = new Date(closesAt.getTime() - 1000);
    expect(await Promise.all([schedulerOn(first, early).runOnce(), schedulerOn(second, early).runOnce()])).toEqual([
      0, 0,
    ]);

    const late = new Date(closesAt.getTime() + 1000);
    const closedBy = await Promise.all([schedulerOn(first, late).runOnce(), schedulerOn(second, late).runOnce()]);
    expect(closedBy[0] + closedBy[1]).toBe(1);

    // Events travel in order (on the bus, or the Redis adapter's stream): once a later event has
    // arrived on both nodes, so has any round:closed raised before it.
    const later = sockets.map((socket) => nextEvent(socket, 'round:opened'));
    const sentinel = await first.inject({
      method: 'POST',
      url: `/api/boards/${n.boardId}/rounds`,
      headers: { cookie: n.alice.cookie },
      payload: { method: 'approval', candidates: { cardIds: cards }, closesAt: closesAt.toISOString() },
    });
    expect(sentinel.statusCode, sentinel.body).toBe(201);
    await Promise.all(later);
    for (const events of closedEvents) {
      expect(events.map((event) => [event.round.id, event.round.result?.winners])).toEqual([
        [round.id, [cards[2], cards[1]]],
      ]);
    }

    const stored = await first.inject({
      url: `/api/boards/${n.boardId}/rounds/${round.id}`,
      headers: { cookie: n.bob.cookie },
    });
    expect(stored.json()).toMatchObject({
      status: 'closed',
      closedAt: late.toISOString(),
      result: { winners: [cards[2], cards[1]], rounds: [{ tallies: { [cards[0]]: 0, [cards[1]]: 1, [cards[2]]: 2 } }] },
    });
    const closings = await first.sql<{ actorId: string | null }[]>`
      select actor_id from activity where board_id = ${n.boardId} and kind = 'round:closed'`;
    expect(closings).toEqual([{ actorId: null }]);

    const view = boardView(await storedDoc(first.sql, n.boardId));
    expect(view.columns[1].cards.map((card) => card.id)).toEqual([cards[2], cards[1]]);
    expect(view.columns[0].cards.map((card) => card.id)).toEqual([cards[0]]);
    // Each winner was moved by one edit: one card:moved entry each (recorded after the edit is stored).
    await expect
      .poll(
        async () =>
          (
            await first.sql<{ cardId: string }[]>`
              select card_id from activity where board_id = ${n.boardId} and kind = 'card:moved' order by id`
          ).map((row) => row.cardId),
        { timeout: 10_000 },
      )
      .toEqual([cards[2], cards[1]]);
  });
});
