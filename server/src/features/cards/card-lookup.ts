import type { FastifyInstance } from 'fastify';
import { notFound } from '#server/errors.js';
import { readCard } from '#shared/protocol/board-doc/model.js';
import { cardProjected } from './cards.repository.js';

/**
 * 404 unless the card is on the board: in the projection, or else in the live document, which the
 * projection follows after a short delay (a card's panel opens, and reads what it shows, as soon as the
 * card is added). Routes about one card of a board call it after `authorize`.
 */
export async function requireCardOnBoard(app: FastifyInstance, boardId: string, cardId: string): Promise<void> {
  if (await cardProjected(app.sql, boardId, cardId)) return;
  if (!(await app.sync.read(boardId, (doc) => readCard(doc, cardId) !== null))) throw notFound('card');
}
