import type { Querier, Sql } from '#server/db/sql.js';
import type { BoardView } from '#shared/protocol/board-doc/view.js';
import { isUuid } from '#shared/protocol/uuid.js';
import type { BoardCards, PaperOnBoard } from '#shared/schemas/cards.js';
import { toPaper, type PaperRow } from '#server/features/papers/papers.repository.js';

/**
 * Rewrites the projection of one board from its document view, in one transaction so that readers
 * never see half of it. Cards keep the view's order (the view already resolved orphans and duplicate
 * papers); a paperId that is not a stored paper is kept as written and flagged by a null paper_id.
 */
export async function replaceProjection(sql: Sql, boardId: string, view: BoardView): Promise<void> {
  const columns = view.columns.map((c, position) => ({ column_id: c.id, title: c.title, position }));
  const cards = view.columns.flatMap((c) =>
    c.cards.map((card, position) => ({
      card_id: card.id,
      raw_paper_id: card.paperId,
      paper_id: isUuid(card.paperId) ? card.paperId : null,
      column_id: c.id,
      position,
      added_by: card.addedBy,
      added_at: new Date(card.addedAt).toISOString(),
      comment_count: card.commentCount,
    })),
  );
  await sql.begin(async (tx) => {
    // The board row lock orders concurrent refreshes of one board (e.g. from two nodes).
    const [board] = await tx`select id from boards where id = ${boardId} for update`;
    if (!board) return;
    // Rows that left the document go; the others are inserted, or updated only where something
    // changed: a card move rewrites the few rows it shifted, not the whole board (one statement per
    // table; the delete and the upsert touch different keys).
    await tx`
      with wanted as (
        select * from jsonb_to_recordset(${tx.json(columns)}::jsonb) as x(column_id text, title text, position int)
      ), gone as (
        delete from board_columns c
        where c.board_id = ${boardId} and c.column_id not in (select column_id from wanted)
      )
      insert into board_columns as c (board_id, column_id, title, position)
      select ${boardId}, column_id, title, position from wanted
      on conflict (board_id, column_id) do update set title = excluded.title, position = excluded.position
      where (c.title, c.position) is distinct from (excluded.title, excluded.position)`;
    await tx`
      with wanted as (
        select x.card_id, x.raw_paper_id, p.id as paper_id, x.column_id, x.position, x.added_by, x.added_at,
          x.comment_count
        from jsonb_to_recordset(${tx.json(cards)}::jsonb) as x(card_id text, raw_paper_id text, paper_id uuid,
          column_id text, position int, added_by text, added_at timestamptz, comment_count int)
        left join papers p on p.id = x.paper_id
      ), gone as (
        delete from board_cards c
        where c.board_id = ${boardId} and c.card_id not in (select card_id from wanted)
      )
      insert into board_cards as c (board_id, card_id, raw_paper_id, paper_id, column_id, position, added_by,
        added_at, comment_count)
      select ${boardId}, card_id, raw_paper_id, paper_id, column_id, position, added_by, added_at, comment_count
      from wanted
      on conflict (board_id, card_id) do update set raw_paper_id = excluded.raw_paper_id,
        paper_id = excluded.paper_id, column_id = excluded.column_id, position = excluded.position,
        added_by = excluded.added_by, added_at = excluded.added_at, comment_count = excluded.comment_count
      where (c.raw_paper_id, c.paper_id, c.column_id, c.position, c.added_by, c.added_at, c.comment_count)
        is distinct from (excluded.raw_paper_id, excluded.paper_id, excluded.column_id, excluded.position,
          excluded.added_by, excluded.added_at, excluded.comment_count)`;
  });
}

/**
 * The projected board: columns in order and cards in column order, with their papers, vote tallies,
 * the dots `viewerId` gave each card and each card's presenter assignment. Without `abstracts`, papers
 * come with an empty abstract, which is then neither read nor sent (~1 KB a paper).
 */
export async function readProjection(
  sql: Sql,
  boardId: string,
  viewerId: string,
  { abstracts }: { abstracts: boolean },
): Promise<BoardCards> {
  const columns = await sql<{ id: string; title: string; position: number }[]>`
    select column_id as id, title, position from board_columns where board_id = ${boardId} order by position`;
  const rows = await sql<
    (PaperRow & {
      cardId: string;
      columnId: string;
      position: number;
      rawPaperId: string;
      addedBy: string;
      addedAt: Date;
      commentCount: number;
      paperExists: boolean;
      voters: number;
      dots: number;
      myDots: number;
      presenterId: string | null;
      presenterName: string | null;
      sessionAt: Date | null;
    })[]
  >`
    select c.card_id, c.column_id, c.position, c.raw_paper_id, c.added_by, c.added_at, c.comment_count,
      p.id is not null as paper_exists,
      p.id, p.title, ${abstracts ? sql`p.abstract` : sql`''::text as abstract`}, p.authors, p.arxiv_id, p.doi, p.url, p.code_urls, p.tags, p.published_at, p.published_precision, p.created_at, p.upvotes, p.feed_day::text as feed_day,
      coalesce(v.voters, 0)::int as voters, coalesce(v.dots, 0)::int as dots, coalesce(v.my_dots, 0)::int as my_dots,
      a.presenter_id, u.name as presenter_name, a.session_at
    from board_cards c
    join board_columns col on col.board_id = c.board_id and col.column_id = c.column_id
    left join papers p on p.id = c.paper_id
    left join lateral (
      select count(*) as voters, sum(dots) as dots, sum(dots) filter (where user_id = ${viewerId}) as my_dots
      from votes where board_id = c.board_id and card_id = c.card_id
    ) v on true
    left join assignments a on a.board_id = c.board_id and a.card_id = c.card_id
    left join users u on u.id = a.presenter_id
    where c.board_id = ${boardId}
    order by col.position, c.position`;
  return {
    columns,
    cards: rows.map((r) => ({
      id: r.cardId,
      columnId: r.columnId,
      position: r.position,
      paperId: r.rawPaperId,
      paper: r.paperExists ? toPaper(r) : null,
      missingPaper: !r.paperExists,
      addedBy: r.addedBy,
      addedAt: r.addedAt.toISOString(),
      commentCount: r.commentCount,
      votes: { voters: r.voters, dots: r.dots },
      myDots: r.myDots,
      assignment:
        r.presenterId && r.sessionAt
          ? { presenter: { id: r.presenterId, name: r.presenterName ?? '' }, sessionAt: r.sessionAt.toISOString() }
          : null,
    })),
  };
}

/**
 * The boards of `userId` whose projection shows `paperId`, with the card's column and its votes, most
 * recently changed board first.
 */
export async function boardsShowingPaper(sql: Sql, userId: string, paperId: string): Promise<PaperOnBoard[]> {
  return sql<PaperOnBoard[]>`
    select distinct on (b.updated_at, b.id) b.id as board_id, b.name as board_name, m.role, c.card_id, c.column_id,
      coalesce(col.title, '') as column_title,
      json_build_object('voters', coalesce(v.voters, 0), 'dots', coalesce(v.dots, 0)) as votes
    from board_cards c
    join board_members m on m.board_id = c.board_id and m.user_id = ${userId}
    join boards b on b.id = c.board_id
    left join board_columns col on col.board_id = c.board_id and col.column_id = c.column_id
    left join lateral (
      select count(*)::int as voters, sum(dots)::int as dots from votes where board_id = c.board_id and card_id = c.card_id
    ) v on true
    where c.paper_id = ${paperId}
    order by b.updated_at desc, b.id, c.added_at, c.card_id`;
}

/**
 * Whether the board's projection (`board_cards`) has the card. The projection follows the live document
 * after a short delay: see `requireCardOnBoard` for a check that also asks the document.
 */
export async function cardProjected(sql: Querier, boardId: string, cardId: string): Promise<boolean> {
  const [card] = await sql`select 1 from board_cards where board_id = ${boardId} and card_id = ${cardId}`;
  return Boolean(card);
}
