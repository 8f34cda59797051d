import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ErrorBody } from '#shared/schemas/common.js';
import { BoardParams } from '#shared/schemas/boards.js';
import {
  CardVoters,
  UpdateVotingRequest,
  VoteParams,
  VoteRequest,
  VoteResult,
  VotingSettings,
} from '#shared/schemas/votes.js';
import { badRequest, conflict, notFound } from '#server/errors.js';
import { authorize } from '#server/features/boards/authorization.js';
import {
  boardTallies,
  cardVoters,
  castVote,
  findVotingRules,
  memberBudget,
  removeVote,
  updateVotingRules,
  type VoteOutcome,
} from './votes.repository.js';

const VoteConflict = Type.Intersect([
  ErrorBody,
  Type.Object({ remainingDots: Type.Optional(Type.Integer()), maxDotsPerCard: Type.Optional(Type.Integer()) }),
]);
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

/** Votes on cards and the board's voting rules; every change is pushed to the board's socket.io room. */
export const voteRoutes: FastifyPluginAsyncTypebox = async (app) => {
  /** Turns an outcome into the response, and tells the room (and the activity log's listeners). */
  async function settle(boardId: string, cardId: string, outcome: VoteOutcome): Promise<VoteResult> {
    switch (outcome.status) {
      case 'no_member':
        throw notFound('board');
      case 'no_card':
        throw notFound('card');
      case 'invalid':
        throw badRequest(outcome.message);
      case 'over_card':
        throw conflict(`a card takes at most ${outcome.maxDotsPerCard} dots from one member on this board`, {
          maxDotsPerCard: outcome.maxDotsPerCard,
        });
      case 'over_budget':
        throw conflict(
          `not enough dots left: ${outcome.remainingDots} of ${outcome.dotsPerMember} remain (take dots off another card first)`,
          { remainingDots: outcome.remainingDots },
        );
    }
    if (outcome.changed) {
      const { tally, version } = outcome;
      await app.emitToBoard(boardId, 'votes:changed', { boardId, cardId, tally, version });
      if (outcome.activity) await app.emitToBoard(boardId, 'activity:new', outcome.activity);
    }
    return {
      cardId,
      tally: outcome.tally,
      version: outcome.version,
      myDots: outcome.myDots,
      remainingDots: outcome.remainingDots,
    };
  }

  app.put(
    '/api/boards/:boardId/cards/:cardId/vote',
    {
      schema: {
        tags: ['votes'],
        description:
          'Votes for a card. Upvote mode: one vote per member (a repeat changes nothing). Dots mode: sets my ' +
          'dots on the card to `dots` (default 1), within the per-card maximum and my budget (409 beyond).',
        params: VoteParams,
        body: VoteRequest,
        response: { 200: VoteResult, ...errors, 409: VoteConflict },
      },
      // The body is optional: a PUT without one is `{}`.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request) => {
      const { boardId, cardId } = request.params;
      const { user } = await authorize(request, boardId, 'vote');
      const outcome = await castVote(app.sql, { boardId, cardId, userId: user.id, dots: request.body.dots });
      return settle(boardId, cardId, outcome);
    },
  );

  app.delete(
    '/api/boards/:boardId/cards/:cardId/vote',
    {
      schema: {
        tags: ['votes'],
        description: 'Removes my vote (all my dots) from a card.',
        params: VoteParams,
        response: { 200: VoteResult, ...errors },
      },
    },
    async (request) => {
      const { boardId, cardId } = request.params;
      const { user } = await authorize(request, boardId, 'vote');
      return settle(boardId, cardId, await removeVote(app.sql, { boardId, cardId, userId: user.id }));
    },
  );

  app.get(
    '/api/boards/:boardId/cards/:cardId/votes',
    {
      schema: {
        tags: ['votes'],
        description:
          'Who voted for a card and with how many dots, earliest vote first; every member (viewers too) sees ' +
          'the names. A card not on the board has no voters.',
        params: VoteParams,
        response: { 200: CardVoters, ...errors },
      },
    },
    async (request) => {
      const { boardId, cardId } = request.params;
      await authorize(request, boardId, 'board:read');
      return { cardId, voters: await cardVoters(app.sql, boardId, cardId) };
    },
  );

  app.get(
    '/api/boards/:boardId/voting',
    {
      schema: {
        tags: ['votes'],
        description: "The board's voting rules, the tallies of its cards and my budget.",
        params: BoardParams,
        response: { 200: VotingSettings, ...errors },
      },
    },
    async (request) => {
      const { boardId } = request.params;
      const { user } = await authorize(request, boardId, 'board:read');
      const rules = await findVotingRules(app.sql, boardId);
      if (!rules) throw notFound('board');
      const budget = await memberBudget(app.sql, boardId, user.id, rules);
      return { ...rules, ...budget, tallies: await boardTallies(app.sql, boardId) };
    },
  );

  app.patch(
    '/api/boards/:boardId/voting',
    {
      schema: {
        tags: ['votes'],
        description:
          'Owners set the mode and, for dots, the budget per member and the maximum per card. Switching the ' +
          "mode clears the board's votes.",
        params: BoardParams,
        body: UpdateVotingRequest,
        response: { 200: VotingSettings, ...errors },
      },
    },
    async (request) => {
      const { boardId } = request.params;
      const { user } = await authorize(request, boardId, 'voting:manage');
      const updated = await updateVotingRules(app.sql, boardId, request.body);
      if (!updated) throw notFound('board');
      const { rules, votesCleared } = updated;
      await app.emitToBoard(boardId, 'voting:changed', { boardId, ...rules, votesCleared });
      const budget = await memberBudget(app.sql, boardId, user.id, rules);
      return { ...rules, ...budget, tallies: await boardTallies(app.sql, boardId) };
    },
  );
};
