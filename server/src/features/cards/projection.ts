import type { FastifyBaseLogger } from 'fastify';
import { boardView } from '#shared/protocol/board-doc/view.js';
import type { Sql } from '#server/db/sql.js';
import type { BoardRoom } from '#server/sync/board-room.js';
import type { BoardExtension } from '#server/sync/extensions.js';
import { replaceProjection } from './cards.repository.js';

/** The document maps the projection is derived from. */
const PROJECTED_MAPS = ['columns', 'cards', 'comments'] as const;

/** A room's projection state: whether something it shows changed, and the pending rewrite. */
interface Pending {
  stale: boolean;
  timer: NodeJS.Timeout | null;
  run: (() => Promise<void>) | null;
}

/**
 * Keeps `board_columns`/`board_cards` (what REST, exports and the digest read) in step with each
 * board's document: rewritten from the derived view `delayMs` after stored edits touched columns,
 * cards or comments, once for any number of edits meanwhile, and before the room unloads.
 */
export function projection(sql: Sql, delayMs: () => number, log: FastifyBaseLogger): BoardExtension {
  const rooms = new Map<BoardRoom, Pending>();

  async function flush(pending: Pending): Promise<void> {
    if (pending.timer) clearTimeout(pending.timer);
    pending.timer = null;
    const run = pending.run;
    pending.run = null;
    await run?.();
  }

  return {
    name: 'projection',
    onLoad(room) {
      const pending: Pending = { stale: false, timer: null, run: null };
      rooms.set(room, pending);
      // Updates that touch none of these maps (other keys an outside client may keep in the document)
      // need no rewrite.
      for (const name of PROJECTED_MAPS) {
        room.doc.getMap(name).observeDeep(() => {
          pending.stale = true;
        });
      }
    },
    async afterStore(room, _rows, appended) {
      const pending = rooms.get(room);
      if (!appended || !pending?.stale) return;
      pending.stale = false;
      pending.run = () =>
        replaceProjection(sql, room.boardId, boardView(room.doc)).catch((error: unknown) =>
          log.warn({ err: error, boardId: room.boardId }, 'sync: refreshing the projection failed'),
        );
      pending.timer ??= setTimeout(() => void flush(pending), delayMs());
    },
    async beforeUnload(room) {
      const pending = rooms.get(room);
      if (pending) await flush(pending);
    },
    onDestroy(room) {
      const pending = rooms.get(room);
      if (pending?.timer) clearTimeout(pending.timer);
      rooms.delete(room);
    },
  };
}
