import type { Querier, Sql } from '#server/db/sql.js';
import type { ActivityEntry } from '#shared/schemas/activity.js';
import type { CardFeedback, FeedbackSummary, MyFeedback, Takeaway } from '#shared/schemas/feedback.js';
import { recordActivity } from '#server/features/activity/activity.repository.js';

/** A change to my own feedback, as the route has checked its shape (a takeaway trimmed, one line). */
export interface FeedbackPatch {
  attended?: boolean;
  rating?: number | null;
  takeaway?: string | null;
  interest?: number | null;
}

/** Why a change was refused, or what it did. */
export type FeedbackOutcome =
  | { status: 'no_member' }
  /** Attendance, rating or takeaway before the session has happened (or on a card without a session). */
  | { status: 'not_held' }
  /** Interest once the session has happened. */
  | { status: 'held' }
  /** A rating or takeaway without attendance; `field` is the first such field of the body. */
  | { status: 'not_attended'; field: 'rating' | 'takeaway' }
  | { status: 'ok'; changed: boolean; feedback: CardFeedback; activity: ActivityEntry[] };

const NO_FEEDBACK: MyFeedback = { attended: null, rating: null, takeaway: null, interest: null };

/**
 * Takes the card's feedback lock until the end of the transaction (an advisory lock, as votes take one
 * per card under another key): changes to one card's feedback run one after the other, so each summary
 * counts every change committed before it, and the version taken under the lock orders them.
 */
async function lockCardFeedback(tx: Querier, boardId: string, cardId: string): Promise<void> {
  await tx`select pg_advisory_xact_lock(hashtext(${`feedback:${boardId}`}), hashtext(${cardId}))`;
}

/** The card's session time, or null when it has no assignment. */
async function sessionOf(sql: Querier, boardId: string, cardId: string): Promise<Date | null> {
  const [row]: [{ sessionAt: Date }?] = await sql`
    select session_at from assignments where board_id = ${boardId} and card_id = ${cardId}`;
  return row?.sessionAt ?? null;
}

interface SummaryRow {
  cardId: string;
  attended: number;
  ratingAverage: number | null;
  ratingCount: number;
  interestAverage: number | null;
  interestCount: number;
}

function toSummary(r: SummaryRow): FeedbackSummary {
  return {
    attended: r.attended,
    rating: { average: r.ratingAverage, count: r.ratingCount },
    interest: { average: r.interestAverage, count: r.interestCount },
  };
}

/** An empty summary: nobody said anything yet. */
export const NO_SUMMARY: FeedbackSummary = {
  attended: 0,
  rating: { average: null, count: 0 },
  interest: { average: null, count: 0 },
};

/**
 * Summaries of the board's cards that have feedback (of current members: a member's rows leave with
 * them, trigger in 0022), optionally of one card only. Cards no longer on the board are left out.
 */
async function summaries(sql: Querier, boardId: string, cardId?: string): Promise<Record<string, FeedbackSummary>> {
  const rows = await sql<SummaryRow[]>`
    select f.card_id,
      count(*) filter (where f.attended)::int as attended,
      round(avg(f.rating), 2)::float8 as rating_average, count(f.rating)::int as rating_count,
      round(avg(f.interest), 2)::float8 as interest_average, count(f.interest)::int as interest_count
    from session_feedback f
    join board_cards c on c.board_id = f.board_id and c.card_id = f.card_id
    where f.board_id = ${boardId} ${cardId === undefined ? sql`` : sql`and f.card_id = ${cardId}`}
    group by f.card_id`;
  return Object.fromEntries(rows.map((r) => [r.cardId, toSummary(r)]));
}

/** The feedback summaries of every card of the board that has some. */
export function boardFeedback(sql: Sql, boardId: string): Promise<Record<string, FeedbackSummary>> {
  return summaries(sql, boardId);
}

/** Everything the card's panel shows, read with the card locked (so that its version orders it). */
async function readCardFeedback(
  tx: Querier,
  a: { boardId: string; cardId: string; userId: string; now: Date },
): Promise<CardFeedback> {
  const { boardId, cardId, userId } = a;
  const [mine]: [MyFeedback?] = await tx`
    select attended, rating, takeaway, interest
    from session_feedback where board_id = ${boardId} and card_id = ${cardId} and user_id = ${userId}`;
  const takeaways = await tx<{ id: string; name: string; rating: number | null; takeaway: string }[]>`
    select u.id, u.name, f.rating, f.takeaway
    from session_feedback f join users u on u.id = f.user_id
    where f.board_id = ${boardId} and f.card_id = ${cardId} and f.takeaway is not null
    order by f.updated_at, u.name, u.id`;
  const sessionAt = await sessionOf(tx, boardId, cardId);
  const [{ version }] = await tx<{ version: string }[]>`select nextval('feedback_versions') as version`;
  return {
    cardId,
    sessionAt: sessionAt?.toISOString() ?? null,
    held: sessionAt !== null && sessionAt.getTime() <= a.now.getTime(),
    mine: mine ?? NO_FEEDBACK,
    summary: (await summaries(tx, boardId, cardId))[cardId] ?? NO_SUMMARY,
    takeaways: takeaways.map((t): Takeaway => ({
      user: { id: t.id, name: t.name },
      rating: t.rating,
      takeaway: t.takeaway,
    })),
    version: Number(version),
  };
}

/** My feedback on a card, the group's summary and the takeaways (the caller checks the card is on the board). */
export async function cardFeedback(
  sql: Sql,
  a: { boardId: string; cardId: string; userId: string; now: Date },
): Promise<CardFeedback> {
  return sql.begin(async (tx) => {
    await lockCardFeedback(tx, a.boardId, a.cardId);
    return readCardFeedback(tx, a);
  });
}

/**
 * Changes the caller's own feedback on a card. Their membership row is share-locked, so a removal waits
 * and then takes the feedback with the member (trigger in 0022). Attendance, rating and takeaway only
 * once the card's session has happened, interest only before it (or while the card has none); a rating
 * or takeaway needs attendance, and `attended: false` clears both. Records `session:attended` and
 * `session:rated` when attendance or a rating changes (interest is not recorded).
 */
export async function saveFeedback(
  sql: Sql,
  a: { boardId: string; cardId: string; userId: string; patch: FeedbackPatch; now: Date },
): Promise<FeedbackOutcome> {
  const { boardId, cardId, userId, patch } = a;
  return sql.begin(async (tx): Promise<FeedbackOutcome> => {
    const [member] = await tx`
      select 1 from board_members where board_id = ${boardId} and user_id = ${userId} for share`;
    if (!member) return { status: 'no_member' };
    await lockCardFeedback(tx, boardId, cardId);
    const sessionAt = await sessionOf(tx, boardId, cardId);
    const held = sessionAt !== null && sessionAt.getTime() <= a.now.getTime();
    const afterSession = patch.attended !== undefined || patch.rating !== undefined || patch.takeaway !== undefined;
    if (afterSession && !held) return { status: 'not_held' };
    if (patch.interest !== undefined && held) return { status: 'held' };

    const [previous]: [MyFeedback?] = await tx`
      select attended, rating, takeaway, interest
      from session_feedback where board_id = ${boardId} and card_id = ${cardId} and user_id = ${userId}`;
    const before = previous ?? NO_FEEDBACK;
    const attended = patch.attended ?? before.attended;
    for (const field of ['rating', 'takeaway'] as const) {
      if (patch[field] !== undefined && patch[field] !== null && attended !== true) {
        return { status: 'not_attended', field };
      }
    }
    const next: MyFeedback = {
      attended,
      rating: attended === true ? (patch.rating === undefined ? before.rating : patch.rating) : null,
      takeaway: attended === true ? (patch.takeaway === undefined ? before.takeaway : patch.takeaway) : null,
      interest: patch.interest === undefined ? before.interest : patch.interest,
    };
    const changed = (Object.keys(next) as (keyof MyFeedback)[]).some((key) => next[key] !== before[key]);
    const activity: ActivityEntry[] = [];
    if (changed) {
      if (Object.values(next).every((value) => value === null)) {
        await tx`delete from session_feedback where board_id = ${boardId} and card_id = ${cardId} and user_id = ${userId}`;
      } else {
        await tx`
          insert into session_feedback (board_id, card_id, user_id, attended, rating, takeaway, interest)
          values (${boardId}, ${cardId}, ${userId}, ${next.attended}, ${next.rating}, ${next.takeaway}, ${next.interest})
          on conflict (board_id, card_id, user_id) do update set attended = excluded.attended,
            rating = excluded.rating, takeaway = excluded.takeaway, interest = excluded.interest, updated_at = now()`;
      }
      if (next.attended !== before.attended && next.attended !== null) {
        activity.push(
          await recordActivity(tx, {
            boardId,
            actorId: userId,
            kind: 'session:attended',
            cardId,
            details: { attended: next.attended },
          }),
        );
      }
      if (next.rating !== before.rating && next.rating !== null) {
        activity.push(
          await recordActivity(tx, {
            boardId,
            actorId: userId,
            kind: 'session:rated',
            cardId,
            details: { rating: next.rating },
          }),
        );
      }
    }
    return { status: 'ok', changed, feedback: await readCardFeedback(tx, a), activity };
  });
}
