import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorBody } from '#shared/schemas/common.js';
import { BoardParams } from '#shared/schemas/boards.js';
import { Ballot, BallotRequest, OpenRoundRequest, Round, RoundList, RoundParams } from '#shared/schemas/rounds.js';
import { notFound } from '#server/errors.js';
import { authorize } from '#server/features/boards/authorization.js';
import { findBallot, findRound, listRounds } from './rounds.repository.js';
import { castBallot, closeRound, openRound, readRound, toRound, type RoundDeps } from './rounds.service.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

/** Ballot rounds (issue #18): owners open and close them, editors and owners vote, members read. */
export const roundRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const deps = (): RoundDeps => ({
    sql: app.sql,
    sync: app.sync,
    emitToBoard: app.emitToBoard.bind(app),
    log: app.log,
  });

  app.post(
    '/api/boards/:boardId/rounds',
    {
      schema: {
        tags: ['rounds'],
        description:
          "Opens a ballot round over a column's cards or named cards (2 or more, board order), closing at " +
          '`closesAt` (future, at most 90 days ahead). Owners only.',
        params: BoardParams,
        body: OpenRoundRequest,
        response: { 201: Round, ...errors },
      },
    },
    async (request, reply) => {
      const { boardId } = request.params;
      const { user } = await authorize(request, boardId, 'rounds:manage');
      return reply.code(201).send(await openRound(deps(), boardId, user.id, request.body));
    },
  );

  app.get(
    '/api/boards/:boardId/rounds',
    {
      schema: {
        tags: ['rounds'],
        description: "The board's rounds, newest first; results only of closed rounds.",
        params: BoardParams,
        response: { 200: RoundList, ...errors },
      },
    },
    async (request) => {
      const { boardId } = request.params;
      const { user } = await authorize(request, boardId, 'board:read');
      const rows = await listRounds(app.sql, boardId);
      const items = await Promise.all(
        rows.map(async (row) => toRound(row, await findBallot(app.sql, row.id, user.id))),
      );
      return { items };
    },
  );

  app.get(
    '/api/boards/:boardId/rounds/:roundId',
    {
      schema: {
        tags: ['rounds'],
        description: 'One round, with my ballot; its result once closed (never a tally while open).',
        params: RoundParams,
        response: { 200: Round, ...errors },
      },
    },
    async (request) => {
      const { boardId, roundId } = request.params;
      const { user } = await authorize(request, boardId, 'board:read');
      return readRound(app.sql, boardId, roundId, user.id);
    },
  );

  app.put(
    '/api/boards/:boardId/rounds/:roundId/ballot',
    {
      schema: {
        tags: ['rounds'],
        description:
          "Casts or replaces my ballot in the round's form: `ranking` (ranked), `approve` (approval) or " +
          '`dots` (dots, within the budget). Editors and owners; 409 once the round is closed.',
        params: RoundParams,
        body: BallotRequest,
        response: { 200: Ballot, ...errors, 409: ErrorBody },
      },
    },
    async (request) => {
      const { boardId, roundId } = request.params;
      const { user } = await authorize(request, boardId, 'rounds:vote');
      return castBallot(deps(), boardId, roundId, user.id, request.body);
    },
  );

  app.post(
    '/api/boards/:boardId/rounds/:roundId/close',
    {
      schema: {
        tags: ['rounds'],
        description:
          'Closes the round now and counts it; winners move to `moveWinnersTo` if set. Owners only; closing ' +
          'a closed round answers it as it is.',
        params: RoundParams,
        response: { 200: Round, ...errors },
      },
    },
    async (request) => {
      const { boardId, roundId } = request.params;
      const { user } = await authorize(request, boardId, 'rounds:manage');
      if (!(await findRound(app.sql, boardId, roundId))) throw notFound('round');
      await closeRound(deps(), boardId, roundId, user.id);
      return readRound(app.sql, boardId, roundId, user.id);
    },
  );
};
