import { Type, type Static } from '@sinclair/typebox';
import { Uuid } from './common.js';

/** Path parameters of the assignment routes. */
export const AssignmentParams = Type.Object({
  boardId: Uuid,
  cardId: Type.String({ minLength: 1, maxLength: 200 }),
});
export type AssignmentParams = Static<typeof AssignmentParams>;

/**
 * Body of `PUT …/cards/:cardId/assignment`: who presents the card's paper, and when. Without
 * `sessionAt`, the card keeps its session, or gets the board's next free meeting slot (400 when the
 * board has no meeting time).
 */
export const AssignmentRequest = Type.Object(
  {
    presenterId: Uuid,
    sessionAt: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);
export type AssignmentRequest = Static<typeof AssignmentRequest>;

/** A member as the schedule shows them. */
export const Presenter = Type.Object({ id: Uuid, name: Type.String() });
export type Presenter = Static<typeof Presenter>;

/** A card's assignment. */
export const Assignment = Type.Object({
  boardId: Uuid,
  cardId: Type.String(),
  presenter: Presenter,
  sessionAt: Type.String({ format: 'date-time' }),
  assignedBy: Type.Union([Uuid, Type.Null()]),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type Assignment = Static<typeof Assignment>;

/** One session of the schedule; `paper` is null when the card's paper is not in the library. */
export const Session = Type.Object({
  cardId: Type.String(),
  paper: Type.Union([Type.Object({ id: Uuid, title: Type.String() }), Type.Null()]),
  presenter: Presenter,
  sessionAt: Type.String({ format: 'date-time' }),
});
export type Session = Static<typeof Session>;

/** `GET /api/boards/:boardId/schedule`: upcoming sessions soonest first, past ones latest first. */
export const Schedule = Type.Object({ upcoming: Type.Array(Session), past: Type.Array(Session) });
export type Schedule = Static<typeof Schedule>;

/** Query of `GET /api/boards/:boardId/schedule/suggest`. */
export const SuggestQuery = Type.Object(
  { cardId: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);
export type SuggestQuery = Static<typeof SuggestQuery>;

/** One member in a suggestion's ranking, with why they are where they are. */
export const RankedPresenter = Type.Object({
  presenter: Presenter,
  /** Sessions they present or presented on the board (the card's own assignment left out). */
  sessions: Type.Integer(),
  lastSessionAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  /** Attended, voted, cast a ballot or answered a poll during the board's last 4 past sessions. */
  active: Type.Boolean(),
  /** False when they answered "no" for the suggested session's slot in a poll of the board. */
  available: Type.Boolean(),
  /** In words: "Ana — last presented 6 weeks ago, available". */
  reason: Type.String(),
});
export type RankedPresenter = Static<typeof RankedPresenter>;

/**
 * The member whose turn it is (server/src/features/schedule/rotation.ts gives the rule): available for the
 * session's slot, active lately, fewest sessions on the board (the card's own assignment left out), then
 * the longest since their latest session (never first), then by name; and the session.
 */
export const Suggestion = Type.Object({
  cardId: Type.String(),
  presenter: Presenter,
  sessions: Type.Integer(),
  lastSessionAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  /**
   * The card's own session when it has one, else the board's next meeting slot that no other card's
   * session takes (on the same local day); null when neither exists.
   */
  sessionAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  /** Why this member: the first reason of `ranking`. */
  reason: Type.String(),
  /** The members in order, best first (at most 20). */
  ranking: Type.Array(RankedPresenter),
});
export type Suggestion = Static<typeof Suggestion>;

/** `GET/POST …/calendar[/rotate]`: the board's iCalendar feed; `url` already carries `token`. */
export const CalendarFeed = Type.Object({
  url: Type.String({ format: 'uri' }),
  token: Type.String(),
});
export type CalendarFeed = Static<typeof CalendarFeed>;

/** Query of `GET /api/boards/:boardId/calendar.ics`; a missing or wrong token answers 404. */
export const CalendarFeedQuery = Type.Object({ token: Type.Optional(Type.String({ maxLength: 128 })) });
export type CalendarFeedQuery = Static<typeof CalendarFeedQuery>;
