import * as Y from 'yjs';
import type { Querier, Sql } from '#server/db/sql.js';

/** Every update of a board's log, in id order: applying them all gives the document. */
export async function loadBoardUpdates(sql: Sql, boardId: string): Promise<Uint8Array[]> {
  const rows = await sql<{ update: Uint8Array }[]>`
    select update from board_updates where board_id = ${boardId} order by id`;
  return rows.map((row) => row.update);
}

/** A range of `board_updates` ids (as text: bigint). */
export interface RowRange {
  from: string;
  to: string;
}

const MAX_ROWS_PER_INSERT = 10_000;

/** Updates of one board to append, in order. */
interface BoardBatch {
  boardId: string;
  updates: Uint8Array[];
}

/**
 * Appends the updates of several boards in one multi-row insert (in order within each board); returns
 * the range of ids each board took. One statement for every board that changed within a group-commit
 * tick, instead of one per board.
 */
export async function appendBoardUpdates(sql: Sql, batches: BoardBatch[]): Promise<Map<string, RowRange>> {
  const rows = batches.flatMap(({ boardId, updates }) =>
    updates.map((update) => ({ boardId, update: Buffer.from(update) })),
  );
  const ranges = new Map<string, { min: bigint; max: bigint }>();
  // A statement carries at most 65,535 parameters (two per row): a larger batch takes several, in one
  // transaction, so that a failure leaves none of them written (the caller writes the boards again).
  const insert = async (tx: Querier) => {
    const inserted: { id: string; boardId: string }[] = [];
    for (let start = 0; start < rows.length; start += MAX_ROWS_PER_INSERT) {
      const chunk = rows.slice(start, start + MAX_ROWS_PER_INSERT);
      inserted.push(
        ...(await tx<{ id: string; boardId: string }[]>`
          insert into board_updates ${tx(chunk, 'boardId', 'update')} returning id::text as id, board_id::text`),
      );
    }
    return inserted;
  };
  const inserted = rows.length > MAX_ROWS_PER_INSERT ? await sql.begin(insert) : await insert(sql);
  for (const row of inserted) {
    const id = BigInt(row.id);
    const range = ranges.get(row.boardId);
    if (!range) ranges.set(row.boardId, { min: id, max: id });
    else if (id < range.min) range.min = id;
    else if (id > range.max) range.max = id;
  }
  return new Map([...ranges].map(([boardId, { min, max }]) => [boardId, { from: String(min), to: String(max) }]));
}

/**
 * The updates of a board whose ids fall in a range another node announced. Rows of other writers in
 * the same range come along; applying an update twice changes nothing.
 */
export async function readBoardUpdates(sql: Sql, boardId: string, range: RowRange): Promise<Uint8Array[]> {
  const rows = await sql<{ update: Uint8Array }[]>`
    select update from board_updates
    where board_id = ${boardId} and id between ${range.from}::bigint and ${range.to}::bigint order by id`;
  return rows.map((row) => row.update);
}

/**
 * Merges a board's log into one row under a per-board advisory lock (so two nodes never compact the
 * same board at once) and returns the number of rows left. The merged rows are deleted by id range;
 * if that range holds a row this transaction did not read (committed late by another node), the
 * count differs and the whole compaction rolls back rather than lose it.
 */
export async function compactBoardUpdates(
  sql: Sql,
  boardId: string,
  merge: (updates: Uint8Array[]) => Promise<Uint8Array> = async (updates) => Y.mergeUpdates(updates),
): Promise<{ rows: number; mergedId: string | null }> {
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtext(${boardId}))`;
    const rows = await tx<{ id: string; update: Uint8Array }[]>`
      select id, update from board_updates where board_id = ${boardId} order by id`;
    if (rows.length <= 1) return { rows: rows.length, mergedId: null };
    const merged = await merge(rows.map((row) => row.update));
    const first = rows[0].id;
    const last = rows[rows.length - 1].id;
    const deleted = await tx`
      delete from board_updates where board_id = ${boardId} and id >= ${first} and id <= ${last}`;
    if (deleted.count !== rows.length) throw new Error(`compaction of ${boardId} raced with another writer`);
    const [row]: [{ id: string }] = await tx`
      insert into board_updates (board_id, update) values (${boardId}, ${Buffer.from(merged)})
      returning id::text as id`;
    const [count]: [{ n: number }] = await tx`
      select count(*)::int as n from board_updates where board_id = ${boardId}`;
    return { rows: count.n, mergedId: row.id };
  });
}
