import type { FastifyBaseLogger } from 'fastify';
import { noteCardIdOf } from '#shared/protocol/notes.js';
import type { Sql } from '#server/db/sql.js';
import type { BoardRoom } from '#server/sync/board-room.js';
import type { BoardExtension } from '#server/sync/extensions.js';
import { recordNoteEdits } from './notes.repository.js';

/**
 * Remembers who writes in each card's note (`card_note_edits`, for the digest): the log cannot tell,
 * its rows carry no author and compaction merges them. Users seen in a room's updates are written
 * after each stored batch, so a note's authors are recorded once its edits are durable.
 */
export function noteAuthors(sql: Sql, log: FastifyBaseLogger): BoardExtension {
  const writers = new Map<BoardRoom, Set<string>>();

  async function record(room: BoardRoom): Promise<void> {
    const users = writers.get(room);
    const cardId = noteCardIdOf(room.docName);
    if (!users || users.size === 0 || !cardId) return;
    const userIds = [...users];
    users.clear();
    try {
      await recordNoteEdits(sql, room.boardId, cardId, userIds);
    } catch (error) {
      // Not worth holding anything up: only the digest's mention of this note is lost.
      log.warn({ err: error, boardId: room.boardId, cardId }, 'notes: recording who wrote failed');
    }
  }

  return {
    name: 'note-authors',
    documents: 'notes',
    onLoad(room) {
      const users = new Set<string>();
      writers.set(room, users);
      room.doc.on('update', (_update: Uint8Array, origin: unknown) => {
        const userId = room.actorOf(origin);
        if (userId) users.add(userId);
      });
    },
    async afterStore(room, _rows, appended) {
      if (appended) await record(room);
    },
    beforeUnload: record,
    onDestroy(room) {
      writers.delete(room);
    },
  };
}
