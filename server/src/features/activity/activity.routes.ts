import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorBody } from '#shared/schemas/common.js';
import { BoardParams } from '#shared/schemas/boards.js';
import { ACTIVITY_PAGE_SIZE, ActivityPage, ActivityQuery } from '#shared/schemas/activity.js';
import { authorize } from '#server/features/boards/authorization.js';
import { listActivity } from './activity.repository.js';

/** A board's activity log, newest first; new entries also arrive live as `activity:new`. */
export const activityRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/boards/:boardId/activity',
    {
      schema: {
        tags: ['activity'],
        params: BoardParams,
        querystring: ActivityQuery,
        response: { 200: ActivityPage, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const { boardId } = request.params;
      await authorize(request, boardId, 'board:read');
      const { limit = ACTIVITY_PAGE_SIZE.default, before } = request.query;
      return listActivity(app.sql, boardId, { limit, before: before ?? null });
    },
  );
};
