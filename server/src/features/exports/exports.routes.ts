import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ErrorBody } from '#shared/schemas/common.js';
import { BoardParams } from '#shared/schemas/boards.js';
import { ExportQuery } from '#shared/schemas/exports.js';
import { notFound } from '#server/errors.js';
import { authorize } from '#server/features/boards/authorization.js';
import { exportFileName, renderExport } from './exports.format.js';
import { readBoardExport } from './exports.repository.js';
import { boardNotes } from '#server/features/notes/notes.service.js';

/** The board's reading list as a download, for members. */
export const exportRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/boards/:boardId/export',
    {
      schema: {
        tags: ['exports'],
        description:
          'The reading list, column by column, with votes, presenter, session and the group’s feedback ' +
          '(attendance, average rating and interest with their counts), as Markdown, CSV ' +
          '(RFC 4180), BibTeX (one entry per paper) or JSON. Sent as an attachment. Markdown and JSON ' +
          "carry each card's note (Markdown).",
        params: BoardParams,
        querystring: ExportQuery,
        response: {
          200: Type.String({ description: 'the file, in the media type of the format' }),
          400: ErrorBody,
          401: ErrorBody,
          404: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const { boardId } = request.params;
      await authorize(request, boardId, 'board:read');
      const data = await readBoardExport(app.sql, boardId, new Date());
      if (!data) throw notFound('board');
      const notes = await boardNotes(app.sql, boardId);
      for (const column of data.columns) {
        for (const card of column.cards) card.note = notes.get(card.cardId) ?? null;
      }
      const file = renderExport(data, request.query.format);
      const fileName = exportFileName(data.board.name, file.extension);
      return reply
        .type(file.contentType)
        .header('content-disposition', `attachment; filename="${fileName}"`)
        .header('cache-control', 'private, no-store')
        .send(file.body);
    },
  );
};
