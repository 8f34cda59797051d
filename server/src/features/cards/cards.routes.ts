import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorBody, Uuid } from '#shared/schemas/common.js';
import { BoardParams } from '#shared/schemas/boards.js';
import { Type } from '@sinclair/typebox';
import { AddCardRequest, AddedCard, BoardCards, BoardCardsQuery, PaperBoards } from '#shared/schemas/cards.js';
import { addCard } from '#shared/protocol/board-doc/edits.js';
import { BoardDocError } from '#shared/protocol/board-doc/model.js';
import { boardView } from '#shared/protocol/board-doc/view.js';
import { ServerEdit } from '#server/sync/board-room.js';
import { authorize } from '#server/features/boards/authorization.js';
import { requireUser } from '#server/features/auth/sessions.js';
import { badRequest, conflict, notFound } from '#server/errors.js';
import { findPaperById } from '#server/features/papers/papers.repository.js';
import { noteNominated } from '#server/features/recommend/recommend.service.js';
import { boardsShowingPaper, readProjection } from './cards.repository.js';

/** The board projection (cards with papers, votes and presenters) and nominating a paper without Yjs. */
export const cardRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/boards/:boardId/cards',
    {
      schema: {
        tags: ['cards'],
        params: BoardParams,
        querystring: BoardCardsQuery,
        response: { 200: BoardCards, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const { user } = await authorize(request, request.params.boardId, 'board:read');
      return readProjection(app.sql, request.params.boardId, user.id, { abstracts: request.query.abstracts !== false });
    },
  );

  // The library nominates papers from here, so that it needs no document connection: the server
  // makes the edit on the live document, which reaches every connected client at once.
  app.post(
    '/api/boards/:boardId/cards',
    {
      schema: {
        tags: ['cards'],
        params: BoardParams,
        body: AddCardRequest,
        response: {
          201: AddedCard,
          400: ErrorBody,
          401: ErrorBody,
          403: ErrorBody,
          404: ErrorBody,
          409: Type.Intersect([ErrorBody, Type.Object({ cardId: Type.Optional(Type.String()) })]),
        },
      },
    },
    async (request, reply) => {
      const { boardId } = request.params;
      const { paperId, columnId } = request.body;
      const { user } = await authorize(request, boardId, 'board:write');
      if (!(await findPaperById(app.sql, paperId))) throw notFound('paper');
      const added = await app.sync.edit(boardId, new ServerEdit(user.id), (doc) => {
        const view = boardView(doc);
        const existing = view.columns.flatMap((c) => c.cards).find((card) => card.paperId === paperId);
        if (existing) throw conflict('body/paperId is already on this board', { cardId: existing.id });
        const column = columnId ?? view.columns[0]?.id;
        if (!column) throw conflict('the board has no column');
        try {
          return { cardId: addCard(doc, { paperId, columnId: column, addedBy: user.id }), columnId: column };
        } catch (error) {
          if (error instanceof BoardDocError && error.code === 'not_found')
            throw badRequest('body/columnId is not a column of this board');
          throw error;
        }
      });
      // A paper nominated from the Suggested lane (or anywhere) leaves the lane for everyone at once.
      await noteNominated({ sql: app.sql, emitToBoard: app.emitToBoard.bind(app) }, boardId, paperId);
      return reply.code(201).send(added);
    },
  );

  app.get(
    '/api/papers/:id/boards',
    {
      schema: {
        tags: ['cards'],
        params: Type.Object({ id: Uuid }),
        response: { 200: PaperBoards, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const user = requireUser(request);
      if (!(await findPaperById(app.sql, request.params.id))) throw notFound('paper');
      const boards = await boardsShowingPaper(app.sql, user.id, request.params.id);
      return { boardIds: boards.map((b) => b.boardId), boards };
    },
  );
};
