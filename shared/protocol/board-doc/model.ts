/**
 * The board document's shape: names, entry types and the error of its helpers, plus the readers that turn
 * stored entries into typed ones. Readers treat anything malformed as absent, because documents come from
 * clients.
 */
import * as Y from 'yjs';
import { BOARD_DOC_LIMITS } from '#shared/protocol/limits.js';

/** The columns every new board starts with, left to right. */
export const DEFAULT_COLUMNS = ['Nominated', 'Shortlist', 'Scheduled', 'Read'] as const;

/**
 * Id of the column the view invents when the document holds cards but no column, which only concurrent
 * deletes can cause. Cards may be added and moved to it; renaming it creates a real column.
 */
export const FALLBACK_COLUMN_ID = 'fallback-column';

/** A column as stored in `doc.getMap('columns')`. */
export interface ColumnEntry {
  id: string;
  title: string;
  order: string;
}

/** A card as stored in `doc.getMap('cards')`. */
export interface CardEntry {
  id: string;
  paperId: string;
  columnId: string;
  order: string;
  addedBy: string;
  addedAt: number;
}

/** A comment as stored in `doc.getMap('comments')`. */
export interface CommentEntry {
  id: string;
  cardId: string;
  authorId: string;
  body: string;
  createdAt: number;
  editedAt?: number;
  deleted?: boolean;
  replyTo?: string;
}

/** Why a helper refused: `invalid` input, `not_found` reference, or `conflict` with the board's state. */
type BoardDocErrorCode = 'invalid' | 'not_found' | 'conflict';

/** Thrown by the mutation helpers before they write anything. */
export class BoardDocError extends Error {
  readonly code: BoardDocErrorCode;

  constructor(code: BoardDocErrorCode, message: string) {
    super(message);
    this.name = 'BoardDocError';
    this.code = code;
  }
}

/** The `columns` map: column id → entry. */
export const columnsOf = (doc: Y.Doc) => doc.getMap<unknown>('columns');
/** The `cards` map: card id → entry. */
export const cardsOf = (doc: Y.Doc) => doc.getMap<unknown>('cards');
/** The `comments` map: comment id → entry. */
export const commentsOf = (doc: Y.Doc) => doc.getMap<unknown>('comments');

/** Whether `text` has at most `max` code points; code units bound them, so most strings need no count. */
export function fits(text: string, max: number): boolean {
  if (text.length <= max) return true;
  let count = 0;
  for (const _ of text) if (++count > max) return false;
  return true;
}

/**
 * C0 and C1 control characters, DEL and unpaired surrogates. Documents come from clients: a NUL in a title or an id would
 * be refused by PostgreSQL wherever the projection stores it, and nothing shown to people needs them.
 */
export const CONTROL =
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  /[\u0000-\u001F\u007F-\u009F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Half of a surrogate pair without the other half: no character at all, and refused by PostgreSQL's JSON. */
const LONE_SURROGATES = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROLS = /[\u0000-\u001F\u007F-\u009F]/g;
/** Control characters a comment's Markdown may keep: tab, line feed, carriage return. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const BODY_CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;
/**
 * Times are milliseconds between the years 1 and 9999: what an ISO date has four digits for, and so
 * what the projection can store (a Date far outside it prints as `+275760-…`, which PostgreSQL refuses).
 */
const MIN_TIME = -62_135_596_800_000;
const MAX_TIME = 253_402_300_799_999;

/** A non-empty id within the limit, without control characters. */
export const isId = (value: unknown): value is string =>
  typeof value === 'string' && value.length > 0 && fits(value, BOARD_DOC_LIMITS.id) && !CONTROL.test(value);
const isOrder = (value: unknown): value is string =>
  typeof value === 'string' && value.length > 0 && fits(value, BOARD_DOC_LIMITS.order) && !CONTROL.test(value);
/** Milliseconds within the years 1 to 9999. */
export const isTime = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value) && value >= MIN_TIME && value <= MAX_TIME;

/** A column title as shown: control characters become spaces; null when nothing readable is left or it is too long. */
function titleOf(value: unknown): string | null {
  if (typeof value !== 'string' || !fits(value, BOARD_DOC_LIMITS.title)) return null;
  const title = value.replace(CONTROLS, ' ').replace(LONE_SURROGATES, '\uFFFD').trim();
  return title.length > 0 ? title : null;
}
/** Treats null like absence: a JSON-minded client may write it for an unset optional field. */
const isAbsent = (value: unknown): value is null | undefined => value === undefined || value === null;

/** The fields of a stored entry, or null when the value is not a Y.Map. */
export function fieldsOf(value: unknown): Y.Map<unknown> | null {
  return value instanceof Y.Map ? (value as Y.Map<unknown>) : null;
}

/** The column in `value` stored under `id`, title cleaned; null when malformed. */
export function parseColumn(id: string, value: unknown): ColumnEntry | null {
  const fields = fieldsOf(value);
  if (!fields || !isId(id)) return null;
  const title = titleOf(fields.get('title'));
  const order = fields.get('order');
  if (title === null || !isOrder(order)) return null;
  return { id, title, order };
}

/** The card in `value` stored under `id`; null when malformed. */
export function parseCard(id: string, value: unknown): CardEntry | null {
  const fields = fieldsOf(value);
  if (!fields || !isId(id)) return null;
  const paperId = fields.get('paperId');
  const columnId = fields.get('columnId');
  const order = fields.get('order');
  const addedBy = fields.get('addedBy');
  const addedAt = fields.get('addedAt');
  if (!isId(paperId) || !isId(columnId) || !isOrder(order) || !isId(addedBy) || !isTime(addedAt)) return null;
  return { id, paperId, columnId, order, addedBy, addedAt };
}

/** The comment in `value` stored under `id`, body cleaned; null when malformed. */
export function parseComment(id: string, value: unknown): CommentEntry | null {
  const fields = fieldsOf(value);
  if (!fields || !isId(id)) return null;
  const cardId = fields.get('cardId');
  const authorId = fields.get('authorId');
  const body = fields.get('body');
  const createdAt = fields.get('createdAt');
  const editedAt = fields.get('editedAt');
  const deleted = fields.get('deleted');
  const replyTo = fields.get('replyTo');
  if (!isId(cardId) || !isId(authorId) || !isTime(createdAt)) return null;
  if (!isAbsent(editedAt) && !isTime(editedAt)) return null;
  if (!isAbsent(deleted) && typeof deleted !== 'boolean') return null;
  if (!isAbsent(replyTo) && !isId(replyTo)) return null;
  // A deleted comment's body is emptied, so only a live one must have content.
  if (typeof body !== 'string' || !fits(body, BOARD_DOC_LIMITS.commentBody)) return null;
  if (deleted !== true && body.length === 0) return null;
  const comment: CommentEntry = {
    id,
    cardId,
    authorId,
    body: body.replace(BODY_CONTROLS, '').replace(LONE_SURROGATES, '\uFFFD'),
    createdAt,
  };
  if (isTime(editedAt)) comment.editedAt = editedAt;
  if (deleted === true) comment.deleted = true;
  if (isId(replyTo)) comment.replyTo = replyTo;
  return comment;
}

/** The column stored under `id`, or null when it is missing or malformed. */
export function readColumn(doc: Y.Doc, id: string): ColumnEntry | null {
  return parseColumn(id, columnsOf(doc).get(id));
}

/** The card stored under `id`, or null when it is missing or malformed (a hidden duplicate is returned). */
export function readCard(doc: Y.Doc, id: string): CardEntry | null {
  return parseCard(id, cardsOf(doc).get(id));
}

/** The comment stored under `id`, or null when it is missing or malformed. */
export function readComment(doc: Y.Doc, id: string): CommentEntry | null {
  return parseComment(id, commentsOf(doc).get(id));
}
