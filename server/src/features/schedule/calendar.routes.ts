import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ErrorBody } from '#shared/schemas/common.js';
import { BoardParams } from '#shared/schemas/boards.js';
import { CalendarFeed, CalendarFeedQuery } from '#shared/schemas/schedule.js';
import { notFound } from '#server/errors.js';
import { authorize } from '#server/features/boards/authorization.js';
import { renderCalendar } from './calendar.js';
import { boardName, calendarTokenMatches, ensureCalendarToken, rotateCalendarToken } from './calendar.repository.js';
import { boardSessions } from './schedule.repository.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

/**
 * The board's sessions as an iCalendar feed. Calendar apps send no cookie, so the feed is reached with
 * a secret token in its URL, one per member: each member reads and rotates their own, and it ends with
 * their membership.
 */
export const calendarRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const feed = (boardId: string, token: string): CalendarFeed => {
    const url = new URL(`/api/boards/${boardId}/calendar.ics`, app.config.publicUrl);
    url.searchParams.set('token', token);
    return { url: url.toString(), token };
  };

  app.get(
    '/api/boards/:boardId/calendar',
    {
      schema: {
        tags: ['schedule'],
        description: 'The URL of my iCalendar feed of the board (created on first call) and its token.',
        params: BoardParams,
        response: { 200: CalendarFeed, ...errors },
      },
    },
    async (request) => {
      const { boardId } = request.params;
      const { user } = await authorize(request, boardId, 'board:read');
      const token = await ensureCalendarToken(app.sql, boardId, user.id);
      if (!token) throw notFound('board');
      return feed(boardId, token);
    },
  );

  app.post(
    '/api/boards/:boardId/calendar/rotate',
    {
      schema: {
        tags: ['schedule'],
        description: "Replaces my feed's token; my previous URL stops working at once, other members' do not change.",
        params: BoardParams,
        response: { 200: CalendarFeed, ...errors },
      },
    },
    async (request) => {
      const { boardId } = request.params;
      const { user } = await authorize(request, boardId, 'board:read');
      const token = await rotateCalendarToken(app.sql, boardId, user.id);
      if (!token) throw notFound('board');
      return feed(boardId, token);
    },
  );

  app.get(
    '/api/boards/:boardId/calendar.ics',
    {
      schema: {
        tags: ['schedule'],
        description:
          "The iCalendar (RFC 5545) feed of the board's sessions, one hour each. No session: `token` is " +
          'the secret; a missing or wrong one answers 404.',
        params: BoardParams,
        querystring: CalendarFeedQuery,
        response: { 200: Type.String({ description: 'text/calendar' }), 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request, reply) => {
      const { boardId } = request.params;
      const { token } = request.query;
      if (!token || !(await calendarTokenMatches(app.sql, boardId, token))) throw notFound('calendar');
      const name = await boardName(app.sql, boardId);
      if (name === null) throw notFound('calendar');
      const sessions = await boardSessions(app.sql, boardId);
      const body = renderCalendar(
        { id: boardId, name },
        sessions.map((s) => ({
          cardId: s.cardId,
          title: s.paperTitle ?? 'Untitled paper',
          presenterName: s.presenterName,
          sessionAt: s.sessionAt,
          updatedAt: s.updatedAt,
        })),
      );
      return reply
        .type('text/calendar; charset=utf-8')
        .header('cache-control', 'private, no-cache')
        .header('content-disposition', 'inline; filename="paperboard.ics"')
        .send(body);
    },
  );
};
