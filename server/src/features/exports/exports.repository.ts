import type { Sql } from '#server/db/sql.js';
import type { BoardExport, ExportedCard } from '#shared/schemas/exports.js';
import { toPaper, type PaperRow } from '#server/features/papers/papers.repository.js';

type CardRow = PaperRow & {
  cardId: string;
  columnId: string;
  paperExists: boolean;
  voters: number;
  dots: number;
  presenterId: string | null;
  presenterName: string | null;
  sessionAt: Date | null;
  attended: number;
  ratingAverage: number | null;
  ratingCount: number;
  interestAverage: number | null;
  interestCount: number;
};

/**
 * The board's reading list from the projection: columns in board order, each with its cards in order,
 * their papers, vote tallies (from `votes`), presenter, session and feedback summary (`session_feedback`). Null when there is no such board.
 */
export async function readBoardExport(sql: Sql, boardId: string, now: Date): Promise<BoardExport | null> {
  const [board]: [{ id: string; name: string }?] = await sql`select id, name from boards where id = ${boardId}`;
  if (!board) return null;
  const columns = await sql<{ id: string; title: string }[]>`
    select column_id as id, title from board_columns where board_id = ${boardId} order by position`;
  const rows = await sql<CardRow[]>`
    select c.card_id, c.column_id, p.id is not null as paper_exists,
      p.id, p.title, p.abstract, p.authors, p.arxiv_id, p.doi, p.url, p.code_urls, p.tags, p.published_at, p.published_precision, p.created_at, p.upvotes, p.feed_day::text as feed_day,
      coalesce(v.voters, 0)::int as voters, coalesce(v.dots, 0)::int as dots,
      a.presenter_id, u.name as presenter_name, a.session_at,
      coalesce(f.attended, 0)::int as attended, f.rating_average, coalesce(f.rating_count, 0)::int as rating_count,
      f.interest_average, coalesce(f.interest_count, 0)::int as interest_count
    from board_cards c
    join board_columns col on col.board_id = c.board_id and col.column_id = c.column_id
    left join papers p on p.id = c.paper_id
    left join (
      select card_id, count(*) as voters, sum(dots) as dots from votes where board_id = ${boardId} group by card_id
    ) v on v.card_id = c.card_id
    left join (
      select card_id, count(*) filter (where attended) as attended,
        round(avg(rating), 2)::float8 as rating_average, count(rating) as rating_count,
        round(avg(interest), 2)::float8 as interest_average, count(interest) as interest_count
      from session_feedback where board_id = ${boardId} group by card_id
    ) f on f.card_id = c.card_id
    left join assignments a on a.board_id = c.board_id and a.card_id = c.card_id
    left join users u on u.id = a.presenter_id
    where c.board_id = ${boardId}
    order by col.position, c.position, c.card_id`;
  const cardsByColumn = new Map<string, ExportedCard[]>();
  for (const r of rows) {
    const card: ExportedCard = {
      cardId: r.cardId,
      paper: r.paperExists ? toPaper(r) : null,
      votes: { voters: r.voters, dots: r.dots },
      presenter:
        r.presenterId !== null && r.presenterName !== null ? { id: r.presenterId, name: r.presenterName } : null,
      sessionAt: r.sessionAt?.toISOString() ?? null,
      feedback: {
        attended: r.attended,
        rating: { average: r.ratingAverage, count: r.ratingCount },
        interest: { average: r.interestAverage, count: r.interestCount },
      },
      // Notes live in their own documents: the caller adds them (see `boardNotes`).
      note: null,
    };
    const list = cardsByColumn.get(r.columnId) ?? [];
    list.push(card);
    cardsByColumn.set(r.columnId, list);
  }
  return {
    board,
    exportedAt: now.toISOString(),
    columns: columns.map((c) => ({ ...c, cards: cardsByColumn.get(c.id) ?? [] })),
  };
}
