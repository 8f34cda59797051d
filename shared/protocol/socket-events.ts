import { Type, type Static } from '@sinclair/typebox';
import type { CardTally, VotingMode } from '#shared/schemas/votes.js';
import type { ActivityEntry } from '#shared/schemas/activity.js';
import type { Round } from '#shared/schemas/rounds.js';
import type { FeedbackSummary } from '#shared/schemas/feedback.js';
import { UUID_PATTERN } from './uuid.js';

/**
 * socket.io events, declared once for the server and the client. Payloads carry ids and numbers only:
 * they travel through Postgres NOTIFY, which refuses 8000 bytes or more.
 */

/** Payload of `board:join` and `board:leave`, validated by the server. */
export const BoardRoomRequest = Type.Object(
  {
    boardId: Type.String({ pattern: UUID_PATTERN }),
  },
  { additionalProperties: false },
);
export type BoardRoomRequest = Static<typeof BoardRoomRequest>;

/** Acknowledgement of `board:join`: one error for a non-member and an unknown board. */
/** `rate_limited`: the socket sent more events than the server accepts per second (`SOCKET_EVENTS_PER_SECOND`). */
export type JoinAck = { ok: true } | { ok: false; error: 'invalid' | 'not_found' | 'unavailable' | 'rate_limited' };

interface VotesChanged {
  boardId: string;
  cardId: string;
  tally: CardTally;
  /** Orders the card's tallies (see `VoteResult.version`). */
  version: number;
}

interface VotingChanged {
  boardId: string;
  mode: VotingMode;
  dotsPerMember: number;
  maxDotsPerCard: number;
  /** True when the change cleared the board's votes (a mode switch). */
  votesCleared: boolean;
}

/** A card got a presenter or session (`presenterId`/`sessionAt` set) or lost it (both null). */
interface AssignmentChanged {
  boardId: string;
  cardId: string;
  presenterId: string | null;
  sessionAt: string | null;
}

/**
 * A board's name, description or meeting changed (`deleted` false), or the board was deleted (true).
 * Members read the board again: its text may be too long for the bus.
 */
interface BoardChanged {
  boardId: string;
  deleted: boolean;
}

/**
 * A ballot round opened or closed. The round carries no one's ballot (`myBallot` null) and no ballots by
 * member; a closed round's count longer than the bus takes comes with its winners only (`rounds: []`).
 */
interface RoundEvent {
  round: Round;
}

/**
 * An availability poll opened: its ids and times (no answers yet). At most 12 slots, so it stays far
 * below the bus limit; clients read the poll for the paper's title.
 */
interface PollOpened {
  boardId: string;
  pollId: string;
  cardId: string | null;
  slots: { id: string; at: string }[];
  closesAt: string | null;
}

/**
 * Someone's answers to a poll changed: how many members answered and the counts per slot, with the
 * best slot. Who answered what is not secret, but it is not sent: clients re-read the poll for the grid.
 */
interface PollAnswered {
  boardId: string;
  pollId: string;
  respondents: number;
  slots: { id: string; yes: number; maybe: number; no: number }[];
  best: string | null;
}

/**
 * A poll closed: `slotId` was picked and `cardId` scheduled at `at` with `presenterId` presenting (the
 * assignment itself comes as `assignment:changed`). A poll deleted by an owner closes with all four null.
 */
interface PollClosed {
  boardId: string;
  pollId: string;
  slotId: string | null;
  cardId: string | null;
  at: string | null;
  presenterId: string | null;
}

/** A ballot was cast or changed: the counts only, never a ballot or a tally. */
interface RoundBallots {
  roundId: string;
  ballotCount: number;
  voters: string[];
}

/** A member changed their feedback on a card: the card's new summary (numbers only, no takeaway). */
interface FeedbackChanged {
  boardId: string;
  cardId: string;
  summary: FeedbackSummary;
  /** Orders the card's summaries (see `CardFeedback.version`). */
  version: number;
}

/** A board's Suggested lane changed (new suggestions, a dismissal or its undo, a nomination): read it again. */
interface SuggestionsChanged {
  boardId: string;
}

export interface ServerToClientEvents {
  'board:changed': (payload: BoardChanged) => void;
  'votes:changed': (payload: VotesChanged) => void;
  'voting:changed': (payload: VotingChanged) => void;
  'activity:new': (payload: ActivityEntry) => void;
  'assignment:changed': (payload: AssignmentChanged) => void;
  'round:opened': (payload: RoundEvent) => void;
  'round:ballots': (payload: RoundBallots) => void;
  'round:closed': (payload: RoundEvent) => void;
  'feedback:changed': (payload: FeedbackChanged) => void;
  'poll:opened': (payload: PollOpened) => void;
  'poll:answered': (payload: PollAnswered) => void;
  'poll:closed': (payload: PollClosed) => void;
  'suggestions:changed': (payload: SuggestionsChanged) => void;
}

export interface ClientToServerEvents {
  'board:join': (payload: BoardRoomRequest, ack: (answer: JoinAck) => void) => void;
  'board:leave': (payload: BoardRoomRequest) => void;
}

export type ServerEventName = keyof ServerToClientEvents;
export type ServerEventPayload<E extends ServerEventName> = Parameters<ServerToClientEvents[E]>[0];

/** Every server-to-client event name, for checking names that arrive through the bus. */
export const SERVER_EVENT_NAMES: readonly ServerEventName[] = [
  'board:changed',
  'votes:changed',
  'voting:changed',
  'activity:new',
  'assignment:changed',
  'round:opened',
  'round:ballots',
  'round:closed',
  'feedback:changed',
  'poll:opened',
  'poll:answered',
  'poll:closed',
  'suggestions:changed',
];

/** The socket.io room of a board. */
export const boardRoom = (boardId: string) => `board:${boardId.toLowerCase()}`;
