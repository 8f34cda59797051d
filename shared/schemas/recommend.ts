import { Type, type Static } from '@sinclair/typebox';
import { Uuid } from './common.js';
import { Paper } from './papers.js';

/** Bounds of the "more like this" routes. */
export const RECOMMEND_LIMITS = { maxLimit: 50, defaultLimit: 10 } as const;

/** Query string of `GET /api/boards/:boardId/recommendations` and `GET /api/papers/:id/similar`. */
export const RecommendQuery = Type.Object(
  {
    limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: RECOMMEND_LIMITS.maxLimit, default: RECOMMEND_LIMITS.defaultLimit }),
    ),
  },
  { additionalProperties: false },
);
export type RecommendQuery = Static<typeof RecommendQuery>;

/** A library paper like the board's (or the page's) paper, and why. */
export const Recommendation = Type.Object({
  paper: Paper,
  /** Similarity, higher is closer; comparable within one list only. */
  score: Type.Number(),
  /** The shared words that weighed most, as written in the papers ("diffusion", "distillation"). */
  reasons: Type.Array(Type.String()),
});
export type Recommendation = Static<typeof Recommendation>;

/** A ranked list, best first. */
export const RecommendationList = Type.Object({ items: Type.Array(Recommendation) });
export type RecommendationList = Static<typeof RecommendationList>;

/** A new paper in a board's Suggested lane. */
export const BoardSuggestion = Type.Object({
  paper: Paper,
  /** The paper's cosine with the board's papers when it was suggested (0–1). */
  score: Type.Number(),
  reasons: Type.Array(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
});
export type BoardSuggestion = Static<typeof BoardSuggestion>;

/** The lane: open suggestions (not dismissed, not on the board), newest first. */
export const BoardSuggestionList = Type.Object({ items: Type.Array(BoardSuggestion) });
export type BoardSuggestionList = Static<typeof BoardSuggestionList>;

/** Path of one suggestion. */
export const SuggestionParams = Type.Object({ boardId: Uuid, paperId: Uuid });
export type SuggestionParams = Static<typeof SuggestionParams>;
