import { Type, type Static } from '@sinclair/typebox';
import { Uuid } from './common.js';

/** `upvote`: one vote per member per card. `dots`: each member spreads a budget of dots over cards. */
const VOTING_MODES = ['upvote', 'dots'] as const;
export type VotingMode = (typeof VOTING_MODES)[number];
const VotingModeSchema = Type.Union(VOTING_MODES.map((m) => Type.Literal(m)));

/** Bounds shared by validation and the database constraints. */
const VOTE_LIMITS = { dotsPerMember: 100, maxDotsPerCard: 100, cardId: 200 } as const;

/** Path parameters of the vote routes. */
export const VoteParams = Type.Object({
  boardId: Uuid,
  cardId: Type.String({ minLength: 1, maxLength: VOTE_LIMITS.cardId }),
});
export type VoteParams = Static<typeof VoteParams>;

/** Body of `PUT …/vote`: in dots mode, how many of my dots this card gets (default 1); upvote mode takes no dots. */
export const VoteRequest = Type.Object(
  { dots: Type.Optional(Type.Integer({ minimum: 1, maximum: VOTE_LIMITS.maxDotsPerCard })) },
  { additionalProperties: false },
);
export type VoteRequest = Static<typeof VoteRequest>;

/** A card's votes: how many members voted and how many dots they gave (equal in upvote mode). */
export const CardTally = Type.Object({ voters: Type.Integer(), dots: Type.Integer() });
export type CardTally = Static<typeof CardTally>;

/** Answer of `PUT/DELETE …/vote`: the card's new tally and the caller's own position. */
export const VoteResult = Type.Object({
  cardId: Type.String(),
  tally: CardTally,
  /**
   * Orders this card's tallies (here and in `votes:changed`): a larger version is a later tally. The
   * answer and the room's events travel apart and may overtake each other; a screen keeps the latest.
   */
  version: Type.Integer(),
  /** The caller's dots on this card (0 after DELETE). */
  myDots: Type.Integer(),
  /** Dots the caller may still give on this board; null in upvote mode (no budget). */
  remainingDots: Type.Union([Type.Integer(), Type.Null()]),
});
export type VoteResult = Static<typeof VoteResult>;

/** One member's vote on a card, by name: who voted is shown to the board's members (viewers too). */
export const CardVoter = Type.Object({
  userId: Type.String(),
  name: Type.String(),
  /** Their dots on the card (1 for an upvote). */
  dots: Type.Integer(),
});
export type CardVoter = Static<typeof CardVoter>;

/** `GET /api/boards/:boardId/cards/:cardId/votes`: who voted for a card, earliest vote first. */
export const CardVoters = Type.Object({ cardId: Type.String(), voters: Type.Array(CardVoter) });
export type CardVoters = Static<typeof CardVoters>;

/** `GET /api/boards/:boardId/voting`: the board's rules and the caller's budget. */
export const VotingSettings = Type.Object({
  mode: VotingModeSchema,
  dotsPerMember: Type.Integer(),
  maxDotsPerCard: Type.Integer(),
  /** Dots the caller has given on cards still on the board. */
  usedDots: Type.Integer(),
  /** Dots the caller may still give; null in upvote mode. */
  remainingDots: Type.Union([Type.Integer(), Type.Null()]),
  /** Tallies of the board's cards that have votes, by card id. */
  tallies: Type.Record(Type.String(), CardTally),
});
export type VotingSettings = Static<typeof VotingSettings>;

/** Body of `PATCH /api/boards/:boardId/voting` (owners). Changing the mode clears the board's votes. */
export const UpdateVotingRequest = Type.Object(
  {
    mode: Type.Optional(VotingModeSchema),
    dotsPerMember: Type.Optional(Type.Integer({ minimum: 1, maximum: VOTE_LIMITS.dotsPerMember })),
    maxDotsPerCard: Type.Optional(Type.Integer({ minimum: 1, maximum: VOTE_LIMITS.maxDotsPerCard })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateVotingRequest = Static<typeof UpdateVotingRequest>;
