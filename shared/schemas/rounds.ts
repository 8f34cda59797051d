import { Type, type Static } from '@sinclair/typebox';
import { Uuid } from './common.js';

/** How a round is voted: ranked (instant-runoff), approval, or dots. */
const ROUND_METHODS = ['ranked', 'approval', 'dots'] as const;
export type RoundMethodName = (typeof ROUND_METHODS)[number];

/** Bounds shared by validation and the database constraints (migration 0019). */
export const ROUND_LIMITS = { candidates: 50, dotsPerMember: 100, cardId: 200, daysAhead: 90 } as const;

const CardId = Type.String({ minLength: 1, maxLength: ROUND_LIMITS.cardId });

/** Path parameters of one round's routes. */
export const RoundParams = Type.Object({ boardId: Uuid, roundId: Uuid });
export type RoundParams = Static<typeof RoundParams>;

/** Body of `POST /api/boards/:boardId/rounds`. */
export const OpenRoundRequest = Type.Object(
  {
    method: Type.Union(ROUND_METHODS.map((m) => Type.Literal(m))),
    /** A column's cards in their order at opening, or cards named one by one (all on the board). */
    candidates: Type.Union([
      Type.Object({ columnId: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
      Type.Object(
        { cardIds: Type.Array(CardId, { minItems: 2, maxItems: ROUND_LIMITS.candidates }) },
        { additionalProperties: false },
      ),
    ]),
    /** In the future, at most 90 days ahead. */
    closesAt: Type.String({ format: 'date-time' }),
    /** How many cards the round elects (default 1, at most the number of candidates). */
    winners: Type.Optional(Type.Integer({ minimum: 1, maximum: ROUND_LIMITS.candidates })),
    /** A column of the board the winners move to, in winner order at its top, when the round closes. */
    moveWinnersTo: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Null()])),
    /** Show the ballots by member with the result (never while open). Default false. */
    openBallot: Type.Optional(Type.Boolean()),
    /** Dots rounds only (required there): the dots each member may spread. */
    dotsPerMember: Type.Optional(Type.Integer({ minimum: 1, maximum: ROUND_LIMITS.dotsPerMember })),
  },
  { additionalProperties: false },
);
export type OpenRoundRequest = Static<typeof OpenRoundRequest>;

/**
 * Body of `PUT …/ballot`, in the round's form: `ranking` (ranked: cards best first, each once, not
 * necessarily all), `approve` (approval: the approved cards) or `dots` (dots: card → dots, within the
 * round's budget).
 */
export const BallotRequest = Type.Object(
  {
    ranking: Type.Optional(Type.Array(CardId, { maxItems: ROUND_LIMITS.candidates })),
    approve: Type.Optional(Type.Array(CardId, { maxItems: ROUND_LIMITS.candidates })),
    dots: Type.Optional(
      Type.Record(
        Type.String({ minLength: 1, maxLength: ROUND_LIMITS.cardId }),
        Type.Integer({ minimum: 0, maximum: ROUND_LIMITS.dotsPerMember }),
      ),
    ),
  },
  { additionalProperties: false },
);
export type BallotRequest = Static<typeof BallotRequest>;

/** A ballot as stored and shown: exactly one of the forms. */
export const Ballot = Type.Union([
  Type.Object({ ranking: Type.Array(Type.String()) }),
  Type.Object({ approve: Type.Array(Type.String()) }),
  Type.Object({ dots: Type.Record(Type.String(), Type.Integer()) }),
]);
export type Ballot = Static<typeof Ballot>;

/** A closed round's count: winners in order, one entry per counting round, the ballots if the round was open. */
export const RoundResult = Type.Object({
  winners: Type.Array(Type.String()),
  rounds: Type.Array(
    Type.Object({ tallies: Type.Record(Type.String(), Type.Number()), eliminated: Type.Array(Type.String()) }),
  ),
  /** Open-ballot rounds only: each member's ballot (over the counted candidates), by user id. */
  ballots: Type.Optional(Type.Record(Type.String(), Ballot)),
});
export type RoundResult = Static<typeof RoundResult>;

/**
 * A round. While open, `result` is null and nothing reveals a tally: only who has voted and how many.
 * `candidates` are the cards counted once closed (a card removed from the board during the round is
 * dropped).
 */
export const Round = Type.Object({
  id: Uuid,
  boardId: Uuid,
  method: Type.Union(ROUND_METHODS.map((m) => Type.Literal(m))),
  status: Type.Union([Type.Literal('open'), Type.Literal('closed')]),
  candidates: Type.Array(Type.String()),
  closesAt: Type.String({ format: 'date-time' }),
  winners: Type.Integer(),
  /** Members who have cast a ballot. */
  voters: Type.Array(Uuid),
  ballotCount: Type.Integer(),
  /** The caller's own ballot, or null (always null in socket.io events). */
  myBallot: Type.Union([Ballot, Type.Null()]),
  result: Type.Union([RoundResult, Type.Null()]),
  openBallot: Type.Boolean(),
  moveWinnersTo: Type.Union([Type.String(), Type.Null()]),
  dotsPerMember: Type.Union([Type.Integer(), Type.Null()]),
  createdBy: Type.Union([Uuid, Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  closedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
export type Round = Static<typeof Round>;

/** Answer of `GET /api/boards/:boardId/rounds`: newest first. */
export const RoundList = Type.Object({ items: Type.Array(Round) });
export type RoundList = Static<typeof RoundList>;
