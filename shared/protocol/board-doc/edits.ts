/**
 * Typed helpers for every change to a board document, used by the client, the server and the tests alike.
 * Each throws a {@link BoardDocError} before writing anything when it refuses, and writes its change in
 * one transaction.
 */
import * as Y from 'yjs';
import { generateNKeysBetween } from 'fractional-indexing';
import { BOARD_DOC_LIMITS } from '#shared/protocol/limits.js';
import {
  BoardDocError,
  CONTROL,
  DEFAULT_COLUMNS,
  FALLBACK_COLUMN_ID,
  cardsOf,
  columnsOf,
  commentsOf,
  fieldsOf,
  fits,
  isId,
  isTime,
  readCard,
  readComment,
  type ColumnEntry,
} from './model.js';
import { byOrder, cardIndex, indexIn, layoutOf, placeAt, type CardPosition, type Layout } from './ordering.js';

/** Input of {@link addCard}. `now` defaults to `Date.now()`. */
interface AddCardInput {
  paperId: string;
  columnId: string;
  addedBy: string;
  position?: CardPosition;
  now?: number;
}

/** Target of {@link moveCard}: a column and at most one of `before`, `after` (card ids) or `index`. */
export interface MoveCardOptions {
  columnId: string;
  before?: string;
  after?: string;
  /** Position among the column's other cards, clamped to the column; the bottom when nothing is given. */
  index?: number;
}

/** Where {@link addColumn} puts the new column; the right end when `after` is omitted. */
interface AddColumnOptions {
  after?: string;
}

/** Target of {@link moveColumn}: at most one of `before`, `after` (column ids) or `index`. */
export interface MoveColumnOptions {
  before?: string;
  after?: string;
  index?: number;
}

/** Options of {@link deleteColumn}; cards go to the first remaining column when `moveCardsTo` is omitted. */
interface DeleteColumnOptions {
  moveCardsTo?: string;
}

/** Input of {@link addComment}. `now` defaults to `Date.now()`. */
interface AddCommentInput {
  cardId: string;
  authorId: string;
  body: string;
  replyTo?: string;
  now?: number;
}

function checkTitle(title: string): string {
  const trimmed = typeof title === 'string' ? title.trim() : '';
  if (trimmed.length === 0) throw new BoardDocError('invalid', 'Column title must not be empty');
  if (CONTROL.test(trimmed)) throw new BoardDocError('invalid', 'Column title must not contain control characters');
  if (!fits(trimmed, BOARD_DOC_LIMITS.title)) {
    throw new BoardDocError('invalid', `Column title must be at most ${BOARD_DOC_LIMITS.title} characters`);
  }
  return trimmed;
}

function checkBody(body: string): string {
  if (typeof body !== 'string' || body.trim().length === 0) {
    throw new BoardDocError('invalid', 'Comment body must not be empty');
  }
  if (!fits(body, BOARD_DOC_LIMITS.commentBody)) {
    throw new BoardDocError('invalid', `Comment body must be at most ${BOARD_DOC_LIMITS.commentBody} characters`);
  }
  return body;
}

function checkId(value: string, field: string): string {
  if (!isId(value)) {
    throw new BoardDocError(
      'invalid',
      `${field} must be a non-empty string of at most ${BOARD_DOC_LIMITS.id} characters, without control characters`,
    );
  }
  return value;
}

function checkTime(value: number, field: string): number {
  if (!isTime(value)) {
    throw new BoardDocError('invalid', `${field} must be a number of milliseconds within the range of a date`);
  }
  return value;
}

function newId(): string {
  // randomUUID exists only in secure contexts (https, localhost); a LAN address over plain http has
  // getRandomValues alone, so build a version-4 UUID from it there.
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function setOrders(map: Y.Map<unknown>, rekeyed: readonly [string, string][]) {
  for (const [id, order] of rekeyed) fieldsOf(map.get(id))?.set('order', order);
}

function entry(fields: Record<string, unknown>): Y.Map<unknown> {
  return new Y.Map<unknown>(Object.entries(fields));
}

function storedColumns(layout: Layout): ColumnEntry[] {
  return layout.fallback ? [] : layout.columns;
}

function viewColumn(layout: Layout, columnId: string): ColumnEntry {
  const column = layout.columns.find((candidate) => candidate.id === columnId);
  if (!column) throw new BoardDocError('not_found', `Column ${columnId} is not on the board`);
  return column;
}

/**
 * Writes the default columns into a new board's document. Server only: clients never initialise a
 * document, or two of them would each add a set. Throws if the document already has columns.
 */
export function initBoardDoc(doc: Y.Doc): void {
  const columns = columnsOf(doc);
  if (columns.size > 0) throw new BoardDocError('conflict', 'The board document is already initialised');
  const orders = generateNKeysBetween(null, null, DEFAULT_COLUMNS.length);
  doc.transact(() => {
    DEFAULT_COLUMNS.forEach((title, i) => columns.set(newId(), entry({ title, order: orders[i] })));
  });
}

/** Adds a column after `options.after` (default: at the right end) and returns its id. */
export function addColumn(doc: Y.Doc, title: string, options: AddColumnOptions = {}): string {
  const cleanTitle = checkTitle(title);
  const layout = layoutOf(doc);
  const list = storedColumns(layout);
  const afterFallback = layout.fallback && options.after === FALLBACK_COLUMN_ID;
  const index = options.after === undefined || afterFallback ? list.length : indexIn(list, { after: options.after });
  const { keys, rekeyed } = placeAt(list, index, 1);
  const id = newId();
  const columns = columnsOf(doc);
  doc.transact(() => {
    setOrders(columns, rekeyed);
    columns.set(id, entry({ title: cleanTitle, order: keys[0] }));
  });
  return id;
}

/** Renames a column. Renaming the fallback column creates a real column, which takes over its cards. */
export function renameColumn(doc: Y.Doc, columnId: string, title: string): void {
  const cleanTitle = checkTitle(title);
  const layout = layoutOf(doc);
  const column = viewColumn(layout, columnId);
  if (layout.fallback) {
    addColumn(doc, cleanTitle);
    return;
  }
  if (column.title === cleanTitle) return;
  const fields = fieldsOf(columnsOf(doc).get(columnId))!;
  doc.transact(() => fields.set('title', cleanTitle));
}

/** Moves a column before or after another column, or to an index among the others (default: the right end). */
export function moveColumn(doc: Y.Doc, columnId: string, options: MoveColumnOptions): void {
  const layout = layoutOf(doc);
  viewColumn(layout, columnId);
  const all = storedColumns(layout);
  const current = all.findIndex((column) => column.id === columnId);
  if (current < 0) return;
  const others = all.filter((column) => column.id !== columnId);
  const index = indexIn(others, options);
  if (index === current) return;
  const { keys, rekeyed } = placeAt(others, index, 1);
  const columns = columnsOf(doc);
  doc.transact(() => {
    setOrders(columns, rekeyed);
    fieldsOf(columns.get(columnId))!.set('order', keys[0]);
  });
}

/**
 * Deletes a column and, in the same transaction, moves the cards it shows to the bottom of
 * `options.moveCardsTo` (default: the first remaining column), keeping their order. Refuses to delete
 * the last column.
 */
export function deleteColumn(doc: Y.Doc, columnId: string, options: DeleteColumnOptions = {}): void {
  const layout = layoutOf(doc);
  viewColumn(layout, columnId);
  const remaining = layout.columns.filter((column) => column.id !== columnId);
  if (remaining.length === 0) throw new BoardDocError('conflict', 'The last column of a board cannot be deleted');
  const targetId = options.moveCardsTo ?? remaining[0].id;
  if (targetId === columnId) throw new BoardDocError('invalid', 'Cards cannot move to the column being deleted');
  viewColumn(layout, targetId);

  const existing = new Set(layout.columns.map((column) => column.id));
  const isFirst = layout.columns[0].id === columnId;
  // Hidden duplicates follow too, so that none is left pointing at the deleted column.
  const moving = layout.cards
    .filter((card) => card.columnId === columnId || (isFirst && !existing.has(card.columnId)))
    .sort(byOrder);
  const target = layout.cardsByColumn.get(targetId)!;
  const { keys, rekeyed } = placeAt(target, target.length, moving.length);
  const columns = columnsOf(doc);
  const cards = cardsOf(doc);
  doc.transact(() => {
    setOrders(cards, rekeyed);
    moving.forEach((card, i) => {
      const fields = fieldsOf(cards.get(card.id))!;
      fields.set('columnId', targetId);
      fields.set('order', keys[i]);
    });
    columns.delete(columnId);
  });
}

/**
 * Adds a card for a paper and returns its id. Refuses a paper that is already on the board; two
 * replicas adding the same paper at once both succeed, and the view keeps the earliest card.
 */
export function addCard(doc: Y.Doc, input: AddCardInput): string {
  const paperId = checkId(input.paperId, 'paperId');
  const addedBy = checkId(input.addedBy, 'addedBy');
  const addedAt = checkTime(input.now ?? Date.now(), 'now');
  const layout = layoutOf(doc);
  const column = viewColumn(layout, input.columnId);
  for (const card of layout.visible.values()) {
    if (card.paperId === paperId) throw new BoardDocError('conflict', `Paper ${paperId} is already on the board`);
  }
  const list = layout.cardsByColumn.get(column.id)!;
  const index = cardIndex(list, input.position ?? 'bottom');
  const { keys, rekeyed } = placeAt(list, index, 1);
  const id = newId();
  const cards = cardsOf(doc);
  doc.transact(() => {
    setOrders(cards, rekeyed);
    cards.set(id, entry({ paperId, columnId: column.id, order: keys[0], addedBy, addedAt }));
  });
  return id;
}

/**
 * Moves a card to a column and a position in it, setting `columnId` and `order` in one transaction so
 * that concurrent moves merge into exactly one placement.
 */
export function moveCard(doc: Y.Doc, cardId: string, options: MoveCardOptions): void {
  const layout = layoutOf(doc);
  const card = layout.visible.get(cardId);
  if (!card) throw new BoardDocError('not_found', `Card ${cardId} is not on the board`);
  const column = viewColumn(layout, options.columnId);
  const shown = layout.cardsByColumn.get(column.id)!;
  const others = shown.filter((other) => other.id !== cardId);
  const index = indexIn(others, options);
  if (card.columnId === column.id && shown.indexOf(card) === index) return;
  const { keys, rekeyed } = placeAt(others, index, 1);
  const cards = cardsOf(doc);
  const fields = fieldsOf(cards.get(cardId))!;
  doc.transact(() => {
    setOrders(cards, rekeyed);
    // Both fields every time, so that concurrent moves resolve both keys the same way.
    fields.set('columnId', column.id);
    fields.set('order', keys[0]);
  });
}

/**
 * Removes a card from the board, with any hidden duplicate of its paper (otherwise that duplicate
 * would reappear). Its comments stay in the document, unshown, so that removing a card never rewrites
 * other members' comments.
 */
export function removeCard(doc: Y.Doc, cardId: string): void {
  const cards = cardsOf(doc);
  if (!cards.has(cardId)) throw new BoardDocError('not_found', `Card ${cardId} does not exist`);
  const card = readCard(doc, cardId);
  const samePaper = card ? layoutOf(doc).cards.filter((other) => other.paperId === card.paperId) : [];
  doc.transact(() => {
    cards.delete(cardId);
    for (const other of samePaper) cards.delete(other.id);
  });
}

/**
 * Adds a comment to a card on the board and returns its id. A reply names a top-level, undeleted
 * comment of the same card (or of a hidden duplicate of it, whose thread the card shows).
 */
export function addComment(doc: Y.Doc, input: AddCommentInput): string {
  const authorId = checkId(input.authorId, 'authorId');
  const body = checkBody(input.body);
  const createdAt = checkTime(input.now ?? Date.now(), 'now');
  const layout = layoutOf(doc);
  if (!layout.visible.has(input.cardId)) {
    throw new BoardDocError('not_found', `Card ${input.cardId} is not on the board`);
  }
  if (input.replyTo !== undefined) {
    const parent = readComment(doc, input.replyTo);
    if (!parent || layout.shownAs.get(parent.cardId) !== input.cardId) {
      throw new BoardDocError('not_found', `Comment ${input.replyTo} is not in this card's thread`);
    }
    if (parent.replyTo !== undefined) throw new BoardDocError('invalid', 'Replies are one level deep');
    if (parent.deleted) throw new BoardDocError('conflict', 'Cannot reply to a deleted comment');
  }
  const fields: Record<string, unknown> = { cardId: input.cardId, authorId, body, createdAt };
  if (input.replyTo !== undefined) fields.replyTo = input.replyTo;
  const id = newId();
  const comments = commentsOf(doc);
  doc.transact(() => comments.set(id, entry(fields)));
  return id;
}

/** Replaces a comment's body and sets `editedAt`, in one transaction. Deleted comments cannot be edited. */
export function editComment(doc: Y.Doc, commentId: string, body: string, now: number = Date.now()): void {
  const cleanBody = checkBody(body);
  const editedAt = checkTime(now, 'now');
  const comment = readComment(doc, commentId);
  if (!comment) throw new BoardDocError('not_found', `Comment ${commentId} does not exist`);
  if (comment.deleted) throw new BoardDocError('conflict', 'A deleted comment cannot be edited');
  const fields = fieldsOf(commentsOf(doc).get(commentId))!;
  doc.transact(() => {
    fields.set('body', cleanBody);
    fields.set('editedAt', editedAt);
  });
}

/**
 * Soft-deletes a comment: `deleted: true` and the body emptied, so its replies keep their parent.
 * Deleting a deleted comment does nothing.
 */
export function deleteComment(doc: Y.Doc, commentId: string): void {
  const comment = readComment(doc, commentId);
  if (!comment) throw new BoardDocError('not_found', `Comment ${commentId} does not exist`);
  if (comment.deleted) return;
  const fields = fieldsOf(commentsOf(doc).get(commentId))!;
  doc.transact(() => {
    fields.set('deleted', true);
    fields.set('body', '');
  });
}

/**
 * Takes back a soft deletion (its author's undo): the comment shows again with `body`, which the
 * deletion emptied. Restoring a comment that is not deleted does nothing.
 */
export function restoreComment(doc: Y.Doc, commentId: string, body: string): void {
  const cleanBody = checkBody(body);
  const comment = readComment(doc, commentId);
  if (!comment) throw new BoardDocError('not_found', `Comment ${commentId} does not exist`);
  if (!comment.deleted) return;
  const fields = fieldsOf(commentsOf(doc).get(commentId))!;
  doc.transact(() => {
    fields.set('deleted', false);
    fields.set('body', cleanBody);
  });
}

/**
 * Puts the cards of a column in the order of `cardIds` (for example by votes), in one transaction.
 * Cards of the column that `cardIds` leaves out keep their relative order after the named ones; ids
 * of cards elsewhere are refused. Only the cards whose position changes are written.
 */
export function arrangeColumn(doc: Y.Doc, columnId: string, cardIds: readonly string[]): void {
  const layout = layoutOf(doc);
  const column = viewColumn(layout, columnId);
  const shown = layout.cardsByColumn.get(column.id)!;
  const inColumn = new Map(shown.map((card) => [card.id, card]));
  const named = [...new Set(cardIds)];
  for (const id of named) {
    if (!inColumn.has(id)) throw new BoardDocError('not_found', `Card ${id} is not in column ${columnId}`);
  }
  const rest = shown.filter((card) => !named.includes(card.id));
  const wanted = [...named.map((id) => inColumn.get(id)!), ...rest];
  if (wanted.every((card, i) => card === shown[i])) return;
  const orders = generateNKeysBetween(null, null, wanted.length);
  const cards = cardsOf(doc);
  doc.transact(() => {
    wanted.forEach((card, i) => {
      const fields = fieldsOf(cards.get(card.id))!;
      if (fields.get('order') !== orders[i]) fields.set('order', orders[i]);
      // A card shown here through a missing column is pinned to this column, so that it stays put.
      if (card.columnId !== column.id && !layout.fallback) fields.set('columnId', column.id);
    });
  });
}
