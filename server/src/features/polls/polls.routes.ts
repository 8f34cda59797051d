import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { projectCard } from '#server/features/cards/card-lookup.js';
import { Type } from '@sinclair/typebox';
import { ErrorBody } from '#shared/schemas/common.js';
import { BoardParams } from '#shared/schemas/boards.js';
import {
  AnswerRequest,
  CreatePollRequest,
  MyAnswers,
  PickRequest,
  Poll,
  PollList,
  PollListQuery,
  PollParams,
} from '#shared/schemas/polls.js';
import { authorize } from '#server/features/boards/authorization.js';
import { readPolls } from './polls.repository.js';
import { answerPoll, createPoll, pickSlot, readPoll, removePoll, type PollDeps } from './polls.service.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

/**
 * Availability polls (issue #18): owners propose times and pick one, which schedules the session;
 * editors and owners answer; every member reads.
 */
export const pollRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const deps = (): PollDeps => ({ sql: app.sql, emitToBoard: app.emitToBoard.bind(app) });

  app.post(
    '/api/boards/:boardId/polls',
    {
      schema: {
        tags: ['polls'],
        description:
          "Proposes 2–12 distinct times for a card's session (`cardId`, a card on the board) or for a board " +
          'session without a paper yet. Each slot in the future, at most a year ahead; `closesAt` (optional) ' +
          'in the future. At most 20 open polls per board (409). Owners only.',
        params: BoardParams,
        body: CreatePollRequest,
        response: { 201: Poll, ...errors, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const { boardId } = request.params;
      const { user } = await authorize(request, boardId, 'polls:manage');
      if (request.body.cardId) await projectCard(app, boardId, request.body.cardId);
      return reply.code(201).send(await createPoll(deps(), boardId, user.id, request.body));
    },
  );

  app.get(
    '/api/boards/:boardId/polls',
    {
      schema: {
        tags: ['polls'],
        description: "The board's polls, newest first (at most 100), with their answers; `status` keeps one kind.",
        params: BoardParams,
        querystring: PollListQuery,
        response: { 200: PollList, ...errors },
      },
    },
    async (request) => {
      const { boardId } = request.params;
      const { user } = await authorize(request, boardId, 'board:read');
      return { items: await readPolls(app.sql, boardId, user.id, new Date(), { status: request.query.status }) };
    },
  );

  app.get(
    '/api/boards/:boardId/polls/:pollId',
    {
      schema: {
        tags: ['polls'],
        description:
          'One poll: its slots with counts, every member’s answers, the best slot (most yes, then most "if ' +
          'need be", then earliest; null without answers) and my answers.',
        params: PollParams,
        response: { 200: Poll, ...errors },
      },
    },
    async (request) => {
      const { boardId, pollId } = request.params;
      const { user } = await authorize(request, boardId, 'board:read');
      return readPoll(app.sql, boardId, pollId, user.id);
    },
  );

  app.put(
    '/api/boards/:boardId/polls/:pollId/answer',
    {
      schema: {
        tags: ['polls'],
        description:
          'Replaces my answers: slot id → yes | maybe | no; slots left out lose their answer. Editors and ' +
          'owners; 409 once the poll is closed or past its deadline.',
        params: PollParams,
        body: AnswerRequest,
        response: { 200: MyAnswers, ...errors, 409: ErrorBody },
      },
    },
    async (request) => {
      const { boardId, pollId } = request.params;
      const { user } = await authorize(request, boardId, 'polls:answer');
      return answerPoll(deps(), boardId, pollId, user.id, request.body);
    },
  );

  app.post(
    '/api/boards/:boardId/polls/:pollId/pick',
    {
      schema: {
        tags: ['polls'],
        description:
          "Picks a slot: schedules the poll's card (or `cardId`, required for a poll without one) at that " +
          'time with `presenterId` presenting, and closes the poll, all at once. Owners only; 409 when the ' +
          'poll is closed already.',
        params: PollParams,
        body: PickRequest,
        response: { 200: Poll, ...errors, 409: ErrorBody },
      },
    },
    async (request) => {
      const { boardId, pollId } = request.params;
      const { user } = await authorize(request, boardId, 'polls:manage');
      return pickSlot(deps(), boardId, pollId, user.id, request.body);
    },
  );

  app.delete(
    '/api/boards/:boardId/polls/:pollId',
    {
      schema: {
        tags: ['polls'],
        description: 'Deletes a poll with its answers; a session already scheduled by it stays. Owners only.',
        params: PollParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      const { boardId, pollId } = request.params;
      await authorize(request, boardId, 'polls:manage');
      await removePoll(deps(), boardId, pollId);
      return reply.status(204).send(null);
    },
  );
};
