import type { FastifyInstance } from 'fastify';
import { notFound } from '#server/errors.js';
import { readCard } from '#shared/protocol/board-doc/model.js';
import { boardView } from '#shared/protocol/board-doc/view.js';
import { cardProjected, replaceProjection } from './cards.repository.js';

/**
 * 404 unless the card is on the board: in the projection, or else in the live document, which the
 * projection follows after a short delay (a card's panel opens, and reads what it shows, as soon as the
 * card is added). Routes about one card of a board call it after `authorize`.
 */
export async function requireCardOnBoard(app: FastifyInstance, boardId: string, cardId: string): Promise<void> {
  if (await cardProjected(app.sql, boardId, cardId)) return;
  if (!(await app.sync.read(boardId, (doc) => readCard(doc, cardId) !== null))) throw notFound('card');
}

/**
 * Like {@link requireCardOnBoard}, for writes whose rows refer to the projection (assignments, polls): a
 * card the live document has and the projection not yet gets its projection written now, from the live
 * view, instead of the writer meeting a 404 for a card they have just added. The projection's own
 * refresh writes the same rows again a moment later.
 */
export async function projectCard(app: FastifyInstance, boardId: string, cardId: string): Promise<void> {
  if (await cardProjected(app.sql, boardId, cardId)) return;
  const view = await app.sync.read(boardId, (doc) => (readCard(doc, cardId) ? boardView(doc) : null));
  if (!view) throw notFound('card');
  await replaceProjection(app.sql, boardId, view);
}
