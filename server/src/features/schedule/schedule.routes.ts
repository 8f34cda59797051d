import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ErrorBody } from '#shared/schemas/common.js';
import { BoardParams } from '#shared/schemas/boards.js';
import {
  Assignment,
  AssignmentParams,
  AssignmentRequest,
  Schedule,
  SuggestQuery,
  Suggestion,
} from '#shared/schemas/schedule.js';
import { badRequest, forbidden, notFound } from '#server/errors.js';
import { authorize, can } from '#server/features/boards/authorization.js';
import { projectCard } from '#server/features/cards/card-lookup.js';
import { assign, readSchedule, suggestPresenter, unassign, type AssignmentOutcome } from './schedule.repository.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

/**
 * Presenters and sessions. Editors and owners (`assign`) name any member; every member, viewers too,
 * may volunteer: name themselves, and withdraw only themselves. Changes go to the board's room.
 */
export const scheduleRoutes: FastifyPluginAsyncTypebox = async (app) => {
  /** Turns a failed outcome into its error; returns the successful one. */
  function settle<T extends Assignment | null>(outcome: AssignmentOutcome<T>) {
    switch (outcome.status) {
      case 'no_card':
        throw notFound('card');
      case 'no_presenter':
        throw badRequest('body/presenterId must be a member of the board');
      case 'not_yours':
        throw forbidden('without the right to assign, a member may only volunteer or withdraw themselves');
      case 'no_session':
        throw badRequest('body/sessionAt is required: the board has no regular meeting time to take it from');
    }
    return outcome;
  }

  app.put(
    '/api/boards/:boardId/cards/:cardId/assignment',
    {
      schema: {
        tags: ['schedule'],
        description:
          'Sets who presents the card and when. Editors and owners may name any member; other members may ' +
          'only name themselves (and not take over a card someone else presents). Without `sessionAt` the ' +
          "card keeps its session, or takes the board's next free meeting slot.",
        params: AssignmentParams,
        body: AssignmentRequest,
        response: { 200: Assignment, ...errors },
      },
    },
    async (request) => {
      const { boardId, cardId } = request.params;
      const { user, role } = await authorize(request, boardId, 'board:read');
      await projectCard(app, boardId, cardId);
      const outcome = settle(
        await assign(app.sql, {
          boardId,
          cardId,
          presenterId: request.body.presenterId,
          sessionAt: request.body.sessionAt,
          actorId: user.id,
          mayAssignOthers: can(role, 'assign'),
          now: new Date(),
        }),
      );
      const { assignment } = outcome;
      if (outcome.changed) {
        await app.emitToBoard(boardId, 'assignment:changed', {
          boardId,
          cardId,
          presenterId: assignment.presenter.id,
          sessionAt: assignment.sessionAt,
        });
      }
      if (outcome.activity) await app.emitToBoard(boardId, 'activity:new', outcome.activity);
      return assignment;
    },
  );

  app.delete(
    '/api/boards/:boardId/cards/:cardId/assignment',
    {
      schema: {
        tags: ['schedule'],
        description:
          "Removes the card's presenter and session. Members without the right to assign may only withdraw " +
          'themselves. Removing an assignment that is not there changes nothing.',
        params: AssignmentParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      const { boardId, cardId } = request.params;
      const { user, role } = await authorize(request, boardId, 'board:read');
      const outcome = settle(
        await unassign(app.sql, { boardId, cardId, actorId: user.id, mayAssignOthers: can(role, 'assign') }),
      );
      if (outcome.changed) {
        await app.emitToBoard(boardId, 'assignment:changed', { boardId, cardId, presenterId: null, sessionAt: null });
      }
      if (outcome.activity) await app.emitToBoard(boardId, 'activity:new', outcome.activity);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/boards/:boardId/schedule',
    {
      schema: {
        tags: ['schedule'],
        description: 'Sessions of cards on the board: upcoming (soonest first) and past (latest first).',
        params: BoardParams,
        response: { 200: Schedule, ...errors },
      },
    },
    async (request) => {
      const { boardId } = request.params;
      await authorize(request, boardId, 'board:read');
      return readSchedule(app.sql, boardId, new Date());
    },
  );

  app.get(
    '/api/boards/:boardId/schedule/suggest',
    {
      schema: {
        tags: ['schedule'],
        description:
          'Suggests a presenter for a card by fair rotation: members who answered "no" for the session’s ' +
          'slot in a poll of the board come last; members active lately (attended one of the board’s last ' +
          '4 past sessions, or voted, cast a ballot or answered a poll since the earliest of them; everyone ' +
          'when the board has no past session or nobody was active) before the others; then the fewest ' +
          'sessions on the board (this card left out), the longest since their latest session (never ' +
          'first), the name. `sessionAt` is the card’s own session, else the next meeting slot that no ' +
          'other card takes (null when the board has no meeting time). `reason` says why in words ' +
          '("Ana — last presented 6 weeks ago, available"); `ranking` lists the members in order (at most ' +
          '20), each with their reason.',
        params: BoardParams,
        querystring: SuggestQuery,
        response: { 200: Suggestion, ...errors },
      },
    },
    async (request) => {
      const { boardId } = request.params;
      await authorize(request, boardId, 'board:read');
      const suggestion = await suggestPresenter(app.sql, boardId, request.query.cardId, new Date());
      if (!suggestion) throw notFound('card');
      return suggestion;
    },
  );
};
