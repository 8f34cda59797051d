import { describe, expect, it } from 'vitest';
import type { FastifyBaseLogger } from 'fastify';
import { busRelay } from '#server/sync/bus-relay.js';
import type { BoardRoom } from '#server/sync/board-room.js';
import { MAX_BUS_PAYLOAD, type Bus, type BusMessage } from '#server/sync/bus.js';
import type { NodePeers } from '#server/sync/peers.js';

/** A bus that keeps what is published, refusing (as NOTIFY does) anything past its size. */
function recordingBus(): Bus & { sent: BusMessage[] } {
  const sent: BusMessage[] = [];
  return {
    nodeId: 'node-a',
    maxPayloadBytes: MAX_BUS_PAYLOAD,
    sent,
    async publish(message) {
      const size = Buffer.byteLength(JSON.stringify(message));
      if (size > MAX_BUS_PAYLOAD) throw new Error(`message of ${size} bytes`);
      sent.push(message);
    },
    subscribe() {},
    async close() {},
  };
}

const log = { warn: () => {} } as unknown as FastifyBaseLogger;
const peers = { any: true } as unknown as NodePeers;

/** A room as the relay sees it: a note's key (the longest kind) and a stream. */
function noteRoom(i: number): BoardRoom {
  const key = `2f0c6f4e-6a0b-4c58-9d1e-3b1f2f0a5c${String(i).padStart(2, '0')}/notes/${'c'.repeat(64)}`;
  return {
    key,
    stream: crypto.randomUUID(),
    onLocalUpdate: () => {},
    onLocalAwareness: () => {},
  } as unknown as BoardRoom;
}

describe('bus relay', () => {
  it('announces every room of a large group commit, in messages that each fit the bus', async () => {
    const bus = recordingBus();
    const relay = busRelay(bus, peers, log);
    const rooms = Array.from({ length: 120 }, (_, i) => noteRoom(i));
    for (const room of rooms) relay.onLoad!(room);
    await Promise.all(
      rooms.map((room, i) =>
        relay.afterStore!(room, { from: String(9_000_000_000 + i), to: String(9_000_000_000 + i) }, true, {
          first: 1_000_000 + i,
          last: 1_000_000 + i,
        }),
      ),
    );
    const announced = bus.sent.flatMap((m) => (m.kind === 'updates' ? m.boards : []));
    expect(announced.map((rows) => rows.boardId).sort()).toEqual(rooms.map((room) => room.key).sort());
    expect(bus.sent.length).toBeGreaterThan(1);
    for (const message of bus.sent)
      expect(Buffer.byteLength(JSON.stringify(message))).toBeLessThanOrEqual(MAX_BUS_PAYLOAD);
  });
});
