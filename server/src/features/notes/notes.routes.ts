import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorBody } from '#shared/schemas/common.js';
import { NoteParams, NoteSettings, NoteSettingsRequest } from '#shared/schemas/notes.js';
import { isNoteCardId } from '#shared/protocol/notes.js';
import { notFound } from '#server/errors.js';
import type { Sql } from '#server/db/sql.js';
import { authorize } from '#server/features/boards/authorization.js';
import { requireCardOnBoard } from '#server/features/cards/card-lookup.js';
import { findNotePublication, setNotePublic } from './note-publication.repository.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

async function settingsOf(sql: Sql, boardId: string, cardId: string): Promise<NoteSettings> {
  const row = await findNotePublication(sql, boardId, cardId);
  return {
    cardId,
    public: row !== null,
    publishedAt: row?.publishedAt.toISOString() ?? null,
    publishedBy: row?.publishedBy ?? null,
  };
}

/**
 * A card's note besides its text (the text is a Yjs document of its own, `/yjs/<boardId>/notes/<cardId>`):
 * whether it is published on the board's public page. Members read it; owners change it, as they
 * choose everything else the public page shows (`public:manage`).
 */
export const notesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  async function requireNoteCard(boardId: string, cardId: string): Promise<void> {
    // A card id that can name no note has none (see isNoteCardId): the same 404 as an unknown card.
    if (!isNoteCardId(cardId)) throw notFound('card');
    await requireCardOnBoard(app, boardId, cardId);
  }

  app.get(
    '/api/boards/:boardId/cards/:cardId/note',
    {
      schema: {
        tags: ['notes'],
        description: 'Whether the card’s note is shown on the board’s public page, since when and by whom.',
        params: NoteParams,
        response: { 200: NoteSettings, ...errors },
      },
    },
    async (request) => {
      const { boardId, cardId } = request.params;
      await authorize(request, boardId, 'board:read');
      await requireNoteCard(boardId, cardId);
      return settingsOf(app.sql, boardId, cardId);
    },
  );

  app.put(
    '/api/boards/:boardId/cards/:cardId/note',
    {
      schema: {
        tags: ['notes'],
        description:
          'Publishes the card’s note on the board’s public page (`public: true`) or takes it off (`false`). ' +
          'A published note is shown, as text, under the card’s session once the session has happened, ' +
          'while the page is on and the card’s column is shown; what members write later shows too. Owners only.',
        params: NoteParams,
        body: NoteSettingsRequest,
        response: { 200: NoteSettings, ...errors },
      },
    },
    async (request) => {
      const { boardId, cardId } = request.params;
      const { user } = await authorize(request, boardId, 'public:manage');
      await requireNoteCard(boardId, cardId);
      await setNotePublic(app.sql, { boardId, cardId, userId: user.id, public: request.body.public });
      return settingsOf(app.sql, boardId, cardId);
    },
  );
};
