import * as Y from 'yjs';
import type { Sql } from '#server/db/sql.js';
import { initBoardDoc } from '#shared/protocol/board-doc/edits.js';
import { boardView } from '#shared/protocol/board-doc/view.js';
import { replaceProjection } from '#server/features/cards/cards.repository.js';
import { insertBoard } from './boards.repository.js';

/**
 * Creates a board owned by `ownerId` whose document starts as `doc` (the four default columns when
 * omitted: only the server initialises documents), and projects it at once so that REST readers see
 * the columns before anyone opens the board.
 */
export async function createBoard(
  sql: Sql,
  input: { name: string; description: string; ownerId: string; doc?: Y.Doc },
): Promise<string> {
  const doc = input.doc ?? new Y.Doc();
  if (!input.doc) initBoardDoc(doc);
  const boardId = await insertBoard(sql, {
    name: input.name,
    description: input.description,
    ownerId: input.ownerId,
    initialUpdate: Y.encodeStateAsUpdate(doc),
  });
  await replaceProjection(sql, boardId, boardView(doc));
  if (!input.doc) doc.destroy();
  return boardId;
}
