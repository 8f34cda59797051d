import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorBody } from '#shared/schemas/common.js';
import { BoardParams } from '#shared/schemas/boards.js';
import { BoardFeedback, CardFeedback, FeedbackParams, FeedbackRequest } from '#shared/schemas/feedback.js';
import { badRequest, conflict, notFound } from '#server/errors.js';
import { authorize } from '#server/features/boards/authorization.js';
import { requireCardOnBoard } from '#server/features/cards/card-lookup.js';
import { boardFeedback, cardFeedback, saveFeedback, type FeedbackPatch } from './feedback.repository.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

/**
 * A takeaway as stored: trimmed, null when empty; refused (400) when it holds a line break, since it is
 * one line under the card.
 */
function takeawayText(value: string | null | undefined): string | null | undefined {
  if (value === undefined || value === null) return value;
  if (/[\r\n\u2028\u2029]/.test(value)) throw badRequest('body/takeaway must be one line (no line breaks)');
  const text = value.trim();
  return text === '' ? null : text;
}

/**
 * Attendance, ratings, takeaways and interest on a card's session (issue #18). Every member, viewers
 * too, gives their own (`feedback:self`): attending and rating a session is not editing the board.
 * Changes push the card's new summary to the board's room (`feedback:changed`).
 */
export const feedbackRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.put(
    '/api/boards/:boardId/cards/:cardId/feedback',
    {
      schema: {
        tags: ['feedback'],
        description:
          'Sets any of my answers about the card’s session. Once the session has happened: `attended`, and ' +
          'for attendees a `rating` (1–5) and a one-line `takeaway` (≤ 280 characters); `attended: false` ' +
          'clears both. Before it (or while the card has no session): my `interest` (1–5). null clears a ' +
          'field; fields left out keep theirs. 409 when the session has not happened yet (attendance, ' +
          'rating, takeaway) or already has (interest); 400 for a rating or takeaway without attendance. ' +
          'Every member, viewers too, may give their own.',
        params: FeedbackParams,
        body: FeedbackRequest,
        response: { 200: CardFeedback, ...errors, 409: ErrorBody },
      },
    },
    async (request) => {
      const { boardId, cardId } = request.params;
      const { user } = await authorize(request, boardId, 'feedback:self');
      await requireCardOnBoard(app, boardId, cardId);
      const patch: FeedbackPatch = { ...request.body };
      if ('takeaway' in request.body) patch.takeaway = takeawayText(request.body.takeaway);
      const outcome = await saveFeedback(app.sql, { boardId, cardId, userId: user.id, patch, now: new Date() });
      switch (outcome.status) {
        case 'no_member':
          throw notFound('board');
        case 'not_held':
          throw conflict('the session has not happened yet: attendance and ratings are given after it');
        case 'held':
          throw conflict('the session has already happened: interest is given before it (rate it instead)');
        case 'not_attended':
          throw badRequest(`body/${outcome.field} is for attendees only: mark attendance first (attended: true)`);
      }
      if (outcome.changed) {
        const { summary, version } = outcome.feedback;
        await app.emitToBoard(boardId, 'feedback:changed', { boardId, cardId, summary, version });
        for (const entry of outcome.activity) await app.emitToBoard(boardId, 'activity:new', entry);
      }
      return outcome.feedback;
    },
  );

  app.get(
    '/api/boards/:boardId/cards/:cardId/feedback',
    {
      schema: {
        tags: ['feedback'],
        description:
          'My answers about the card’s session, the group’s summary (members who attended, average rating ' +
          'and interest with their counts) and the attendees’ takeaways with their names, oldest first.',
        params: FeedbackParams,
        response: { 200: CardFeedback, ...errors },
      },
    },
    async (request) => {
      const { boardId, cardId } = request.params;
      const { user } = await authorize(request, boardId, 'board:read');
      await requireCardOnBoard(app, boardId, cardId);
      return cardFeedback(app.sql, { boardId, cardId, userId: user.id, now: new Date() });
    },
  );

  app.get(
    '/api/boards/:boardId/feedback',
    {
      schema: {
        tags: ['feedback'],
        description:
          'The feedback summaries of the board’s cards that have any, by card id, so that the board can ' +
          'show averages on its cards in one request.',
        params: BoardParams,
        response: { 200: BoardFeedback, ...errors },
      },
    },
    async (request) => {
      const { boardId } = request.params;
      await authorize(request, boardId, 'board:read');
      return { items: await boardFeedback(app.sql, boardId) };
    },
  );
};
