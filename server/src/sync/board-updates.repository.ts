import * as Y from 'yjs';
import type { Sql } from '../db/connect.js';

/** Every update of a board's log, in id order: applying them all gives the document. */
export async function loadBoardUpdates(sql: Sql, boardId: string): Promise<Uint8Array[]> {
  const rows = await sql<{ update: Uint8Array }[]>`
    select update from board_updates where board_id = ${boardId} order by id`;
  return rows.map((row) => row.update);
}

/** Appends updates to a board's log in one multi-row insert. */
export async function appendBoardUpdates(sql: Sql, boardId: string, updates: Uint8Array[]): Promise<void> {
  if (updates.length === 0) return;
  const rows = updates.map((update) => ({ boardId, update: Buffer.from(update) }));
  await sql`insert into board_updates ${sql(rows, 'boardId', 'update')}`;
}

/**
 * Merges a board's log into one row under a per-board advisory lock (so two nodes never compact the
 * same board at once) and returns the number of rows left. The merged rows are deleted by id range;
 * if that range holds a row this transaction did not read (committed late by another node), the
 * count differs and the whole compaction rolls back rather than lose it.
 */
export async function compactBoardUpdates(sql: Sql, boardId: string): Promise<number> {
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtext(${boardId}))`;
    const rows = await tx<{ id: string; update: Uint8Array }[]>`
      select id, update from board_updates where board_id = ${boardId} order by id`;
    if (rows.length <= 1) return rows.length;
    const merged = Y.mergeUpdates(rows.map((row) => row.update));
    const first = rows[0].id;
    const last = rows[rows.length - 1].id;
    const deleted = await tx`
      delete from board_updates where board_id = ${boardId} and id >= ${first} and id <= ${last}`;
    if (deleted.count !== rows.length) throw new Error(`compaction of ${boardId} raced with another writer`);
    await tx`insert into board_updates (board_id, update) values (${boardId}, ${Buffer.from(merged)})`;
    const [count]: [{ n: number }] = await tx`
      select count(*)::int as n from board_updates where board_id = ${boardId}`;
    return count.n;
  });
}
