import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorBody } from '../../../../shared/schemas/common.js';
import { BoardParams } from '../../../../shared/schemas/boards.js';
import { BoardCards } from '../../../../shared/schemas/cards.js';
import { authorize } from '../boards/authorization.js';
import { readProjection } from './cards.repository.js';

/** Read access to the board projection: cards with their papers, in display order. */
export const cardRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/boards/:boardId/cards',
    {
      schema: {
        tags: ['cards'],
        params: BoardParams,
        response: { 200: BoardCards, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const { user } = await authorize(request, request.params.boardId, 'board:read');
      return readProjection(app.sql, request.params.boardId, user.id);
    },
  );
};
