import * as Y from 'yjs';
import type { Querier, Sql } from '#server/db/sql.js';

/**
 * Every update of one document's log, in id order: applying them all gives the document. `doc` names
 * the document within the board: '' the board's own, `notes/<cardId>` a card's note.
 */
export async function loadBoardUpdates(sql: Sql, boardId: string, doc = ''): Promise<Uint8Array[]> {
  const rows = await sql<{ update: Uint8Array }[]>`
    select update from board_updates where board_id = ${boardId} and doc = ${doc} order by id`;
  return rows.map((row) => row.update);
}

/**
 * The logs of a board's notes (documents named `notes/...`), by document name, each in id order: every
 * note, or only the documents named in `docs`.
 */
export async function loadNoteUpdates(sql: Sql, boardId: string, docs?: string[]): Promise<Map<string, Uint8Array[]>> {
  const rows = await sql<{ doc: string; update: Uint8Array }[]>`
    select doc, update from board_updates
    where board_id = ${boardId} and doc like 'notes/%' ${docs ? sql`and doc = any(${docs}::text[])` : sql``}
    order by doc, id`;
  const logs = new Map<string, Uint8Array[]>();
  for (const row of rows) {
    const updates = logs.get(row.doc);
    if (updates) updates.push(row.update);
    else logs.set(row.doc, [row.update]);
  }
  return logs;
}

/** A range of `board_updates` ids (as text: bigint). */
export interface RowRange {
  from: string;
  to: string;
}

const MAX_ROWS_PER_INSERT = 10_000;

/** Updates of one document (a board's, or one of its notes) to append, in order. */
interface BoardBatch {
  boardId: string;
  /** The document's name within the board; '' (the default) is the board's own document. */
  doc?: string;
  /** What the returned ranges are keyed by (the room key); the board id by default. */
  key?: string;
  updates: Uint8Array[];
}

/**
 * Appends the updates of several documents in one multi-row insert (in order within each document);
 * returns the range of ids each took, by the batch's key. One statement for every document that changed
 * within a group-commit tick, instead of one per document.
 */
export async function appendBoardUpdates(sql: Sql, batches: BoardBatch[]): Promise<Map<string, RowRange>> {
  const rows = batches.flatMap(({ boardId, doc = '', updates }) =>
    updates.map((update) => ({ boardId, doc, update: Buffer.from(update) })),
  );
  const keyOf = new Map(
    batches.map(({ boardId, doc = '', key = boardId }) => [`${boardId.toLowerCase()}\u0000${doc}`, key]),
  );
  const ranges = new Map<string, { min: bigint; max: bigint }>();
  // A statement carries at most 65,535 parameters (two per row): a larger batch takes several, in one
  // transaction, so that a failure leaves none of them written (the caller writes the boards again).
  const insert = async (tx: Querier) => {
    const inserted: { id: string; boardId: string; doc: string }[] = [];
    for (let start = 0; start < rows.length; start += MAX_ROWS_PER_INSERT) {
      const chunk = rows.slice(start, start + MAX_ROWS_PER_INSERT);
      inserted.push(
        ...(await tx<{ id: string; boardId: string; doc: string }[]>`
          insert into board_updates ${tx(chunk, 'boardId', 'doc', 'update')}
          returning id::text as id, board_id::text, doc`),
      );
    }
    return inserted;
  };
  const inserted = rows.length > MAX_ROWS_PER_INSERT ? await sql.begin(insert) : await insert(sql);
  for (const row of inserted) {
    const id = BigInt(row.id);
    const key = keyOf.get(`${row.boardId}\u0000${row.doc}`)!;
    const range = ranges.get(key);
    if (!range) ranges.set(key, { min: id, max: id });
    else if (id < range.min) range.min = id;
    else if (id > range.max) range.max = id;
  }
  return new Map([...ranges].map(([key, { min, max }]) => [key, { from: String(min), to: String(max) }]));
}

/**
 * The updates of a document whose ids fall in a range another node announced. Rows of other writers in
 * the same range come along; applying an update twice changes nothing.
 */
export async function readBoardUpdates(sql: Sql, boardId: string, doc: string, range: RowRange): Promise<Uint8Array[]> {
  const rows = await sql<{ update: Uint8Array }[]>`
    select update from board_updates
    where board_id = ${boardId} and doc = ${doc} and id between ${range.from}::bigint and ${range.to}::bigint
    order by id`;
  return rows.map((row) => row.update);
}

/**
 * Merges a document's log into one row under a per-document advisory lock (so two nodes never compact
 * the same document at once; `lockKey` is the room key, the board id for a board's own document, as
 * before notes existed) and returns the number of rows left. The merged rows are deleted by id range;
 * if that range holds a row this transaction did not read (committed late by another node), the
 * count differs and the whole compaction rolls back rather than lose it.
 */
export async function compactBoardUpdates(
  sql: Sql,
  boardId: string,
  doc: string,
  lockKey: string,
  merge: (updates: Uint8Array[]) => Promise<Uint8Array> = async (updates) => Y.mergeUpdates(updates),
): Promise<{ rows: number; mergedId: string | null }> {
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtext(${lockKey}))`;
    const rows = await tx<{ id: string; update: Uint8Array }[]>`
      select id, update from board_updates where board_id = ${boardId} and doc = ${doc} order by id`;
    if (rows.length <= 1) return { rows: rows.length, mergedId: null };
    const merged = await merge(rows.map((row) => row.update));
    const first = rows[0].id;
    const last = rows[rows.length - 1].id;
    const deleted = await tx`
      delete from board_updates where board_id = ${boardId} and doc = ${doc} and id >= ${first} and id <= ${last}`;
    if (deleted.count !== rows.length) throw new Error(`compaction of ${boardId} raced with another writer`);
    const [row]: [{ id: string }] = await tx`
      insert into board_updates (board_id, doc, update) values (${boardId}, ${doc}, ${Buffer.from(merged)})
      returning id::text as id`;
    const [count]: [{ n: number }] = await tx`
      select count(*)::int as n from board_updates where board_id = ${boardId} and doc = ${doc}`;
    return { rows: count.n, mergedId: row.id };
  });
}
