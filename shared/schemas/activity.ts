import { Type, type Static } from '@sinclair/typebox';
import { Uuid } from './common.js';

/**
 * What the activity log records. The `card:*` and `comment:*` kinds are derived from the board document
 * by the sync server (details: `card:added` {paperId, columnId}, `card:moved` {fromColumnId, toColumnId},
 * `card:removed` {paperId}, `comment:added` {commentId, replyTo: comment id or null}). `round:opened` {roundId, method, candidates,
 * winners} and `round:closed` {roundId, winners, ballots} give counts only; a round closed at its deadline
 * has no actor. `poll:opened` {pollId, slots}, `poll:answered` {pollId}, `poll:picked` {pollId, slotId, at,
 * presenterId}; `session:attended` {attended} and `session:rated` {rating} are a member's own feedback.
 */
const ACTIVITY_KINDS = [
  'vote:cast',
  'vote:removed',
  'member:joined',
  'voting:changed',
  'assignment:set',
  'assignment:removed',
  'card:added',
  'card:moved',
  'card:removed',
  'comment:added',
  'round:opened',
  'round:closed',
  'poll:opened',
  'poll:answered',
  'poll:picked',
  'session:attended',
  'session:rated',
] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];

/** One entry of a board's activity log; `details` stays small (ids and numbers). */
export const ActivityEntry = Type.Object({
  /** Increasing; also the `before` cursor of the next page. */
  id: Type.String(),
  boardId: Uuid,
  actorId: Type.Union([Uuid, Type.Null()]),
  actorName: Type.Union([Type.String(), Type.Null()]),
  kind: Type.Union(ACTIVITY_KINDS.map((k) => Type.Literal(k))),
  cardId: Type.Union([Type.String(), Type.Null()]),
  details: Type.Record(Type.String(), Type.Unknown()),
  createdAt: Type.String({ format: 'date-time' }),
});
export type ActivityEntry = Static<typeof ActivityEntry>;

export const ACTIVITY_PAGE_SIZE = { default: 50, max: 200 } as const;

/** Query of `GET /api/boards/:boardId/activity`: newest first, `before` an entry id. */
export const ActivityQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: ACTIVITY_PAGE_SIZE.max })),
    // At most 18 digits: every such number fits a bigint (19 digits may not).
    before: Type.Optional(Type.String({ pattern: '^[0-9]{1,18}$' })),
  },
  { additionalProperties: false },
);
export type ActivityQuery = Static<typeof ActivityQuery>;

/** A page of activity; `nextBefore` is null on the last page. */
export const ActivityPage = Type.Object({
  items: Type.Array(ActivityEntry),
  nextBefore: Type.Union([Type.String(), Type.Null()]),
});
export type ActivityPage = Static<typeof ActivityPage>;
