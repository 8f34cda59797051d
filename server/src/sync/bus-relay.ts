import type { FastifyBaseLogger } from 'fastify';
import type { BoardRoom } from './board-room.js';
import { type Bus, type WrittenRows } from './bus.js';
import type { BoardExtension } from './extensions.js';

/** Board entries per bus message: about 105 bytes each, within what one NOTIFY carries. */
const ROWS_PER_MESSAGE = 60;

/**
 * Tells the other nodes what happens on this node's rooms: which rows a board's log got (they read
 * them and apply the updates) and the presence of this node's clients. What comes back the other way
 * is handled by the registry, which finds the rooms.
 */
export function busRelay(bus: Bus, log: FastifyBaseLogger): BoardExtension {
  /** Rows written by the group commit in progress, announced together once it is done. */
  let announcing: { rows: WrittenRows[]; sent: Promise<void> } | null = null;

  /**
   * Every board written by one group commit is announced in one message (a few, past what one NOTIFY
   * holds), so a busy node sends one per tick, not one per board; resolves once the message is sent.
   */
  function announceRows(rows: WrittenRows): Promise<void> {
    if (!announcing) {
      const batch: WrittenRows[] = [];
      // The boards of one write record their rows in the same turn of the event loop.
      const sent = new Promise((resolve) => setImmediate(resolve)).then(async () => {
        announcing = null;
        for (let start = 0; start < batch.length; start += ROWS_PER_MESSAGE) {
          const boards = batch.slice(start, start + ROWS_PER_MESSAGE);
          await bus.publish({ kind: 'updates', node: bus.nodeId, boards });
        }
      });
      announcing = { rows: batch, sent };
    }
    announcing.rows.push(rows);
    return announcing.sent;
  }

  // Rooms are named by their key (a board id, or `<boardId>/notes/<cardId>`) in the messages' `boardId`:
  // a node that predates notes never has a room by a note's key, so it ignores a note's rows.
  return {
    name: 'bus',
    documents: 'all',
    onLoad(room: BoardRoom) {
      room.onLocalAwareness = (update) => {
        const encoded = Buffer.from(update).toString('base64');
        // Presence too large for one NOTIFY stays local rather than failing the bus.
        if (encoded.length > bus.maxPayloadBytes - 200) return;
        void bus
          .publish({ kind: 'awareness', node: bus.nodeId, boardId: room.key, update: encoded })
          .catch((error: unknown) => log.warn({ err: error, room: room.key }, 'sync: publishing presence failed'));
      };
    },
    afterStore: (room, range) => announceRows({ boardId: room.key, ...range }),
  };
}
