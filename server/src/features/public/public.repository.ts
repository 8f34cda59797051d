import type { Sql } from '#server/db/sql.js';

/** A board's public page settings as stored; null slug when the owner never chose one. */
export interface PublicPageRow {
  boardId: string;
  enabled: boolean;
  slug: string | null;
  columns: string[];
  indexable: boolean;
  updatedAt: Date | null;
}

/** The settings of a board's public page (defaults when it never had one: off, no slug). */
export async function findPublicSettings(sql: Sql, boardId: string): Promise<PublicPageRow> {
  const [row]: [PublicPageRow?] = await sql`
    select board_id, enabled, slug, columns, indexable, updated_at from board_public_pages where board_id = ${boardId}`;
  return row ?? { boardId, enabled: false, slug: null, columns: [], indexable: false, updatedAt: null };
}

/** Which of `columnIds` are columns of the board (in the projection). */
export async function existingColumns(sql: Sql, boardId: string, columnIds: string[]): Promise<Set<string>> {
  const rows = await sql<{ columnId: string }[]>`
    select column_id from board_columns where board_id = ${boardId} and column_id = any(${columnIds})`;
  return new Set(rows.map((r) => r.columnId));
}

/** Whether another board holds the slug (enabled or not: a slug stays with its board while the page is off). */
export async function slugTaken(sql: Sql, boardId: string, slug: string): Promise<boolean> {
  const rows = await sql`select 1 from board_public_pages where slug = ${slug} and board_id <> ${boardId}`;
  return rows.length > 0;
}

/**
 * Writes the settings (the whole row: the caller merged the change into the current settings).
 * Returns false when the slug was taken meanwhile by another board (the unique index decides).
 */
export async function savePublicSettings(
  sql: Sql,
  s: { boardId: string; enabled: boolean; slug: string; columns: string[]; indexable: boolean },
): Promise<boolean> {
  try {
    await sql`
      insert into board_public_pages (board_id, enabled, slug, columns, indexable)
      values (${s.boardId}, ${s.enabled}, ${s.slug}, ${s.columns}, ${s.indexable})
      on conflict (board_id) do update set enabled = excluded.enabled, slug = excluded.slug,
        columns = excluded.columns, indexable = excluded.indexable, updated_at = now()`;
    return true;
  } catch (err) {
    if ((err as { code?: string }).code === '23505') return false;
    throw err;
  }
}

/** A published board, found by its slug; null when there is none or its page is off. */
export interface PublishedBoard {
  boardId: string;
  name: string;
  description: string;
  slug: string;
  columns: string[];
  indexable: boolean;
}

/** The board published at `slug`, read on every request so that turning the page off takes effect at once. */
export async function findPublishedBoard(sql: Sql, slug: string): Promise<PublishedBoard | null> {
  const [row]: [PublishedBoard?] = await sql`
    select b.id as board_id, b.name, b.description, p.slug, p.columns, p.indexable
    from board_public_pages p join boards b on b.id = p.board_id
    where p.slug = ${slug} and p.enabled`;
  return row ?? null;
}

/** A shown column, in board order. */
export interface PublicColumn {
  columnId: string;
  title: string;
}

/** A card of a shown column with its paper; only the fields a stranger may read. */
export interface PublicCard {
  cardId: string;
  columnId: string;
  addedAt: Date;
  title: string;
  authors: string[];
  url: string | null;
  arxivId: string | null;
  doi: string | null;
  codeUrls: string[];
  /** The session, when the card is assigned: the presenter's display name (never an address). */
  sessionAt: Date | null;
  presenterName: string | null;
  sessionUpdatedAt: Date | null;
}

/**
 * The shown columns of a board (those of `columnIds` that exist, in board order) and their cards in
 * board order, with papers and sessions. Cards of other columns are never read. Cards whose paper left
 * the library have nothing a stranger could follow, so they are left out.
 */
export async function readSyllabus(
  sql: Sql,
  boardId: string,
  columnIds: string[],
): Promise<{ columns: PublicColumn[]; cards: PublicCard[] }> {
  const columns = await sql<PublicColumn[]>`
    select column_id, title from board_columns
    where board_id = ${boardId} and column_id = any(${columnIds})
    order by position, column_id`;
  const cards = await sql<PublicCard[]>`
    select c.card_id, c.column_id, c.added_at, p.title, p.authors, p.url, p.arxiv_id, p.doi, p.code_urls,
      a.session_at, u.name as presenter_name, a.updated_at as session_updated_at
    from board_cards c
    join papers p on p.id = c.paper_id
    left join assignments a on a.board_id = c.board_id and a.card_id = c.card_id
    left join users u on u.id = a.presenter_id
    where c.board_id = ${boardId} and c.column_id = any(${columnIds})
    order by c.position, c.card_id`;
  return { columns, cards };
}
