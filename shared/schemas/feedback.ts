import { Type, type Static } from '@sinclair/typebox';
import { Uuid } from './common.js';
import { FEEDBACK_LIMITS } from '#shared/protocol/feedback.js';

export { FEEDBACK_LIMITS };

/** Path parameters of the card feedback routes. */
export const FeedbackParams = Type.Object({
  boardId: Uuid,
  cardId: Type.String({ minLength: 1, maxLength: 200 }),
});
export type FeedbackParams = Static<typeof FeedbackParams>;

const Score = Type.Integer({ minimum: FEEDBACK_LIMITS.score.min, maximum: FEEDBACK_LIMITS.score.max });

/**
 * Body of `PUT …/cards/:cardId/feedback`: any of my answers about the card's session; fields left out
 * keep their value, null clears one. `attended`, `rating` and `takeaway` are taken once the session has
 * happened (409 before), `interest` only before it (or while the card has no session). Only attendees rate
 * or leave a takeaway; `attended: false` clears both. A takeaway is one line (no line breaks), trimmed.
 */
export const FeedbackRequest = Type.Object(
  {
    attended: Type.Optional(Type.Boolean()),
    rating: Type.Optional(Type.Union([Score, Type.Null()])),
    takeaway: Type.Optional(Type.Union([Type.String({ maxLength: FEEDBACK_LIMITS.takeaway }), Type.Null()])),
    interest: Type.Optional(Type.Union([Score, Type.Null()])),
  },
  { additionalProperties: false },
);
export type FeedbackRequest = Static<typeof FeedbackRequest>;

/** An average of 1–5 scores (two decimals) and how many members gave one; average null when none did. */
export const ScoreSummary = Type.Object({
  average: Type.Union([Type.Number(), Type.Null()]),
  count: Type.Integer(),
});
export type ScoreSummary = Static<typeof ScoreSummary>;

/** What the group said about a card's session: numbers only (it travels in `feedback:changed`). */
export const FeedbackSummary = Type.Object({
  /** Members who said they attended. */
  attended: Type.Integer(),
  rating: ScoreSummary,
  interest: ScoreSummary,
});
export type FeedbackSummary = Static<typeof FeedbackSummary>;

/** My own answers about a card's session (all null before I gave any). */
export const MyFeedback = Type.Object({
  attended: Type.Union([Type.Boolean(), Type.Null()]),
  rating: Type.Union([Score, Type.Null()]),
  takeaway: Type.Union([Type.String(), Type.Null()]),
  interest: Type.Union([Score, Type.Null()]),
});
export type MyFeedback = Static<typeof MyFeedback>;

/** An attendee's takeaway, with their rating. */
export const Takeaway = Type.Object({
  user: Type.Object({ id: Uuid, name: Type.String() }),
  rating: Type.Union([Score, Type.Null()]),
  takeaway: Type.String(),
});
export type Takeaway = Static<typeof Takeaway>;

/** `GET/PUT …/cards/:cardId/feedback`: my answers, the group's summary and the takeaways (oldest first). */
export const CardFeedback = Type.Object({
  cardId: Type.String(),
  /** The card's session, null when it has none; attendance and ratings are taken once it is past. */
  sessionAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  /** Whether the session has happened (`sessionAt` ≤ the server's now). */
  held: Type.Boolean(),
  mine: MyFeedback,
  summary: FeedbackSummary,
  takeaways: Type.Array(Takeaway),
  /** Orders this card's summaries (here and in `feedback:changed`): a larger version is a later one. */
  version: Type.Integer(),
});
export type CardFeedback = Static<typeof CardFeedback>;

/** `GET /api/boards/:boardId/feedback`: the summaries of the board's cards that have any feedback. */
export const BoardFeedback = Type.Object({
  items: Type.Record(Type.String(), FeedbackSummary),
});
export type BoardFeedback = Static<typeof BoardFeedback>;
