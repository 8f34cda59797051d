import type { Sql } from '#server/db/sql.js';
import { paperColumns, toPaper, type PaperRow } from '#server/features/papers/papers.repository.js';
import type { Paper } from '#shared/schemas/papers.js';
import type { BoardSuggestion } from '#shared/schemas/recommend.js';

/** A paper's text for the index, with its insertion order. */
export interface PaperText {
  id: string;
  title: string;
  abstract: string;
  /** `papers.seq` as text (a bigint). */
  seq: string;
}

/** Up to `limit` papers inserted after `afterSeq` (all from the start when null), in insertion order. */
export function papersAfter(sql: Sql, afterSeq: string | null, limit: number): Promise<PaperText[]> {
  return sql<PaperText[]>`
    select id, title, abstract, seq::text as seq from papers
    where ${afterSeq === null ? sql`true` : sql`seq > ${afterSeq}::bigint`}
    order by seq limit ${limit}`;
}

/** The texts of the given papers (unknown ids are left out). */
export function paperTexts(sql: Sql, ids: string[]): Promise<PaperText[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return sql<PaperText[]>`
    select id, title, abstract, seq::text as seq from papers where id = any(${ids}::uuid[]) order by seq`;
}

/** How many papers the library holds. */
export async function libraryCount(sql: Sql): Promise<number> {
  const [row]: [{ n: number }?] = await sql`select count(*)::int as n from papers`;
  return row?.n ?? 0;
}

/** A paper on a board, with the votes (dots) its card got. */
export interface BoardPaper {
  boardId: string;
  paperId: string;
  votes: number;
}

/**
 * The papers on boards (the projection `board_cards`), each with its card's votes: one board, or every
 * board with at least one paper when `boardId` is null (for scoring new papers against all boards).
 */
export function boardPapers(sql: Sql, boardId: string | null): Promise<BoardPaper[]> {
  return sql<BoardPaper[]>`
    select c.board_id, c.paper_id, coalesce(sum(v.dots), 0)::int as votes
    from board_cards c
    left join votes v on v.board_id = c.board_id and v.card_id = c.card_id
    where c.paper_id is not null ${boardId === null ? sql`` : sql`and c.board_id = ${boardId}`}
    group by c.board_id, c.paper_id
    order by c.board_id, c.paper_id`;
}

/** The papers with these ids, in the order of `ids` (unknown ids are left out). */
export async function papersInOrder(sql: Sql, ids: string[]): Promise<Paper[]> {
  if (ids.length === 0) return [];
  const rows = await sql<PaperRow[]>`select ${paperColumns(sql)} from papers p where p.id = any(${ids}::uuid[])`;
  const byId = new Map(rows.map((row) => [row.id, toPaper(row)]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** A suggestion to store. */
export interface NewSuggestion {
  boardId: string;
  paperId: string;
  score: number;
  reasons: string[];
}

/**
 * Stores suggestions; one that exists already (open, dismissed or nominated) is left as it is, so a
 * dismissed paper never comes back. The rows that were new.
 */
export async function insertSuggestions(sql: Sql, rows: NewSuggestion[]) {
  if (rows.length === 0) return [];
  return sql<{ boardId: string; paperId: string }[]>`
    insert into board_suggestions (board_id, paper_id, score, reasons)
    select board_id, paper_id, score, reasons
    from jsonb_to_recordset(${sql.json(
      rows.map((r) => ({ board_id: r.boardId, paper_id: r.paperId, score: r.score, reasons: r.reasons })),
    )}::jsonb) as x(board_id uuid, paper_id uuid, score real, reasons text[])
    on conflict do nothing
    returning board_id, paper_id`;
}

/** The board's open suggestions, newest first, best first within a batch: not dismissed, not on the board. */
export async function openSuggestions(sql: Sql, boardId: string, limit: number): Promise<BoardSuggestion[]> {
  const rows = await sql<(PaperRow & { suggestionScore: number; reasons: string[]; suggestedAt: Date })[]>`
    select ${paperColumns(sql)}, s.score as suggestion_score, s.reasons, s.created_at as suggested_at
    from board_suggestions s join papers p on p.id = s.paper_id
    where s.board_id = ${boardId} and s.dismissed_at is null and s.nominated_at is null
      and not exists (select 1 from board_cards c where c.board_id = s.board_id and c.paper_id = s.paper_id)
    order by s.created_at desc, s.score desc, s.paper_id
    limit ${limit}`;
  return rows.map((row) => ({
    paper: toPaper(row),
    score: row.suggestionScore,
    reasons: row.reasons,
    createdAt: row.suggestedAt.toISOString(),
  }));
}

/** Dismisses an open suggestion; false when there is none open for that paper. */
export async function dismissSuggestion(sql: Sql, boardId: string, paperId: string, userId: string) {
  const rows = await sql`
    update board_suggestions set dismissed_at = now(), dismissed_by = ${userId}
    where board_id = ${boardId} and paper_id = ${paperId} and dismissed_at is null and nominated_at is null
    returning 1`;
  return rows.length > 0;
}

/** Takes a dismissal back (the toast's Undo); false when the suggestion is not dismissed. */
export async function restoreSuggestion(sql: Sql, boardId: string, paperId: string) {
  const rows = await sql`
    update board_suggestions set dismissed_at = null, dismissed_by = null
    where board_id = ${boardId} and paper_id = ${paperId} and dismissed_at is not null
    returning 1`;
  return rows.length > 0;
}

/** Marks an open suggestion as nominated (the paper is now on the board); false when there was none. */
export async function markNominated(sql: Sql, boardId: string, paperId: string) {
  const rows = await sql`
    update board_suggestions set nominated_at = now()
    where board_id = ${boardId} and paper_id = ${paperId} and dismissed_at is null and nominated_at is null
    returning 1`;
  return rows.length > 0;
}
