import type postgres from 'postgres';
import type { Sql } from '#server/db/sql.js';
import type { ActivityEntry } from '#shared/schemas/activity.js';
import type { CardTally, CardVoter, UpdateVotingRequest, VotingMode } from '#shared/schemas/votes.js';
import { recordActivity } from '#server/features/activity/activity.repository.js';

/** The pool or a transaction of it. */
type Db = Sql | postgres.TransactionSql;

/** A board's voting rules. */
interface VotingRules {
  mode: VotingMode;
  dotsPerMember: number;
  maxDotsPerCard: number;
}

/** The outcome of casting or removing a vote; `changed` is false for an idempotent repeat. */
export type VoteOutcome =
  | { status: 'no_member' }
  | { status: 'no_card' }
  | { status: 'invalid'; message: string }
  | { status: 'over_card'; maxDotsPerCard: number }
  | { status: 'over_budget'; remainingDots: number; dotsPerMember: number }
  | {
      status: 'ok';
      changed: boolean;
      tally: CardTally;
      /** Orders the card's tallies: a larger version is a later tally (see `lockCard`). */
      version: number;
      myDots: number;
      remainingDots: number | null;
      activity: ActivityEntry | null;
    };

/** The voting rules of a board, or null when there is no such board. */
export async function findVotingRules(sql: Db, boardId: string): Promise<VotingRules | null> {
  const [rules]: [VotingRules?] = await sql`
    select voting_mode as mode, dots_per_member, max_dots_per_card from boards where id = ${boardId}`;
  return rules ?? null;
}

/**
 * Changes the rules; a mode switch clears the board's votes (upvotes and dots do not compare). Lowering
 * the budget keeps the dots already given: members over it just have none left.
 */
export async function updateVotingRules(
  sql: Sql,
  boardId: string,
  patch: UpdateVotingRequest,
): Promise<{ rules: VotingRules; votesCleared: boolean } | null> {
  return sql.begin(async (tx) => {
    const [before]: [VotingRules?] = await tx`
      select voting_mode as mode, dots_per_member, max_dots_per_card from boards where id = ${boardId} for update`;
    if (!before) return null;
    const rules: VotingRules = {
      mode: patch.mode ?? before.mode,
      dotsPerMember: patch.dotsPerMember ?? before.dotsPerMember,
      maxDotsPerCard: patch.maxDotsPerCard ?? before.maxDotsPerCard,
    };
    await tx`
      update boards set voting_mode = ${rules.mode}, dots_per_member = ${rules.dotsPerMember},
        max_dots_per_card = ${rules.maxDotsPerCard}
      where id = ${boardId}`;
    const votesCleared = rules.mode !== before.mode;
    if (votesCleared) await tx`delete from votes where board_id = ${boardId}`;
    return { rules, votesCleared };
  });
}

/** Dots a member has given on cards that are still on the board, optionally leaving one card out. */
async function dotsInUse(sql: Db, boardId: string, userId: string, exceptCardId: string | null): Promise<number> {
  const [row] = await sql<{ used: number }[]>`
    select coalesce(sum(v.dots), 0)::int as used
    from votes v join board_cards c on c.board_id = v.board_id and c.card_id = v.card_id
    where v.board_id = ${boardId} and v.user_id = ${userId}
      ${exceptCardId === null ? sql`` : sql`and v.card_id <> ${exceptCardId}`}`;
  return row.used;
}

/** The tally of one card. */
async function cardTally(sql: Db, boardId: string, cardId: string): Promise<CardTally> {
  const [row] = await sql<CardTally[]>`
    select count(*)::int as voters, coalesce(sum(dots), 0)::int as dots
    from votes where board_id = ${boardId} and card_id = ${cardId}`;
  return row;
}

/** Tallies of the board's cards that have votes (cards no longer on the board are left out). */
export async function boardTallies(sql: Db, boardId: string): Promise<Record<string, CardTally>> {
  const rows = await sql<(CardTally & { cardId: string })[]>`
    select v.card_id, count(*)::int as voters, sum(v.dots)::int as dots
    from votes v join board_cards c on c.board_id = v.board_id and c.card_id = v.card_id
    where v.board_id = ${boardId}
    group by v.card_id`;
  return Object.fromEntries(rows.map((r) => [r.cardId, { voters: r.voters, dots: r.dots }]));
}

/**
 * Who voted for a card that is on the board, earliest vote first (a card not on the board has none,
 * as in the tallies).
 */
export async function cardVoters(sql: Db, boardId: string, cardId: string): Promise<CardVoter[]> {
  return sql<CardVoter[]>`
    select v.user_id, u.name, v.dots
    from votes v
      join board_cards c on c.board_id = v.board_id and c.card_id = v.card_id
      join users u on u.id = v.user_id
    where v.board_id = ${boardId} and v.card_id = ${cardId}
    order by v.created_at, u.name, v.user_id`;
}

/** The caller's budget on a board: dots used and left (null left in upvote mode). */
export async function memberBudget(sql: Db, boardId: string, userId: string, rules: VotingRules) {
  const usedDots = await dotsInUse(sql, boardId, userId, null);
  return {
    usedDots,
    remainingDots: rules.mode === 'dots' ? Math.max(0, rules.dotsPerMember - usedDots) : null,
  };
}

/**
 * Serialises one member's vote changes: the member's `board_members` row is locked until the end of
 * the transaction, so two concurrent votes of the same member cannot both fit in the same budget.
 * Returns null when the user is not (or no longer) a member.
 */
async function lockMember(tx: Db, boardId: string, userId: string): Promise<VotingRules | null> {
  const [member] = await tx`
    select 1 from board_members where board_id = ${boardId} and user_id = ${userId} for update`;
  if (!member) return null;
  return findVotingRules(tx, boardId);
}

/**
 * Takes the card's vote lock until the end of the transaction (an advisory lock, not the projection
 * row: the projection rewrites card rows under the board's row lock, which a vote's foreign-key check
 * waits for); false when the card is not on the board. Vote changes on one card run one after the
 * other, so each counts every vote committed before it (two members voting at once both counted 1
 * under read committed), and the version taken under the lock orders the card's tallies.
 */
async function lockCard(tx: Db, boardId: string, cardId: string): Promise<boolean> {
  await tx`select pg_advisory_xact_lock(hashtext(${boardId}), hashtext(${cardId}))`;
  const [card] = await tx`select 1 from board_cards where board_id = ${boardId} and card_id = ${cardId}`;
  return Boolean(card);
}

/** The card's tally now, with its version (call with the card locked). */
async function versionedTally(tx: Db, boardId: string, cardId: string) {
  const [{ version }] = await tx<{ version: string }[]>`select nextval('vote_versions') as version`;
  return { tally: await cardTally(tx, boardId, cardId), version: Number(version) };
}

/**
 * Sets the caller's vote on a card: 1 in upvote mode (a repeat changes nothing), `dots` (default 1) in
 * dots mode, within the per-card maximum and the member's budget.
 */
export async function castVote(
  sql: Sql,
  vote: { boardId: string; cardId: string; userId: string; dots: number | undefined },
): Promise<VoteOutcome> {
  const { boardId, cardId, userId } = vote;
  return sql.begin(async (tx): Promise<VoteOutcome> => {
    const rules = await lockMember(tx, boardId, userId);
    if (!rules) return { status: 'no_member' };
    if (!(await lockCard(tx, boardId, cardId))) return { status: 'no_card' };
    if (rules.mode === 'upvote' && vote.dots !== undefined && vote.dots !== 1) {
      return { status: 'invalid', message: 'body/dots is only accepted on boards that vote with dots' };
    }
    const dots = vote.dots ?? 1;
    let remainingDots: number | null = null;
    if (rules.mode === 'dots') {
      if (dots > rules.maxDotsPerCard) return { status: 'over_card', maxDotsPerCard: rules.maxDotsPerCard };
      const elsewhere = await dotsInUse(tx, boardId, userId, cardId);
      if (elsewhere + dots > rules.dotsPerMember) {
        return {
          status: 'over_budget',
          remainingDots: Math.max(0, rules.dotsPerMember - elsewhere),
          dotsPerMember: rules.dotsPerMember,
        };
      }
      remainingDots = rules.dotsPerMember - elsewhere - dots;
    }
    const [previous]: [{ dots: number }?] = await tx`
      select dots from votes where board_id = ${boardId} and card_id = ${cardId} and user_id = ${userId}`;
    const changed = previous?.dots !== dots;
    let activity: ActivityEntry | null = null;
    if (changed) {
      await tx`
        insert into votes (board_id, card_id, user_id, dots) values (${boardId}, ${cardId}, ${userId}, ${dots})
        on conflict (board_id, card_id, user_id) do update set dots = excluded.dots`;
      activity = await recordActivity(tx, { boardId, actorId: userId, kind: 'vote:cast', cardId, details: { dots } });
    }
    return {
      status: 'ok',
      changed,
      ...(await versionedTally(tx, boardId, cardId)),
      myDots: dots,
      remainingDots,
      activity,
    };
  });
}

/** Removes the caller's vote on a card; removing a vote that is not there changes nothing. */
export async function removeVote(
  sql: Sql,
  vote: { boardId: string; cardId: string; userId: string },
): Promise<VoteOutcome> {
  const { boardId, cardId, userId } = vote;
  return sql.begin(async (tx): Promise<VoteOutcome> => {
    const rules = await lockMember(tx, boardId, userId);
    if (!rules) return { status: 'no_member' };
    if (!(await lockCard(tx, boardId, cardId))) return { status: 'no_card' };
    const deleted = await tx`
      delete from votes where board_id = ${boardId} and card_id = ${cardId} and user_id = ${userId} returning dots`;
    const changed = deleted.length > 0;
    const activity = changed
      ? await recordActivity(tx, { boardId, actorId: userId, kind: 'vote:removed', cardId })
      : null;
    const { remainingDots } = await memberBudget(tx, boardId, userId, rules);
    const tally = await versionedTally(tx, boardId, cardId);
    return { status: 'ok', changed, ...tally, myDots: 0, remainingDots, activity };
  });
}
