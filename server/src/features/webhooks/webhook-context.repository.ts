import type { Sql } from '#server/db/sql.js';

/** A paper as a chat message names it. */
export interface PaperFacts {
  title: string;
  url: string | null;
  arxivId: string | null;
  doi: string | null;
}

/** The board's name, or null when it is gone. */
export async function boardNameOf(sql: Sql, boardId: string): Promise<string | null> {
  const [row]: [{ name: string }?] = await sql`select name from boards where id = ${boardId}`;
  return row?.name ?? null;
}

/** The paper of a card on the board (or, for a card removed since, the library paper `paperId`). */
export async function paperOf(
  sql: Sql,
  boardId: string,
  cardId: string | null,
  paperId: string | null,
): Promise<PaperFacts | null> {
  const [row]: [PaperFacts?] = await sql`
    select p.title, p.url, p.arxiv_id, p.doi from papers p
    where p.id = coalesce(
      (select c.paper_id from board_cards c where c.board_id = ${boardId} and c.card_id = ${cardId ?? ''}),
      ${paperId}::uuid)`;
  return row ?? null;
}

/** Titles of the board's cards among `cardIds`, in the given order (cards removed since are left out). */
export async function cardTitles(sql: Sql, boardId: string, cardIds: string[]): Promise<string[]> {
  if (cardIds.length === 0) return [];
  const rows = await sql<{ cardId: string; title: string }[]>`
    select c.card_id, p.title from board_cards c join papers p on p.id = c.paper_id
    where c.board_id = ${boardId} and c.card_id = any(${cardIds})`;
  const byId = new Map(rows.map((r) => [r.cardId, r.title]));
  return cardIds.map((id) => byId.get(id)).filter((t): t is string => t !== undefined);
}

/** A member's display name (never their address), or null. */
export async function userNameOf(sql: Sql, userId: string | null): Promise<string | null> {
  if (!userId) return null;
  const [row]: [{ name: string }?] = await sql`select name from users where id = ${userId}`;
  return row?.name ?? null;
}

/** What a message says of a ballot round. */
export interface RoundFacts {
  method: string;
  candidates: number;
  closesAt: Date;
  status: string;
  winners: string[];
  ballots: number;
}

/** A round of the board with its winners' card ids once closed, or null. */
export async function roundOf(sql: Sql, boardId: string, roundId: string): Promise<RoundFacts | null> {
  const [row]: [RoundFacts?] = await sql`
    select r.method, cardinality(r.candidates) as candidates, r.closes_at, r.status,
      coalesce(array(select jsonb_array_elements_text(r.result->'winners')), '{}') as winners,
      (select count(*)::int from ballots b where b.round_id = r.id) as ballots
    from rounds r where r.board_id = ${boardId} and r.id = ${roundId}::uuid`;
  return row ?? null;
}

/**
 * Whether the card still had a session when the activity entry `activityId` set one (then this one moved
 * it): the latest earlier set or removal of its assignment was a set.
 */
export async function hadEarlierSession(
  sql: Sql,
  boardId: string,
  cardId: string,
  activityId: string,
): Promise<boolean> {
  const [row]: [{ kind: string }?] = await sql`
    select kind from activity
    where board_id = ${boardId} and card_id = ${cardId} and kind in ('assignment:set', 'assignment:removed')
      and id < ${activityId}::bigint
    order by id desc limit 1`;
  return row?.kind === 'assignment:set';
}
