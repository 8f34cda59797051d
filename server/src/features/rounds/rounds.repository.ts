import type { Querier, Sql } from '#server/db/sql.js';
import type { Ballot, RoundResult } from './tally.js';

/** How a round is voted. */
type RoundMethod = 'ranked' | 'approval' | 'dots';

/** A round as stored, with its ballots counted (not read). */
export interface RoundRow {
  id: string;
  boardId: string;
  method: RoundMethod;
  status: 'open' | 'closed';
  candidates: string[];
  counted: string[] | null;
  closesAt: Date;
  winners: number;
  moveWinnersTo: string | null;
  openBallot: boolean;
  dotsPerMember: number | null;
  result: RoundResult | null;
  createdBy: string | null;
  createdAt: Date;
  closedAt: Date | null;
  /** Members who have cast a ballot, earliest first. */
  voters: string[];
}

/** What opening a round stores. */
export interface NewRound {
  boardId: string;
  method: RoundMethod;
  candidates: string[];
  closesAt: Date;
  winners: number;
  moveWinnersTo: string | null;
  openBallot: boolean;
  dotsPerMember: number | null;
  createdBy: string;
}

/** A stored row, its count still as JSON text (see {@link roundColumns}). */
type StoredRound = Omit<RoundRow, 'result'> & { result: string | null };

// Ballots of people who are no longer members, or who are viewers now (demoted since they voted), are not
// counted (nor shown as voters). JSON columns are
// read as text: the client's camelCase transform would rewrite the card ids that key tallies and dots.
const roundColumns = (sql: Querier) => sql`
  r.id, r.board_id, r.method, r.status, r.candidates, r.counted, r.closes_at, r.winners, r.move_winners_to,
  r.open_ballot, r.dots_per_member, r.result::text as result, r.created_by, r.created_at, r.closed_at,
  array(
    select b.user_id from ballots b
      join board_members m on m.board_id = r.board_id and m.user_id = b.user_id and m.role <> 'viewer'
    where b.round_id = r.id order by b.updated_at, b.user_id
  ) as voters`;

function parsed(row: StoredRound): RoundRow {
  return { ...row, result: row.result === null ? null : (JSON.parse(row.result) as RoundResult) };
}

/** Stores a new open round and returns it. */
export async function insertRound(sql: Querier, round: NewRound): Promise<RoundRow> {
  const [row] = await sql<StoredRound[]>`
    with inserted as (
      insert into rounds (board_id, method, candidates, closes_at, winners, move_winners_to, open_ballot,
        dots_per_member, created_by)
      values (${round.boardId}, ${round.method}, ${round.candidates}::text[], ${round.closesAt}, ${round.winners},
        ${round.moveWinnersTo}, ${round.openBallot}, ${round.dotsPerMember}, ${round.createdBy})
      returning *
    )
    select ${roundColumns(sql)} from inserted r`;
  return parsed(row);
}

/** One round of a board, or null. */
export async function findRound(sql: Querier, boardId: string, roundId: string): Promise<RoundRow | null> {
  const [row]: [StoredRound?] = await sql`
    select ${roundColumns(sql)} from rounds r where r.board_id = ${boardId} and r.id = ${roundId}`;
  return row ? parsed(row) : null;
}

/** A board's rounds, newest first. */
export async function listRounds(sql: Querier, boardId: string): Promise<RoundRow[]> {
  const rows = await sql<StoredRound[]>`
    select ${roundColumns(sql)} from rounds r where r.board_id = ${boardId} order by r.created_at desc, r.id`;
  return rows.map(parsed);
}

/** A member's ballot in a round, or null. */
export async function findBallot(sql: Querier, roundId: string, userId: string): Promise<Ballot | null> {
  const [row]: [{ ballot: string }?] = await sql`
    select ballot::text as ballot from ballots where round_id = ${roundId} and user_id = ${userId}`;
  return row ? (JSON.parse(row.ballot) as Ballot) : null;
}

/** The ballots of the round's current voting members (editors, owners), by user id, earliest first. */
export async function memberBallots(sql: Querier, roundId: string): Promise<{ userId: string; ballot: Ballot }[]> {
  const rows = await sql<{ userId: string; ballot: string }[]>`
    select b.user_id, b.ballot::text as ballot
    from ballots b
      join rounds r on r.id = b.round_id
      join board_members m on m.board_id = r.board_id and m.user_id = b.user_id and m.role <> 'viewer'
    where b.round_id = ${roundId}
    order by b.updated_at, b.user_id`;
  return rows.map((row) => ({ userId: row.userId, ballot: JSON.parse(row.ballot) as Ballot }));
}

/**
 * Locks a round's row until the transaction ends and returns its status; null when there is no such
 * round. Ballots take the lock shared and closing takes it exclusively, so a ballot is either counted or
 * refused.
 */
export async function lockRound(
  tx: Querier,
  roundId: string,
  mode: 'share' | 'update',
): Promise<{ status: 'open' | 'closed' } | null> {
  const [row]: [{ status: 'open' | 'closed' }?] = await tx`
    select status from rounds where id = ${roundId}
    ${mode === 'share' ? tx`for share` : tx`for update`}`;
  return row ?? null;
}

/** Stores or replaces a member's ballot (call with the round locked and open). */
export async function upsertBallot(tx: Querier, roundId: string, userId: string, ballot: Ballot): Promise<void> {
  await tx`
    insert into ballots (round_id, user_id, ballot) values (${roundId}, ${userId}, ${tx.json(ballot)})
    on conflict (round_id, user_id) do update set ballot = excluded.ballot, updated_at = now()`;
}

/**
 * Closes a round with its count, only if it is still open: of two nodes closing it at once, exactly one
 * gets true. A round with no column to move its winners to, or no winners, has nothing left to do.
 */
export async function markClosed(
  tx: Querier,
  roundId: string,
  closing: { counted: string[]; result: RoundResult; at: Date },
): Promise<boolean> {
  // As text, cast by the server: sql.json's parameter type wants an index signature the result has not.
  const rows = await tx`
    update rounds set status = 'closed', counted = ${closing.counted}::text[],
      result = ${JSON.stringify(closing.result)}::text::jsonb,
      closed_at = ${closing.at},
      winners_moved_at = case when move_winners_to is null or ${closing.result.winners.length} = 0
        then ${closing.at}::timestamptz end
    where id = ${roundId} and status = 'open'
    returning id`;
  return rows.length > 0;
}

/** Open rounds whose deadline has passed at `now`, oldest deadline first. */
export function dueRounds(sql: Sql, now: Date, limit = 100): Promise<{ id: string; boardId: string }[]> {
  return sql<{ id: string; boardId: string }[]>`
    select id, board_id from rounds where status = 'open' and closes_at <= ${now}
    order by closes_at, id limit ${limit}`;
}

/** Closed rounds whose winners have not been moved yet, closed before `before` (oldest first). */
export function unmovedRounds(sql: Sql, before: Date, limit = 100): Promise<{ id: string; boardId: string }[]> {
  return sql<{ id: string; boardId: string }[]>`
    select id, board_id from rounds
    where status = 'closed' and winners_moved_at is null and closed_at <= ${before}
    order by closed_at, id limit ${limit}`;
}

/**
 * Runs `move` for a closed round whose winners are still to move, then marks them moved, all under the
 * round's row lock; a round another process is moving (locked) or has moved is skipped (false). A
 * process dying during `move` leaves the mark unset, so the move is tried again.
 */
export function withUnmovedWinners(sql: Sql, roundId: string, move: () => Promise<void>): Promise<boolean> {
  return sql.begin(async (tx) => {
    const [row] = await tx`
      select id from rounds where id = ${roundId} and status = 'closed' and winners_moved_at is null
      for update skip locked`;
    if (!row) return false;
    await move();
    await tx`update rounds set winners_moved_at = now() where id = ${roundId}`;
    return true;
  });
}
