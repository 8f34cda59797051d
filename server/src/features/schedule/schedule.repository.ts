import type postgres from 'postgres';
import type { ActivityEntry } from '#shared/schemas/activity.js';
import { recordActivity } from '#server/features/activity/activity.repository.js';
import type { Sql } from '#server/db/sql.js';
import type { Assignment, Schedule, Session, Suggestion } from '#shared/schemas/schedule.js';
import { findMeeting } from '#server/features/boards/boards.repository.js';
import { unavailableAt } from '#server/features/polls/polls.repository.js';
import { cardProjected } from '#server/features/cards/cards.repository.js';
import { nextFreeSession } from './meeting-slots.js';
import { rankPresenters, RANKING_SHOWN, type RotationMember, type RotationSession } from './rotation.js';

/** The pool or a transaction of it. */
type Db = Sql | postgres.TransactionSql;

/** The outcome of setting or removing an assignment; `changed` is false for an idempotent repeat. */
export type AssignmentOutcome<T extends Assignment | null> =
  | { status: 'no_card' }
  | { status: 'no_presenter' }
  | { status: 'not_yours' }
  | { status: 'no_session' }
  | { status: 'ok'; changed: boolean; assignment: T; activity?: ActivityEntry };

interface AssignmentRow {
  boardId: string;
  cardId: string;
  presenterId: string;
  presenterName: string;
  sessionAt: Date;
  assignedBy: string | null;
  updatedAt: Date;
}

function toAssignment(r: AssignmentRow): Assignment {
  return {
    boardId: r.boardId,
    cardId: r.cardId,
    presenter: { id: r.presenterId, name: r.presenterName },
    sessionAt: r.sessionAt.toISOString(),
    assignedBy: r.assignedBy,
    updatedAt: r.updatedAt.toISOString(),
  };
}

/** The card's assignment, locked until the end of the transaction. */
async function lockAssignment(tx: Db, boardId: string, cardId: string): Promise<AssignmentRow | null> {
  const [row]: [AssignmentRow?] = await tx`
    select a.board_id, a.card_id, a.presenter_id, u.name as presenter_name, a.session_at, a.assigned_by, a.updated_at
    from assignments a join users u on u.id = a.presenter_id
    where a.board_id = ${boardId} and a.card_id = ${cardId}
    for update of a`;
  return row ?? null;
}

/** What `assign` needs; `mayAssignOthers` false makes the actor a volunteer. */
export interface AssignInput {
  boardId: string;
  cardId: string;
  presenterId: string;
  /** Left out: the card's current session, or else the board's next free meeting slot after `now`. */
  sessionAt?: string;
  actorId: string;
  mayAssignOthers: boolean;
  now: Date;
}

/**
 * The board's next meeting slot after `now` that no other card still on the board has its session on
 * (that local day); null without a meeting time. Sessions are read under a per-board lock held to the
 * end of the transaction, so two members volunteering at once do not take the same slot.
 */
async function nextFreeSlot(tx: Db, boardId: string, cardId: string, now: Date): Promise<Date | null> {
  await tx`select pg_advisory_xact_lock(hashtext(${`sessions:${boardId}`}))`;
  const meeting = await findMeeting(tx, boardId);
  if (!meeting) return null;
  const taken = (await boardSessions(tx, boardId)).filter((s) => s.cardId !== cardId).map((s) => s.sessionAt);
  return nextFreeSession(meeting, now, taken);
}

/**
 * Sets who presents a card and when. The presenter's membership row is share-locked, so a concurrent
 * removal waits and then drops the assignment with the member (trigger in 0007). A volunteer may only
 * name themselves, and only over an assignment that is already theirs or absent.
 */
export async function assign(sql: Sql, a: AssignInput): Promise<AssignmentOutcome<Assignment>> {
  return sql.begin((tx) => assignWithin(tx, a));
}

/**
 * {@link assign} inside the caller's transaction, so that the assignment commits or rolls back with
 * whatever else the caller writes (a poll's pick closes the poll in the same transaction). A failed
 * outcome has written nothing.
 */
export async function assignWithin(
  tx: postgres.TransactionSql,
  a: AssignInput,
): Promise<AssignmentOutcome<Assignment>> {
  if (!(await cardProjected(tx, a.boardId, a.cardId))) return { status: 'no_card' };
  if (!a.mayAssignOthers && a.presenterId !== a.actorId) return { status: 'not_yours' };
  const [member] = await tx`
    select 1 from board_members where board_id = ${a.boardId} and user_id = ${a.presenterId} for share`;
  if (!member) return { status: 'no_presenter' };
  const previous = await lockAssignment(tx, a.boardId, a.cardId);
  if (!a.mayAssignOthers && previous && previous.presenterId !== a.actorId) return { status: 'not_yours' };
  const sessionAt = a.sessionAt
    ? new Date(a.sessionAt)
    : (previous?.sessionAt ?? (await nextFreeSlot(tx, a.boardId, a.cardId, a.now)));
  if (!sessionAt) return { status: 'no_session' };
  if (previous && previous.presenterId === a.presenterId && previous.sessionAt.getTime() === sessionAt.getTime()) {
    return { status: 'ok', changed: false, assignment: toAssignment(previous) };
  }
  const [row] = await tx<AssignmentRow[]>`
    with saved as (
      insert into assignments (board_id, card_id, presenter_id, session_at, assigned_by)
      values (${a.boardId}, ${a.cardId}, ${a.presenterId}, ${sessionAt}, ${a.actorId})
      on conflict (board_id, card_id) do update set presenter_id = excluded.presenter_id,
        session_at = excluded.session_at, assigned_by = excluded.assigned_by, updated_at = now()
      returning *
    )
    select s.board_id, s.card_id, s.presenter_id, u.name as presenter_name, s.session_at, s.assigned_by, s.updated_at
    from saved s join users u on u.id = s.presenter_id`;
  const activity = await recordActivity(tx, {
    boardId: a.boardId,
    actorId: a.actorId,
    kind: 'assignment:set',
    cardId: a.cardId,
    details: { presenterId: a.presenterId, sessionAt: sessionAt.toISOString() },
  });
  return { status: 'ok', changed: true, assignment: toAssignment(row), activity };
}

/** Removes a card's assignment; a volunteer (`mayAssignOthers` false) may only withdraw themselves. */
export async function unassign(
  sql: Sql,
  a: { boardId: string; cardId: string; actorId: string; mayAssignOthers: boolean },
): Promise<AssignmentOutcome<null>> {
  return sql.begin(async (tx): Promise<AssignmentOutcome<null>> => {
    if (!(await cardProjected(tx, a.boardId, a.cardId))) return { status: 'no_card' };
    const previous = await lockAssignment(tx, a.boardId, a.cardId);
    if (!previous) return { status: 'ok', changed: false, assignment: null };
    if (!a.mayAssignOthers && previous.presenterId !== a.actorId) return { status: 'not_yours' };
    await tx`delete from assignments where board_id = ${a.boardId} and card_id = ${a.cardId}`;
    const activity = await recordActivity(tx, {
      boardId: a.boardId,
      actorId: a.actorId,
      kind: 'assignment:removed',
      cardId: a.cardId,
      details: { presenterId: previous.presenterId },
    });
    return { status: 'ok', changed: true, assignment: null, activity };
  });
}

/** One assigned card still on the board, with its paper (null when not in the library). */
interface SessionRow {
  cardId: string;
  paperId: string | null;
  paperTitle: string | null;
  presenterId: string;
  presenterName: string;
  sessionAt: Date;
  updatedAt: Date;
}

/** The board's sessions of cards still on the board, soonest first. */
export async function boardSessions(sql: Db, boardId: string): Promise<SessionRow[]> {
  return sql<SessionRow[]>`
    select a.card_id, p.id as paper_id, p.title as paper_title, a.presenter_id, u.name as presenter_name,
      a.session_at, a.updated_at
    from assignments a
    join board_cards c on c.board_id = a.board_id and c.card_id = a.card_id
    join users u on u.id = a.presenter_id
    left join papers p on p.id = c.paper_id
    where a.board_id = ${boardId}
    order by a.session_at, a.card_id`;
}

function toSession(r: SessionRow): Session {
  return {
    cardId: r.cardId,
    paper: r.paperId !== null && r.paperTitle !== null ? { id: r.paperId, title: r.paperTitle } : null,
    presenter: { id: r.presenterId, name: r.presenterName },
    sessionAt: r.sessionAt.toISOString(),
  };
}

/** Sessions from `now` on (soonest first) and before it (latest first). */
export async function readSchedule(sql: Sql, boardId: string, now: Date): Promise<Schedule> {
  const rows = await boardSessions(sql, boardId);
  const upcoming = rows.filter((r) => r.sessionAt.getTime() >= now.getTime());
  const past = rows.filter((r) => r.sessionAt.getTime() < now.getTime()).reverse();
  return { upcoming: upcoming.map(toSession), past: past.map(toSession) };
}

/** Each member's latest vote, ballot or poll answer on the board. */
async function lastParticipation(sql: Db, boardId: string): Promise<{ userId: string; at: Date }[]> {
  return sql<{ userId: string; at: Date }[]>`
    select user_id, max(at) as at from (
      select user_id, created_at as at from votes where board_id = ${boardId}
      union all
      select b.user_id, b.updated_at from ballots b join rounds r on r.id = b.round_id where r.board_id = ${boardId}
      union all
      select a.user_id, a.updated_at from poll_answers a join polls p on p.id = a.poll_id where p.board_id = ${boardId}
    ) participation
    group by user_id`;
}

/**
 * Whose turn it is to present `cardId`, by the rotation rule of `rotation.ts` (fewest and least recent
 * sessions among members active lately and available for the session), with the reasons and the
 * ranking. The session is the card's own when it has one, else the board's next meeting slot (after
 * `now`) that no other card's session takes. Null when the card is not on the board.
 */
export async function suggestPresenter(
  sql: Sql,
  boardId: string,
  cardId: string,
  now: Date,
): Promise<Suggestion | null> {
  if (!(await cardProjected(sql, boardId, cardId))) return null;
  const members = await sql<RotationMember[]>`
    select u.id, u.name from board_members m join users u on u.id = m.user_id where m.board_id = ${boardId}`;
  // Every assignment, also of cards removed since: their presenters did present.
  const sessions = await sql<RotationSession[]>`
    select card_id, presenter_id, session_at from assignments where board_id = ${boardId}`;
  const attended = await sql<{ cardId: string; userId: string }[]>`
    select card_id, user_id from session_feedback where board_id = ${boardId} and attended`;
  const own = sessions.find((s) => s.cardId === cardId)?.sessionAt ?? null;
  let sessionAt = own;
  if (!sessionAt) {
    const meeting = await findMeeting(sql, boardId);
    const taken = (await boardSessions(sql, boardId)).filter((s) => s.cardId !== cardId).map((s) => s.sessionAt);
    sessionAt = meeting ? nextFreeSession(meeting, now, taken) : null;
  }
  const ranking = rankPresenters({
    cardId,
    now,
    members,
    sessions,
    attended,
    lastParticipation: await lastParticipation(sql, boardId),
    unavailable: sessionAt ? await unavailableAt(sql, boardId, sessionAt) : [],
    sessionAt,
  });
  const [first] = ranking;
  if (!first) return null;
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return {
    cardId,
    presenter: first.presenter,
    sessions: first.sessions,
    lastSessionAt: iso(first.lastSessionAt),
    sessionAt: iso(sessionAt),
    reason: first.reason,
    ranking: ranking.slice(0, RANKING_SHOWN).map((r) => ({ ...r, lastSessionAt: iso(r.lastSessionAt) })),
  };
}
