import type { FastifyInstance } from 'fastify';
import type { Sql } from '#server/db/sql.js';
import { badRequest, conflict, notFound } from '#server/errors.js';
import { recordActivity } from '#server/features/activity/activity.repository.js';
import { assignWithin } from '#server/features/schedule/schedule.repository.js';
import { cardProjected } from '#server/features/cards/cards.repository.js';
import type { ActivityEntry } from '#shared/schemas/activity.js';
import {
  POLL_LIMITS,
  bestSlot,
  type AnswerRequest,
  type CreatePollRequest,
  type MyAnswers,
  type PickRequest,
  type Poll,
} from '#shared/schemas/polls.js';
import {
  countOpenPolls,
  deletePoll,
  insertPoll,
  lockBoardPolls,
  lockMember,
  lockPoll,
  markPicked,
  memberAnswers,
  pollCounts,
  readPolls,
  replaceAnswers,
} from './polls.repository.js';

/** What the poll logic needs of the app: the database and the socket.io rooms. */
export interface PollDeps {
  sql: Sql;
  emitToBoard: FastifyInstance['emitToBoard'];
}

const DAY_MS = 86_400_000;

/** A board's poll as `userId` sees it, or 404. */
export async function readPoll(sql: Sql, boardId: string, pollId: string, userId: string, now = new Date()) {
  const [poll] = await readPolls(sql, boardId, userId, now, { pollId });
  if (!poll) throw notFound('poll');
  return poll;
}

/** A time of the request that must lie ahead of `now`, at most a year: 400 naming `field` otherwise. */
function futureTime(field: string, value: string, now: Date): Date {
  const at = new Date(value);
  if (!(at.getTime() > now.getTime())) throw badRequest(`${field} must be in the future`);
  if (at.getTime() > now.getTime() + POLL_LIMITS.daysAhead * DAY_MS) {
    throw badRequest(`${field} must be at most ${POLL_LIMITS.daysAhead} days ahead`);
  }
  return at;
}

/**
 * Opens a poll (the caller is an owner): 2–12 distinct future slots, stored sorted; a card of the board
 * if named (404 otherwise); at most {@link POLL_LIMITS.openPerBoard} open polls per board (409).
 * Recorded as `poll:opened` and announced to the board's room.
 */
export async function createPoll(
  deps: PollDeps,
  boardId: string,
  userId: string,
  body: CreatePollRequest,
  now: Date = new Date(),
): Promise<Poll> {
  const seen = new Map<number, number>();
  const slots = body.slots.map((value, i) => {
    const at = futureTime(`body/slots/${i}`, value, now);
    const earlier = seen.get(at.getTime());
    if (earlier !== undefined) throw badRequest(`body/slots/${i} is the same time as body/slots/${earlier}`);
    seen.set(at.getTime(), i);
    return at;
  });
  slots.sort((a, b) => a.getTime() - b.getTime());
  const closesAt = body.closesAt === undefined ? null : futureTime('body/closesAt', body.closesAt, now);
  const cardId = body.cardId ?? null;

  const { pollId, activity } = await deps.sql.begin(async (tx) => {
    if (cardId !== null && !(await cardProjected(tx, boardId, cardId))) throw notFound('card');
    await lockBoardPolls(tx, boardId);
    if ((await countOpenPolls(tx, boardId)) >= POLL_LIMITS.openPerBoard) {
      throw conflict(
        `the board has ${POLL_LIMITS.openPerBoard} open polls already: pick a time in one or delete one first`,
      );
    }
    const pollId = await insertPoll(tx, { boardId, cardId, slots, closesAt, createdBy: userId });
    const activity = await recordActivity(tx, {
      boardId,
      actorId: userId,
      kind: 'poll:opened',
      cardId,
      details: { pollId, slots: slots.length },
    });
    return { pollId, activity };
  });
  const poll = await readPoll(deps.sql, boardId, pollId, userId, now);
  await deps.emitToBoard(boardId, 'poll:opened', {
    boardId,
    pollId,
    cardId,
    slots: poll.slots.map(({ id, at }) => ({ id, at })),
    closesAt: poll.closesAt,
  });
  await deps.emitToBoard(boardId, 'activity:new', activity);
  return poll;
}

/**
 * Replaces the caller's answers (an editor or owner) while the poll takes answers: 409 once it is closed
 * or past its deadline, 400 naming an answer whose slot is not the poll's. Announces the new counts as
 * `poll:answered` and records `poll:answered` when something changed. Returns my answers.
 */
export async function answerPoll(
  deps: PollDeps,
  boardId: string,
  pollId: string,
  userId: string,
  body: AnswerRequest,
  now: Date = new Date(),
): Promise<MyAnswers> {
  const activity = await deps.sql.begin(async (tx): Promise<ActivityEntry | null> => {
    // Shared with other members' answers, exclusive with a pick: an answer saved is one the pick saw.
    const poll = await lockPoll(tx, boardId, pollId, 'share');
    if (!poll) throw notFound('poll');
    if (poll.status === 'closed') throw conflict('the poll is closed: a time was picked');
    if (poll.closesAt !== null && poll.closesAt.getTime() <= now.getTime()) {
      throw conflict(`the poll stopped taking answers at ${poll.closesAt.toISOString()}`);
    }
    const answers: Record<string, AnswerRequest['answers'][string]> = {};
    for (const [slotId, answer] of Object.entries(body.answers)) {
      const id = slotId.toLowerCase();
      if (!poll.slots.has(id)) throw badRequest(`body/answers/${slotId} is not a slot of this poll`);
      answers[id] = answer;
    }
    // Removed meanwhile: as for any non-member.
    if (!(await lockMember(tx, boardId, userId))) throw notFound('board');
    if (!(await replaceAnswers(tx, pollId, userId, answers))) return null;
    return recordActivity(tx, {
      boardId,
      actorId: userId,
      kind: 'poll:answered',
      cardId: poll.cardId,
      details: { pollId },
    });
  });
  if (activity) {
    const counts = await pollCounts(deps.sql, pollId);
    await deps.emitToBoard(boardId, 'poll:answered', { boardId, pollId, ...counts, best: bestSlot(counts.slots) });
    await deps.emitToBoard(boardId, 'activity:new', activity);
  }
  return { answers: await memberAnswers(deps.sql, pollId, userId) };
}

/**
 * Picks a slot (the caller is an owner): in one transaction, schedules the card at the slot's time with
 * `presenterId` presenting (the schedule's own `assignWithin`, so the assignment and its activity entry
 * are the same as a manual one), closes the poll and records `poll:picked`. Either all of it commits or
 * none: a refused assignment (card gone, presenter not a member) rolls the pick back, and the poll's row
 * is locked `for update` first, so of two owners picking at once the second waits and then gets 409.
 * Then announces `assignment:changed` (schedule pages, calendar feeds and reminders read assignments)
 * and `poll:closed`.
 */
export async function pickSlot(
  deps: PollDeps,
  boardId: string,
  pollId: string,
  actorId: string,
  body: PickRequest,
  now: Date = new Date(),
): Promise<Poll> {
  const done = await deps.sql.begin(async (tx) => {
    const poll = await lockPoll(tx, boardId, pollId, 'update');
    if (!poll) throw notFound('poll');
    if (poll.status === 'closed') throw conflict('the poll is closed: a time was picked already');
    const at = poll.slots.get(body.slotId.toLowerCase());
    if (!at) throw badRequest('body/slotId is not a slot of this poll');
    if (poll.cardId !== null && body.cardId !== undefined && body.cardId !== poll.cardId) {
      throw badRequest("body/cardId must be the poll's own card (or be left out)");
    }
    const cardId = poll.cardId ?? body.cardId;
    if (cardId === undefined) throw badRequest('body/cardId is required: the poll has no card');
    const outcome = await assignWithin(tx, {
      boardId,
      cardId,
      presenterId: body.presenterId,
      sessionAt: at.toISOString(),
      actorId,
      mayAssignOthers: true,
      now,
    });
    // Thrown inside the transaction: nothing of the pick is kept.
    if (outcome.status === 'no_card') throw notFound('card');
    if (outcome.status !== 'ok') throw badRequest('body/presenterId must be a member of the board');
    const slotId = body.slotId.toLowerCase();
    await markPicked(tx, pollId, { slotId, cardId, presenterId: body.presenterId, at: now });
    const picked = await recordActivity(tx, {
      boardId,
      actorId,
      kind: 'poll:picked',
      cardId,
      details: { pollId, slotId, at: at.toISOString(), presenterId: body.presenterId },
    });
    return { outcome, picked, cardId, slotId, at };
  });
  const { outcome, picked, cardId, slotId, at } = done;
  if (outcome.changed) {
    await deps.emitToBoard(boardId, 'assignment:changed', {
      boardId,
      cardId,
      presenterId: outcome.assignment.presenter.id,
      sessionAt: outcome.assignment.sessionAt,
    });
  }
  if (outcome.activity) await deps.emitToBoard(boardId, 'activity:new', outcome.activity);
  await deps.emitToBoard(boardId, 'poll:closed', {
    boardId,
    pollId,
    slotId,
    cardId,
    at: at.toISOString(),
    presenterId: body.presenterId,
  });
  await deps.emitToBoard(boardId, 'activity:new', picked);
  return readPoll(deps.sql, boardId, pollId, actorId, now);
}

/** Deletes a poll (owners), open or closed; a pick's assignment stays. Announced as a `poll:closed` without slot. */
export async function removePoll(deps: PollDeps, boardId: string, pollId: string): Promise<void> {
  if (!(await deletePoll(deps.sql, boardId, pollId))) throw notFound('poll');
  await deps.emitToBoard(boardId, 'poll:closed', {
    boardId,
    pollId,
    slotId: null,
    cardId: null,
    at: null,
    presenterId: null,
  });
}
