import type { Querier, Sql } from '#server/db/sql.js';
import { bestSlot, type Poll, type PollAnswer, type PollAnswers } from '#shared/schemas/polls.js';

/** A poll as stored, with the title of its card's paper and the picked presenter's name. */
interface PollRow {
  id: string;
  boardId: string;
  cardId: string | null;
  status: 'open' | 'closed';
  closesAt: Date | null;
  pickedSlotId: string | null;
  pickedCardId: string | null;
  pickedPresenterId: string | null;
  pickedPresenterName: string | null;
  paperId: string | null;
  paperTitle: string | null;
  createdBy: string | null;
  createdAt: Date;
  closedAt: Date | null;
}

interface SlotRow {
  id: string;
  pollId: string;
  at: Date;
  yes: number;
  maybe: number;
  no: number;
}

interface AnswerRow {
  pollId: string;
  slotId: string;
  userId: string;
  name: string;
  answer: PollAnswer;
}

/** What creating a poll stores. */
export interface NewPoll {
  boardId: string;
  cardId: string | null;
  /** Distinct, sorted. */
  slots: Date[];
  closesAt: Date | null;
  createdBy: string;
}

/**
 * Stores a new open poll with its slots and returns its id. Call in a transaction holding
 * {@link lockBoardPolls}, after {@link countOpenPolls}.
 */
export async function insertPoll(tx: Querier, poll: NewPoll): Promise<string> {
  const [row] = await tx<{ id: string }[]>`
    insert into polls (board_id, card_id, closes_at, created_by)
    values (${poll.boardId}, ${poll.cardId}, ${poll.closesAt}, ${poll.createdBy})
    returning id`;
  await tx`
    insert into poll_slots (poll_id, at)
    select ${row.id}, unnest(${poll.slots.map((at) => at.toISOString())}::timestamptz[])`;
  return row.id;
}

/** Serialises poll creation on one board until the transaction ends, so the open-poll limit holds. */
export async function lockBoardPolls(tx: Querier, boardId: string): Promise<void> {
  await tx`select pg_advisory_xact_lock(hashtext(${`polls:${boardId}`}))`;
}

/** How many polls of the board are open (not yet picked or deleted). */
export async function countOpenPolls(sql: Querier, boardId: string): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    select count(*)::int as n from polls where board_id = ${boardId} and status = 'open'`;
  return row.n;
}

/**
 * The board's polls (one when `pollId` is given) as `userId` sees them, newest first; `now` decides
 * whether answers are still taken. `status` keeps open or closed ones only; `limit` caps the list.
 */
export async function readPolls(
  sql: Querier,
  boardId: string,
  userId: string,
  now: Date,
  filter: { pollId?: string; status?: 'open' | 'closed'; limit?: number } = {},
): Promise<Poll[]> {
  // A poll's paper: its own card's, or for a poll without a card, the card picked for it.
  const rows = await sql<PollRow[]>`
    select p.id, p.board_id, p.card_id, p.status, p.closes_at, p.picked_slot_id, p.picked_card_id,
      p.picked_presenter_id, u.name as picked_presenter_name, pa.id as paper_id, pa.title as paper_title,
      p.created_by, p.created_at, p.closed_at
    from polls p
    left join board_cards c on c.board_id = p.board_id and c.card_id = coalesce(p.card_id, p.picked_card_id)
    left join papers pa on pa.id = c.paper_id
    left join users u on u.id = p.picked_presenter_id
    where p.board_id = ${boardId}
      ${filter.pollId ? sql`and p.id = ${filter.pollId}` : sql``}
      ${filter.status ? sql`and p.status = ${filter.status}` : sql``}
    order by p.created_at desc, p.id
    limit ${filter.limit ?? 100}`;
  if (rows.length === 0) return [];
  const ids = rows.map((row) => row.id);
  const slots = await sql<SlotRow[]>`
    select s.id, s.poll_id, s.at,
      count(a.user_id) filter (where a.answer = 'yes')::int as yes,
      count(a.user_id) filter (where a.answer = 'maybe')::int as maybe,
      count(a.user_id) filter (where a.answer = 'no')::int as no
    from poll_slots s left join poll_answers a on a.slot_id = s.id
    where s.poll_id = any(${ids}::uuid[])
    group by s.id
    order by s.at`;
  const answers = await sql<AnswerRow[]>`
    select a.poll_id, a.slot_id, a.user_id, u.name, a.answer
    from poll_answers a join users u on u.id = a.user_id
    where a.poll_id = any(${ids}::uuid[])
    order by u.name, a.user_id`;
  return rows.map((row) => toPoll(row, slots, answers, userId, now));
}

function toPoll(row: PollRow, allSlots: SlotRow[], allAnswers: AnswerRow[], userId: string, now: Date): Poll {
  const slots = allSlots
    .filter((slot) => slot.pollId === row.id)
    .map((slot) => ({ id: slot.id, at: slot.at.toISOString(), yes: slot.yes, maybe: slot.maybe, no: slot.no }));
  const answers: Record<string, PollAnswers> = {};
  const respondents: { id: string; name: string }[] = [];
  for (const answer of allAnswers) {
    if (answer.pollId !== row.id) continue;
    if (!answers[answer.userId]) {
      answers[answer.userId] = {};
      respondents.push({ id: answer.userId, name: answer.name });
    }
    answers[answer.userId][answer.slotId] = answer.answer;
  }
  return {
    id: row.id,
    boardId: row.boardId,
    cardId: row.cardId,
    paper: row.paperId !== null && row.paperTitle !== null ? { id: row.paperId, title: row.paperTitle } : null,
    status: row.status,
    answering: row.status === 'open' && (row.closesAt === null || row.closesAt.getTime() > now.getTime()),
    closesAt: row.closesAt?.toISOString() ?? null,
    slots,
    answers,
    respondents,
    best: bestSlot(slots),
    myAnswers: answers[userId] ?? {},
    pickedSlotId: row.pickedSlotId,
    pickedCardId: row.pickedCardId,
    presenter:
      row.pickedPresenterId !== null && row.pickedPresenterName !== null
        ? { id: row.pickedPresenterId, name: row.pickedPresenterName }
        : null,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    closedAt: row.closedAt?.toISOString() ?? null,
  };
}

/** A poll's state and slots, as answering and picking check them. */
export interface LockedPoll {
  status: 'open' | 'closed';
  cardId: string | null;
  closesAt: Date | null;
  /** Slot id → time. */
  slots: Map<string, Date>;
}

/**
 * Locks a board's poll until the transaction ends and returns its state; null when there is no such
 * poll on the board. Answers take the lock shared and a pick exclusively: an answer is saved before the
 * poll closes, or refused; of two picks, the second finds the poll closed.
 */
export async function lockPoll(
  tx: Querier,
  boardId: string,
  pollId: string,
  mode: 'share' | 'update',
): Promise<LockedPoll | null> {
  const [row]: [{ status: 'open' | 'closed'; cardId: string | null; closesAt: Date | null }?] = await tx`
    select status, card_id, closes_at from polls where board_id = ${boardId} and id = ${pollId}
    ${mode === 'share' ? tx`for share` : tx`for update`}`;
  if (!row) return null;
  const slots = await tx<{ id: string; at: Date }[]>`select id, at from poll_slots where poll_id = ${pollId}`;
  return { ...row, slots: new Map(slots.map((slot) => [slot.id, slot.at])) };
}

/**
 * Share-locks a member's row until the transaction ends: a removal waits for the answer being saved,
 * and then deletes it with the member (trigger in 0021). False when the user is no longer a member.
 */
export async function lockMember(tx: Querier, boardId: string, userId: string): Promise<boolean> {
  const [row] = await tx`select 1 from board_members where board_id = ${boardId} and user_id = ${userId} for share`;
  return Boolean(row);
}

/** A member's answers to a poll, slot id → answer. */
export async function memberAnswers(sql: Querier, pollId: string, userId: string): Promise<PollAnswers> {
  const rows = await sql<{ slotId: string; answer: PollAnswer }[]>`
    select slot_id, answer from poll_answers where poll_id = ${pollId} and user_id = ${userId}`;
  return Object.fromEntries(rows.map((row) => [row.slotId, row.answer]));
}

/**
 * Replaces a member's answers to a poll (call with the poll locked and open): slots left out lose their
 * answer. True when anything changed.
 */
export async function replaceAnswers(
  tx: Querier,
  pollId: string,
  userId: string,
  answers: PollAnswers,
): Promise<boolean> {
  const slotIds = Object.keys(answers);
  const removed = await tx`
    delete from poll_answers where poll_id = ${pollId} and user_id = ${userId}
      and slot_id <> all(${slotIds}::uuid[])
    returning slot_id`;
  let changed = removed.length > 0;
  for (const [slotId, answer] of Object.entries(answers)) {
    // `where` leaves an unchanged answer alone: no row comes back, nothing is rewritten.
    const saved = await tx`
      insert into poll_answers (slot_id, poll_id, user_id, answer) values (${slotId}, ${pollId}, ${userId}, ${answer})
      on conflict (slot_id, user_id) do update set answer = excluded.answer, updated_at = now()
        where poll_answers.answer <> excluded.answer
      returning 1`;
    if (saved.length > 0) changed = true;
  }
  return changed;
}

/** The counts per slot of a poll and how many members answered, for `poll:answered`. */
export async function pollCounts(
  sql: Querier,
  pollId: string,
): Promise<{ respondents: number; slots: { id: string; yes: number; maybe: number; no: number }[] }> {
  const slots = await sql<{ id: string; yes: number; maybe: number; no: number }[]>`
    select s.id,
      count(a.user_id) filter (where a.answer = 'yes')::int as yes,
      count(a.user_id) filter (where a.answer = 'maybe')::int as maybe,
      count(a.user_id) filter (where a.answer = 'no')::int as no
    from poll_slots s left join poll_answers a on a.slot_id = s.id
    where s.poll_id = ${pollId}
    group by s.id
    order by s.at, s.id`;
  const [row] = await sql<{ n: number }[]>`
    select count(distinct user_id)::int as n from poll_answers where poll_id = ${pollId}`;
  return { respondents: row.n, slots };
}

/** Closes a poll with its pick (call with the poll locked `for update` and open). */
export async function markPicked(
  tx: Querier,
  pollId: string,
  pick: { slotId: string; cardId: string; presenterId: string; at: Date },
): Promise<void> {
  await tx`
    update polls set status = 'closed', picked_slot_id = ${pick.slotId}, picked_card_id = ${pick.cardId},
      picked_presenter_id = ${pick.presenterId}, closed_at = ${pick.at}
    where id = ${pollId} and status = 'open'`;
}

/** Deletes a board's poll with its slots and answers; false when there was none. */
export async function deletePoll(sql: Querier, boardId: string, pollId: string): Promise<boolean> {
  const rows = await sql`delete from polls where board_id = ${boardId} and id = ${pollId} returning card_id`;
  return rows.length > 0;
}

/** An open poll that waits for a member's answer (see {@link pollsAwaitingAnswer}). */
export interface AwaitingPoll {
  pollId: string;
  boardId: string;
  boardName: string;
  cardId: string | null;
  /** The title of the card's paper, when the card is on the board and its paper in the library. */
  paperTitle: string | null;
  slots: number;
  closesAt: Date | null;
  createdAt: Date;
}

/**
 * Open polls on the boards where `userId` is an editor or owner (those who may answer) that still take
 * answers at `now` (no deadline or a later one) and have a slot after `now`, and where the user has
 * answered no slot at all. Soonest deadline first (no deadline last), then oldest. For the digest.
 */
export function pollsAwaitingAnswer(sql: Sql, userId: string, now: Date): Promise<AwaitingPoll[]> {
  return sql<AwaitingPoll[]>`
    select p.id as poll_id, p.board_id, b.name as board_name, p.card_id, pa.title as paper_title,
      (select count(*)::int from poll_slots s where s.poll_id = p.id) as slots, p.closes_at, p.created_at
    from polls p
    join board_members m on m.board_id = p.board_id and m.user_id = ${userId} and m.role in ('editor', 'owner')
    join boards b on b.id = p.board_id
    left join board_cards c on c.board_id = p.board_id and c.card_id = p.card_id
    left join papers pa on pa.id = c.paper_id
    where p.status = 'open'
      and (p.closes_at is null or p.closes_at > ${now})
      and exists (select 1 from poll_slots s where s.poll_id = p.id and s.at > ${now})
      and not exists (select 1 from poll_answers a where a.poll_id = p.id and a.user_id = ${userId})
    order by p.closes_at asc nulls last, p.created_at, p.id`;
}

/**
 * The members who cannot make a session at exactly `at`: their latest answer for a slot at that time, in
 * any poll of the board (open or closed), is "no" — a later "yes" in another poll for the same time wins
 * (for presenter rotation). With `cardId`, only polls for that card (its own, or a poll without a card
 * that was picked for it). Sorted ids, each once.
 */
export async function unavailableAt(sql: Querier, boardId: string, at: Date, cardId?: string): Promise<string[]> {
  const rows = await sql<{ userId: string }[]>`
    select user_id from (
      select distinct on (a.user_id) a.user_id, a.answer
      from poll_answers a
      join poll_slots s on s.id = a.slot_id
      join polls p on p.id = a.poll_id
      where p.board_id = ${boardId} and s.at = ${at}
        ${cardId === undefined ? sql`` : sql`and coalesce(p.card_id, p.picked_card_id) = ${cardId}`}
      order by a.user_id, a.updated_at desc
    ) latest
    where answer = 'no'
    order by user_id`;
  return rows.map((row) => row.userId);
}
