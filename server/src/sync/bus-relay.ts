import type { FastifyBaseLogger } from 'fastify';
import type { BoardRoom } from './board-room.js';
import type { Bus, BusMessage, WrittenRows } from './bus.js';
import type { NodePeers } from './peers.js';
import type { BoardExtension } from './extensions.js';

/** Room of a message's own fields (kind, node), and of an update entry's besides its update and room key, bytes. */
const MESSAGE_ENVELOPE_BYTES = 120;
const ENTRY_ENVELOPE_BYTES = 110;

type UpdateEntry = Extract<BusMessage, { kind: 'update' }>['updates'][number];

/**
 * Tells the other nodes what happens on this node's rooms: each local update at once, in a message of
 * the updates of one turn of the event loop, when it fits the bus and another node is there (they apply
 * it and pass it to their clients without waiting for the database); which rows a room's log got once
 * they are written (a node reads those it did not get in full, so a lost or too-large message costs a
 * read, never an update); and the presence of this node's clients. What comes back the other way is handled by the registry, which finds the rooms.
 */
export function busRelay(bus: Bus, peers: NodePeers, log: FastifyBaseLogger): BoardExtension {
  /** Rows written by the group commit in progress, announced together once it is done. */
  let announcing: { rows: WrittenRows[]; sent: Promise<void> } | null = null;
  /** Per room: stream numbers of local updates that were not sent whole (too large, or the send failed). */
  const unsent = new WeakMap<BoardRoom, Set<number>>();
  /** Per room: sends not settled yet (an announcement waits for them, to know whether they went out). */
  const sending = new WeakMap<BoardRoom, Set<Promise<void>>>();

  /**
   * Every board written by one group commit is announced in one message (a few, past what one message of
   * the bus holds), so a busy node sends one per tick, not one per board; resolves once they are sent.
   */
  function announceRows(rows: WrittenRows): Promise<void> {
    if (!announcing) {
      const batch: WrittenRows[] = [];
      // The boards of one write record their rows in the same turn of the event loop.
      const sent = new Promise((resolve) => setImmediate(resolve)).then(async () => {
        announcing = null;
        // As many entries per message as fit the bus (a note's room key and a span make an entry ~300 bytes).
        let boards: WrittenRows[] = [];
        let size = MESSAGE_ENVELOPE_BYTES;
        for (const entry of batch) {
          const bytes = JSON.stringify(entry).length + 1;
          if (boards.length > 0 && size + bytes > bus.maxPayloadBytes) {
            await bus.publish({ kind: 'updates', node: bus.nodeId, boards });
            boards = [];
            size = MESSAGE_ENVELOPE_BYTES;
          }
          boards.push(entry);
          size += bytes;
        }
        if (boards.length > 0) await bus.publish({ kind: 'updates', node: bus.nodeId, boards });
      });
      announcing = { rows: batch, sent };
    }
    announcing.rows.push(rows);
    return announcing.sent;
  }

  /** Updates of this turn of the event loop, sent together once it ends. */
  let outgoing: { room: BoardRoom; seq: number; entry: UpdateEntry; bytes: number }[] = [];

  function sendUpdate(room: BoardRoom, update: Uint8Array, seq: number): void {
    const missing = unsent.get(room)!;
    // Alone on the bus, nobody would hear it: the rows' announcement says it was not sent.
    if (!peers.any) {
      missing.add(seq);
      return;
    }
    const entry: UpdateEntry = {
      boardId: room.key,
      stream: room.stream,
      seq,
      update: Buffer.from(update).toString('base64'),
    };
    const bytes = entry.update.length + entry.boardId.length + ENTRY_ENVELOPE_BYTES;
    if (bytes + MESSAGE_ENVELOPE_BYTES > bus.maxPayloadBytes) {
      // Too large for one message: the other nodes read it from the log once it is written.
      missing.add(seq);
      return;
    }
    if (outgoing.length === 0) setImmediate(flushOutgoing);
    outgoing.push({ room, seq, entry, bytes });
  }

  /** Sends the turn's updates in as few messages as the bus's size allows. */
  function flushOutgoing(): void {
    const batch = outgoing;
    outgoing = [];
    let start = 0;
    while (start < batch.length) {
      let end = start;
      let size = MESSAGE_ENVELOPE_BYTES;
      while (end < batch.length && size + batch[end].bytes <= bus.maxPayloadBytes) size += batch[end++].bytes;
      publishUpdates(batch.slice(start, end));
      start = end;
    }
  }

  function publishUpdates(items: typeof outgoing): void {
    const rooms = new Set(items.map((item) => item.room));
    const sent: Promise<void> = bus
      .publish({ kind: 'update', node: bus.nodeId, updates: items.map((item) => item.entry) })
      .catch((error: unknown) => {
        for (const item of items) unsent.get(item.room)?.add(item.seq);
        log.warn(
          { err: error, rooms: [...rooms].map((r) => r.key) },
          'sync: sending updates to the other nodes failed',
        );
      })
      .finally(() => {
        for (const room of rooms) sending.get(room)?.delete(sent);
      });
    for (const room of rooms) sending.get(room)?.add(sent);
  }

  /** Whether every update of the span went out whole (else the rows must be read); forgets the span. */
  function sentWhole(room: BoardRoom, first: number, last: number): boolean {
    const missing = unsent.get(room);
    if (!missing || missing.size === 0) return true;
    let whole = true;
    for (const seq of missing) {
      if (seq > last) continue;
      if (seq >= first) whole = false;
      missing.delete(seq);
    }
    return whole;
  }

  // Rooms are named by their key (a board id, or `<boardId>/notes/<cardId>`) in the messages' `boardId`:
  // a node that predates notes never has a room by a note's key, so it ignores a note's messages.
  return {
    name: 'bus',
    documents: 'all',
    onLoad(room: BoardRoom) {
      unsent.set(room, new Set());
      sending.set(room, new Set());
      room.onLocalUpdate = (update, seq) => sendUpdate(room, update, seq);
      room.onLocalAwareness = (update) => {
        const encoded = Buffer.from(update).toString('base64');
        // Presence too large for one message stays local rather than failing the bus.
        if (encoded.length > bus.maxPayloadBytes - 200) return;
        void bus
          .publish({ kind: 'awareness', node: bus.nodeId, boardId: room.key, update: encoded })
          .catch((error: unknown) => log.warn({ err: error, room: room.key }, 'sync: publishing presence failed'));
      };
    },
    afterStore: async (room, range, appended, span) => {
      // Whether the span's sends failed is known once they settle (they usually have, long before the commit);
      // a send still waiting for the end of its turn is done first.
      if (span && outgoing.some((item) => item.room === room)) flushOutgoing();
      if (span) await Promise.all([...(sending.get(room) ?? [])]);
      if (!appended || !span) return announceRows({ boardId: room.key, ...range });
      const whole = sentWhole(room, span.first, span.last);
      return announceRows({ boardId: room.key, ...range, span: { stream: room.stream, ...span, whole } });
    },
  };
}
