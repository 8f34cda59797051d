import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type * as Y from 'yjs';
import type { Sql } from '#server/db/sql.js';
import type { BoardRegistry } from '#server/sync/board-registry.js';
import { ServerEdit } from '#server/sync/board-room.js';
import { badRequest, conflict, notFound } from '#server/errors.js';
import { recordActivity } from '#server/features/activity/activity.repository.js';
import { boardView } from '#shared/protocol/board-doc/view.js';
import { moveCard } from '#shared/protocol/board-doc/edits.js';
import { BoardDocError } from '#shared/protocol/board-doc/model.js';
import { ROUND_LIMITS, type BallotRequest, type OpenRoundRequest, type Round } from '#shared/schemas/rounds.js';
import { countRound, type Ballot, type RoundResult } from './tally.js';
import {
  findBallot,
  findRound,
  insertRound,
  lockRound,
  markClosed,
  memberBallots,
  upsertBallot,
  dueRounds,
  unmovedRounds,
  withUnmovedWinners,
  type RoundRow,
} from './rounds.repository.js';

/** What the round logic needs of the app: the database, the board documents, the socket.io rooms. */
export interface RoundDeps {
  sql: Sql;
  sync: BoardRegistry;
  emitToBoard: FastifyInstance['emitToBoard'];
  log: FastifyBaseLogger;
}

/** Stored result of a closed round: the count, and the ballots by member for an open-ballot round. */
type StoredResult = RoundResult & { ballots?: Record<string, Ballot> };

/** The largest `round` payload an event carries whole; NOTIFY refuses 8000 bytes (see emitToBoard). */
const EVENT_ROUND_MAX_BYTES = 6000;

/** The API shape of a round; `myBallot` is the caller's (null for events). Nothing of a tally while open. */
export function toRound(row: RoundRow, myBallot: Ballot | null): Round {
  return {
    id: row.id,
    boardId: row.boardId,
    method: row.method,
    status: row.status,
    candidates: row.counted ?? row.candidates,
    closesAt: row.closesAt.toISOString(),
    winners: row.winners,
    voters: row.voters,
    ballotCount: row.voters.length,
    myBallot,
    // The status decides, not the column: an open round never shows a result, whatever is stored.
    result: row.status === 'closed' ? row.result : null,
    openBallot: row.openBallot,
    moveWinnersTo: row.moveWinnersTo,
    dotsPerMember: row.dotsPerMember,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    closedAt: row.closedAt?.toISOString() ?? null,
  };
}

/**
 * The round as events carry it: nobody's own ballot, no ballots by member, and — when the count is too
 * long for the bus — the winners without the count's rounds (clients read the round for them).
 */
function eventRound(row: RoundRow): Round {
  const round = toRound(row, null);
  if (!round.result) return round;
  const { winners, rounds } = round.result;
  const whole = { ...round, result: { winners, rounds } };
  return JSON.stringify(whole).length <= EVENT_ROUND_MAX_BYTES ? whole : { ...round, result: { winners, rounds: [] } };
}

/** The board's visible cards in board order (columns left to right, each top to bottom), and its columns. */
function boardCards(doc: Y.Doc): { cards: string[]; columns: Map<string, string[]> } {
  const view = boardView(doc);
  const columns = new Map(view.columns.map((column) => [column.id, column.cards.map((card) => card.id)]));
  return { cards: [...columns.values()].flat(), columns };
}

/**
 * Opens a round (the caller is the board's owner): candidates from the live board document, checked
 * against it, stored with an activity entry, announced as `round:opened`.
 */
export async function openRound(
  deps: RoundDeps,
  boardId: string,
  userId: string,
  body: OpenRoundRequest,
  now: Date = new Date(),
): Promise<Round> {
  const closesAt = new Date(body.closesAt);
  if (!(closesAt.getTime() > now.getTime())) throw badRequest('body/closesAt must be in the future');
  if (closesAt.getTime() > now.getTime() + ROUND_LIMITS.daysAhead * 86_400_000) {
    throw badRequest(`body/closesAt must be at most ${ROUND_LIMITS.daysAhead} days ahead`);
  }
  if (body.method === 'dots' && body.dotsPerMember === undefined) {
    throw badRequest('body/dotsPerMember is required for a dots round');
  }
  if (body.method !== 'dots' && body.dotsPerMember !== undefined) {
    throw badRequest('body/dotsPerMember is only for dots rounds');
  }
  const board = await deps.sync.read(boardId, boardCards);
  let candidates: string[];
  if ('columnId' in body.candidates) {
    const column = board.columns.get(body.candidates.columnId);
    if (!column) throw badRequest('body/candidates/columnId is not a column of this board');
    candidates = column;
  } else {
    const named = body.candidates.cardIds;
    const onBoard = new Set(board.cards);
    const missing = named.findIndex((id) => !onBoard.has(id));
    if (missing >= 0) throw badRequest(`body/candidates/cardIds/${missing} is not a card on this board`);
    if (new Set(named).size !== named.length) throw badRequest('body/candidates/cardIds names a card twice');
    // Board order, whatever order they were named in: the tie-breaks of tally.ts favour earlier cards.
    const wanted = new Set(named);
    candidates = board.cards.filter((id) => wanted.has(id));
  }
  if (candidates.length < 2) throw badRequest('body/candidates must name at least 2 cards');
  if (candidates.length > ROUND_LIMITS.candidates) {
    throw badRequest(`body/candidates must name at most ${ROUND_LIMITS.candidates} cards`);
  }
  const winners = body.winners ?? 1;
  if (winners > candidates.length) throw badRequest('body/winners must not exceed the number of candidates');
  const moveWinnersTo = body.moveWinnersTo ?? null;
  if (moveWinnersTo !== null && !board.columns.has(moveWinnersTo)) {
    throw badRequest('body/moveWinnersTo is not a column of this board');
  }

  const { row, activity } = await deps.sql.begin(async (tx) => {
    const row = await insertRound(tx, {
      boardId,
      method: body.method,
      candidates,
      closesAt,
      winners,
      moveWinnersTo,
      openBallot: body.openBallot ?? false,
      dotsPerMember: body.dotsPerMember ?? null,
      createdBy: userId,
    });
    const activity = await recordActivity(tx, {
      boardId,
      actorId: userId,
      kind: 'round:opened',
      details: { roundId: row.id, method: row.method, candidates: candidates.length, winners },
    });
    return { row, activity };
  });
  await deps.emitToBoard(boardId, 'round:opened', { round: eventRound(row) });
  await deps.emitToBoard(boardId, 'activity:new', activity);
  return toRound(row, null);
}

/** A board's round as the caller sees it, or 404. */
export async function readRound(sql: Sql, boardId: string, roundId: string, userId: string): Promise<Round> {
  const row = await findRound(sql, boardId, roundId);
  if (!row) throw notFound('round');
  return toRound(row, await findBallot(sql, roundId, userId));
}

/** Checks that a list names candidates only, each once; the field is named in the error. */
function checkCards(field: string, ids: string[], candidates: ReadonlySet<string>): void {
  const seen = new Set<string>();
  ids.forEach((id, i) => {
    if (!candidates.has(id)) throw badRequest(`body/${field}/${i} is not a candidate of this round`);
    if (seen.has(id))
      throw badRequest(`body/${field}/${i} names a card already ${field === 'ranking' ? 'ranked' : 'listed'}`);
    seen.add(id);
  });
}

/** The ballot in the round's form, or a 400 naming the field. */
function checkBallot(round: RoundRow, body: BallotRequest): Ballot {
  const candidates = new Set(round.candidates);
  const form = { ranked: 'ranking', approval: 'approve', dots: 'dots' } as const;
  const expected = form[round.method];
  for (const field of Object.values(form)) {
    if (field !== expected && body[field] !== undefined) {
      throw badRequest(`body/${field} does not fit a ${round.method} round: send body/${expected}`);
    }
  }
  if (round.method === 'ranked') {
    if (!body.ranking) throw badRequest('body/ranking is required for a ranked round');
    checkCards('ranking', body.ranking, candidates);
    return { ranking: body.ranking };
  }
  if (round.method === 'approval') {
    if (!body.approve) throw badRequest('body/approve is required for an approval round');
    checkCards('approve', body.approve, candidates);
    return { approve: body.approve };
  }
  if (!body.dots) throw badRequest('body/dots is required for a dots round');
  let total = 0;
  const dots: Record<string, number> = {};
  for (const [id, n] of Object.entries(body.dots)) {
    if (!candidates.has(id)) throw badRequest(`body/dots/${id} is not a candidate of this round`);
    total += n;
    if (n > 0) dots[id] = n;
  }
  const budget = round.dotsPerMember ?? 0;
  if (total > budget) throw badRequest(`body/dots gives ${total} dots, more than the budget of ${budget}`);
  return { dots };
}

/**
 * Casts or replaces the caller's ballot (an editor or owner) while the round is open: 409 once it is
 * closed. Announces the new counts, never the ballot, as `round:ballots`.
 */
export async function castBallot(
  deps: RoundDeps,
  boardId: string,
  roundId: string,
  userId: string,
  body: BallotRequest,
): Promise<Ballot> {
  const round = await findRound(deps.sql, boardId, roundId);
  if (!round) throw notFound('round');
  if (round.status === 'closed') throw conflict('the round is closed');
  const ballot = checkBallot(round, body);
  await deps.sql.begin(async (tx) => {
    // Shared with other ballots, exclusive with closing: a ballot that gets in is counted.
    const locked = await lockRound(tx, roundId, 'share');
    if (!locked) throw notFound('round');
    if (locked.status === 'closed') throw conflict('the round is closed');
    await upsertBallot(tx, roundId, userId, ballot);
  });
  const after = await findRound(deps.sql, boardId, roundId);
  if (after) {
    await deps.emitToBoard(boardId, 'round:ballots', {
      roundId,
      ballotCount: after.voters.length,
      voters: after.voters,
    });
  }
  return ballot;
}

/** A ballot without the cards that were not counted (removed from the board during the round). */
function keepCounted(ballot: Ballot, counted: ReadonlySet<string>): Ballot {
  if ('ranking' in ballot) return { ranking: ballot.ranking.filter((id) => counted.has(id)) };
  if ('approve' in ballot) return { approve: ballot.approve.filter((id) => counted.has(id)) };
  return { dots: Object.fromEntries(Object.entries(ballot.dots).filter(([id]) => counted.has(id))) };
}

/**
 * Closes a round once, whoever gets there first (the owner, or a scheduler on any node at the
 * deadline): counts the ballots over the candidates still on the board, stores the result only if the
 * round is still open, then — only for the caller that closed it — records the activity, emits
 * `round:closed` and moves the winners to the top of `moveWinnersTo`, in winner order, as a server
 * edit of the board document. `actorId` is the owner closing it, null for the deadline. Returns the
 * closed round, or null when it was already closed (or does not exist).
 */
export async function closeRound(
  deps: RoundDeps,
  boardId: string,
  roundId: string,
  actorId: string | null,
  now: Date = new Date(),
): Promise<RoundRow | null> {
  const onBoard = new Set((await deps.sync.read(boardId, boardCards)).cards);
  const closed = await deps.sql.begin(async (tx) => {
    const locked = await lockRound(tx, roundId, 'update');
    if (!locked || locked.status !== 'open') return null;
    const round = await findRound(tx, boardId, roundId);
    if (!round) return null;
    const counted = round.candidates.filter((id) => onBoard.has(id));
    const countedSet = new Set(counted);
    const ballots = (await memberBallots(tx, roundId)).map((b) => ({
      ...b,
      ballot: keepCounted(b.ballot, countedSet),
    }));
    const count = countRound(
      round.method,
      counted,
      ballots.map((b) => b.ballot),
      Math.min(round.winners, Math.max(counted.length, 1)),
    );
    const result: StoredResult = round.openBallot
      ? { ...count, ballots: Object.fromEntries(ballots.map((b) => [b.userId, b.ballot])) }
      : count;
    if (!(await markClosed(tx, roundId, { counted, result, at: now }))) return null;
    const activity = await recordActivity(tx, {
      boardId,
      actorId,
      kind: 'round:closed',
      details: { roundId, winners: count.winners.length, ballots: ballots.length },
    });
    return { activity };
  });
  if (!closed) return null;
  const round = (await findRound(deps.sql, boardId, roundId))!;
  await deps.emitToBoard(boardId, 'round:closed', { round: eventRound(round) });
  await deps.emitToBoard(boardId, 'activity:new', closed.activity);
  await withUnmovedWinners(deps.sql, roundId, () => moveWinners(deps, round, actorId));
  return round;
}

/**
 * Moves a closed round's winners to the top of its column, first winner first. A winner removed since,
 * or a column deleted since, is left alone. The edit is made for the closer, or for whoever opened the
 * round when the deadline closed it.
 */
async function moveWinners(deps: RoundDeps, round: RoundRow, actorId: string | null): Promise<void> {
  const columnId = round.moveWinnersTo;
  const winners = round.result?.winners ?? [];
  const editor = actorId ?? round.createdBy;
  if (columnId === null || winners.length === 0 || editor === null) return;
  try {
    await deps.sync.edit(round.boardId, new ServerEdit(editor), (doc) => {
      const { cards, columns } = boardCards(doc);
      if (!columns.has(columnId)) return;
      const present = new Set(cards);
      winners.filter((id) => present.has(id)).forEach((cardId, index) => moveCard(doc, cardId, { columnId, index }));
    });
  } catch (error) {
    // The round is closed and announced either way; a board that cannot take the move keeps its cards.
    if (!(error instanceof BoardDocError)) throw error;
    deps.log.warn({ err: error, boardId: round.boardId, roundId: round.id }, 'rounds: winners not moved');
  }
}

/** How long after a close the scheduler leaves the winners' move to the process that closed the round. */
const MOVE_GRACE_MS = 30_000;

/**
 * Closes every open round whose deadline has passed at `now`; the number this call closed. Also moves
 * the winners of rounds closed by a process that died before moving them.
 */
export async function closeDueRounds(deps: RoundDeps, now: Date): Promise<number> {
  for (const unmoved of await unmovedRounds(deps.sql, new Date(now.getTime() - MOVE_GRACE_MS))) {
    try {
      const round = await findRound(deps.sql, unmoved.boardId, unmoved.id);
      if (round) await withUnmovedWinners(deps.sql, round.id, () => moveWinners(deps, round, null));
    } catch (err) {
      deps.log.error({ err, boardId: unmoved.boardId, roundId: unmoved.id }, 'rounds: moving winners failed');
    }
  }
  let closed = 0;
  for (const due of await dueRounds(deps.sql, now)) {
    try {
      if (await closeRound(deps, due.boardId, due.id, null, now)) closed++;
    } catch (err) {
      // One board's trouble must not keep the other rounds open; the next tick tries again.
      deps.log.error({ err, boardId: due.boardId, roundId: due.id }, 'rounds: closing failed');
    }
  }
  return closed;
}
