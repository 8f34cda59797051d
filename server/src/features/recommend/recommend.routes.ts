import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ErrorBody, Uuid } from '#shared/schemas/common.js';
import { BoardParams } from '#shared/schemas/boards.js';
import {
  RecommendQuery,
  RecommendationList,
  BoardSuggestionList,
  SuggestionParams,
} from '#shared/schemas/recommend.js';
import { RECOMMEND_LIMITS } from '#shared/schemas/recommend.js';
import { notFound } from '#server/errors.js';
import { authorize } from '#server/features/boards/authorization.js';
import { openSuggestions } from './recommend.repository.js';
import { dismiss, recommendForBoard, restore, similarPapers, type RecommendDeps } from './recommend.service.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
/** The lane shows at most this many suggestions (newest first). */
const LANE_SIZE = 50;

/**
 * "More like this" (issue #19): papers of the library like a board's or like one paper, ranked by this
 * node's tf-idf index; and a board's Suggested lane of new papers, filled by `suggestNewPapers`.
 */
export const recommendRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const deps = (): RecommendDeps => ({
    sql: app.sql,
    recommender: app.recommender,
    emitToBoard: app.emitToBoard.bind(app),
  });

  app.get(
    '/api/boards/:boardId/recommendations',
    {
      schema: {
        tags: ['recommend'],
        description:
          "Library papers like the board's (title and abstract, tf-idf; papers with votes weigh more), not on the " +
          'board, best first, each with the shared words that weighed most. Members.',
        params: BoardParams,
        querystring: RecommendQuery,
        response: { 200: RecommendationList, ...errors },
      },
    },
    async (request) => {
      const { boardId } = request.params;
      await authorize(request, boardId, 'board:read');
      const limit = request.query.limit ?? RECOMMEND_LIMITS.defaultLimit;
      return { items: await recommendForBoard(deps(), boardId, limit) };
    },
  );

  app.get(
    '/api/papers/:id/similar',
    {
      schema: {
        tags: ['recommend'],
        description: 'Library papers like this one, best first, with the shared words that weighed most.',
        params: Type.Object({ id: Uuid }),
        querystring: RecommendQuery,
        response: { 200: RecommendationList, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? RECOMMEND_LIMITS.defaultLimit;
      const items = await similarPapers(deps(), request.params.id, limit);
      if (!items) throw notFound('paper');
      return { items };
    },
  );

  app.get(
    '/api/boards/:boardId/suggestions',
    {
      schema: {
        tags: ['recommend'],
        description:
          "The board's Suggested lane: new papers that scored high against the board, newest first, without " +
          'dismissed ones and papers on the board. Members.',
        params: BoardParams,
        response: { 200: BoardSuggestionList, ...errors },
      },
    },
    async (request) => {
      const { boardId } = request.params;
      await authorize(request, boardId, 'board:read');
      return { items: await openSuggestions(app.sql, boardId, LANE_SIZE) };
    },
  );

  app.delete(
    '/api/boards/:boardId/suggestions/:paperId',
    {
      schema: {
        tags: ['recommend'],
        description: 'Dismisses a suggestion: it leaves the lane and is not suggested again. Editors and owners.',
        params: SuggestionParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      const { boardId, paperId } = request.params;
      const { user } = await authorize(request, boardId, 'suggestions:manage');
      if (!(await dismiss(deps(), boardId, paperId, user.id))) throw notFound('suggestion');
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/boards/:boardId/suggestions/:paperId/restore',
    {
      schema: {
        tags: ['recommend'],
        description: 'Takes a dismissal back (Undo): the suggestion returns to the lane. Editors and owners.',
        params: SuggestionParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      const { boardId, paperId } = request.params;
      await authorize(request, boardId, 'suggestions:manage');
      if (!(await restore(deps(), boardId, paperId))) throw notFound('dismissed suggestion');
      return reply.status(204).send(null);
    },
  );
};
