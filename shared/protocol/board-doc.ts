import * as Y from 'yjs';
import { generateNKeysBetween } from 'fractional-indexing';
import { BOARD_DOC_LIMITS } from './limits.js';

export { BOARD_DOC_LIMITS } from './limits.js';

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

/** A card as shown on the board. */
export interface CardView {
  id: string;
  paperId: string;
  addedBy: string;
  addedAt: number;
  order: string;
  /** Comments in the card's thread that are not deleted. */
  commentCount: number;
}

/** A column as shown on the board, with its cards in display order. */
export interface ColumnView {
  id: string;
  title: string;
  order: string;
  cards: CardView[];
}

/** A comment as shown in a thread; a deleted comment keeps its place (for its replies) but not its body. */
export interface CommentView {
  id: string;
  cardId: string;
  authorId: string;
  body: string;
  createdAt: number;
  editedAt: number | null;
  deleted: boolean;
  replyTo: string | null;
}

/** The board every replica derives from the same document; see {@link boardView}. */
export interface BoardView {
  columns: ColumnView[];
  /** Thread of every card on the board, by card id: top-level comments, each followed by its replies. */
  comments: Record<string, CommentView[]>;
}

/** Where a new card goes in its column; `bottom` when omitted. */
export type CardPosition = 'top' | 'bottom' | { before: string } | { after: string };

/** Input of {@link addCard}. `now` defaults to `Date.now()`. */
export interface AddCardInput {
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
export interface AddColumnOptions {
  after?: string;
}

/** Target of {@link moveColumn}: at most one of `before`, `after` (column ids) or `index`. */
export interface MoveColumnOptions {
  before?: string;
  after?: string;
  index?: number;
}

/** Options of {@link deleteColumn}; cards go to the first remaining column when `moveCardsTo` is omitted. */
export interface DeleteColumnOptions {
  moveCardsTo?: string;
}

/** Input of {@link addComment}. `now` defaults to `Date.now()`. */
export interface AddCommentInput {
  cardId: string;
  authorId: string;
  body: string;
  replyTo?: string;
  now?: number;
}

/** Why a helper refused: `invalid` input, `not_found` reference, or `conflict` with the board's state. */
export type BoardDocErrorCode = 'invalid' | 'not_found' | 'conflict';

/** Thrown by the mutation helpers before they write anything. */
export class BoardDocError extends Error {
  readonly code: BoardDocErrorCode;

  constructor(code: BoardDocErrorCode, message: string) {
    super(message);
    this.name = 'BoardDocError';
    this.code = code;
  }
}

interface Ordered {
  id: string;
  order: string;
}

interface Layout {
  /** View order; the fallback column alone when the document has cards but no column. */
  columns: ColumnEntry[];
  /** Cards on the board, in display order, by the id of the view column that shows them. */
  cardsByColumn: Map<string, CardEntry[]>;
  /** Cards on the board by id: per paper, the earliest by (addedAt, id). */
  visible: Map<string, CardEntry>;
  /** Every readable card id → the id of the card on the board for the same paper. */
  shownAs: Map<string, string>;
  /** Every readable card, including hidden duplicates. */
  cards: CardEntry[];
  /** Whether `columns` is the invented fallback column rather than a stored one. */
  fallback: boolean;
}

const columnsOf = (doc: Y.Doc) => doc.getMap<unknown>('columns');
const cardsOf = (doc: Y.Doc) => doc.getMap<unknown>('cards');
const commentsOf = (doc: Y.Doc) => doc.getMap<unknown>('comments');

/** Whether `text` has at most `max` code points; code units bound them, so most strings need no count. */
function fits(text: string, max: number): boolean {
  if (text.length <= max) return true;
  let count = 0;
  for (const _ of text) if (++count > max) return false;
  return true;
}

const compareStrings = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byOrder = (a: Ordered, b: Ordered) => compareStrings(a.order, b.order) || compareStrings(a.id, b.id);
const byAdded = (a: CardEntry, b: CardEntry) => a.addedAt - b.addedAt || compareStrings(a.id, b.id);
const byCreated = (a: CommentEntry, b: CommentEntry) => a.createdAt - b.createdAt || compareStrings(a.id, b.id);

/**
 * C0 and C1 control characters, DEL and unpaired surrogates. Documents come from clients: a NUL in a title or an id would
 * be refused by PostgreSQL wherever the projection stores it, and nothing shown to people needs them.
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001F\u007F-\u009F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
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

const isId = (value: unknown): value is string =>
  typeof value === 'string' && value.length > 0 && fits(value, BOARD_DOC_LIMITS.id) && !CONTROL.test(value);
const isOrder = (value: unknown): value is string =>
  typeof value === 'string' && value.length > 0 && fits(value, BOARD_DOC_LIMITS.order) && !CONTROL.test(value);
const isTime = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value) && value >= MIN_TIME && value <= MAX_TIME;

/** A column title as shown: control characters become spaces; null when nothing readable is left or it is too long. */
function titleOf(value: unknown): string | null {
  if (typeof value !== 'string' || !fits(value, BOARD_DOC_LIMITS.title)) return null;
  const title = value.replace(CONTROLS, ' ').replace(LONE_SURROGATES, '\uFFFD').trim();
  return title.length > 0 ? title : null;
}
/** Treats null like absence: a JSON-minded client may write it for an unset optional field. */
const isAbsent = (value: unknown): value is null | undefined => value === undefined || value === null;

function fieldsOf(value: unknown): Y.Map<unknown> | null {
  return value instanceof Y.Map ? (value as Y.Map<unknown>) : null;
}

function parseColumn(id: string, value: unknown): ColumnEntry | null {
  const fields = fieldsOf(value);
  if (!fields || !isId(id)) return null;
  const title = titleOf(fields.get('title'));
  const order = fields.get('order');
  if (title === null || !isOrder(order)) return null;
  return { id, title, order };
}

function parseCard(id: string, value: unknown): CardEntry | null {
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

function parseComment(id: string, value: unknown): CommentEntry | null {
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

function layoutOf(doc: Y.Doc): Layout {
  const columns: ColumnEntry[] = [];
  columnsOf(doc).forEach((value, id) => {
    const column = parseColumn(id, value);
    if (column) columns.push(column);
  });
  columns.sort(byOrder);

  const cards: CardEntry[] = [];
  cardsOf(doc).forEach((value, id) => {
    const card = parseCard(id, value);
    if (card) cards.push(card);
  });
  const firstByPaper = new Map<string, CardEntry>();
  for (const card of cards) {
    const first = firstByPaper.get(card.paperId);
    if (!first || byAdded(card, first) < 0) firstByPaper.set(card.paperId, card);
  }
  const visible = new Map<string, CardEntry>();
  for (const card of firstByPaper.values()) visible.set(card.id, card);
  const shownAs = new Map<string, string>();
  for (const card of cards) shownAs.set(card.id, firstByPaper.get(card.paperId)!.id);

  const fallback = columns.length === 0 && visible.size > 0;
  if (fallback) columns.push({ id: FALLBACK_COLUMN_ID, title: DEFAULT_COLUMNS[0], order: 'a0' });
  const cardsByColumn = new Map<string, CardEntry[]>(columns.map((column) => [column.id, []]));
  for (const card of visible.values()) {
    (cardsByColumn.get(card.columnId) ?? cardsByColumn.get(columns[0].id)!).push(card);
  }
  for (const list of cardsByColumn.values()) list.sort(byOrder);
  return { columns, cardsByColumn, visible, shownAs, cards, fallback };
}

function threadsOf(doc: Y.Doc, layout: Layout): Map<string, CommentView[]> {
  const topLevel = new Map<string, CommentEntry[]>();
  const replies: CommentEntry[] = [];
  const parents = new Map<string, CommentEntry>();
  commentsOf(doc).forEach((value, id) => {
    const comment = parseComment(id, value);
    if (!comment || !layout.shownAs.has(comment.cardId)) return;
    if (comment.replyTo !== undefined) {
      replies.push(comment);
      return;
    }
    // Threads of hidden duplicates join the shown card's thread: it is the same paper on the same board.
    const shownId = layout.shownAs.get(comment.cardId)!;
    const thread = topLevel.get(shownId) ?? [];
    thread.push(comment);
    topLevel.set(shownId, thread);
    parents.set(comment.id, comment);
  });

  const repliesByParent = new Map<string, CommentEntry[]>();
  for (const reply of replies) {
    const parent = parents.get(reply.replyTo!);
    // A reply whose parent is gone, is itself a reply, or sits in another thread has no place to show.
    if (!parent || layout.shownAs.get(parent.cardId) !== layout.shownAs.get(reply.cardId) || reply.deleted) continue;
    const list = repliesByParent.get(parent.id) ?? [];
    list.push(reply);
    repliesByParent.set(parent.id, list);
  }

  const toView = (comment: CommentEntry): CommentView => ({
    id: comment.id,
    cardId: comment.cardId,
    authorId: comment.authorId,
    body: comment.deleted ? '' : comment.body,
    createdAt: comment.createdAt,
    editedAt: comment.editedAt ?? null,
    deleted: comment.deleted === true,
    replyTo: comment.replyTo ?? null,
  });
  const threads = new Map<string, CommentView[]>();
  for (const [cardId, comments] of topLevel) {
    const thread: CommentView[] = [];
    for (const comment of comments.sort(byCreated)) {
      const answers = (repliesByParent.get(comment.id) ?? []).sort(byCreated);
      if (comment.deleted && answers.length === 0) continue;
      thread.push(toView(comment), ...answers.map(toView));
    }
    threads.set(cardId, thread);
  }
  return threads;
}

/**
 * The board as people see it, a pure function of the document so that every replica shows the same
 * board: columns by (order, id); per paper only the earliest card by (addedAt, id); a card whose column
 * is missing in the first column; cards by (order, id); malformed entries ignored. Each card's thread
 * holds its comments by (createdAt, id), replies right after their parent; deleted comments show only
 * while they have replies, and comments of removed cards not at all.
 */
export function boardView(doc: Y.Doc): BoardView {
  const layout = layoutOf(doc);
  const threads = threadsOf(doc, layout);
  const comments: [string, CommentView[]][] = [];
  const columns = layout.columns.map((column): ColumnView => {
    const cards = layout.cardsByColumn.get(column.id)!.map((card): CardView => {
      const thread = threads.get(card.id) ?? [];
      comments.push([card.id, thread]);
      return {
        id: card.id,
        paperId: card.paperId,
        addedBy: card.addedBy,
        addedAt: card.addedAt,
        order: card.order,
        commentCount: thread.filter((comment) => !comment.deleted).length,
      };
    });
    return { id: column.id, title: column.title, order: column.order, cards };
  });
  // fromEntries defines own properties, so a hostile card id such as "__proto__" stays a plain key.
  return { columns, comments: Object.fromEntries(comments) };
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

/** Resolves at most one of before / after / index to an index into `list` (which excludes the item). */
function indexIn(list: readonly Ordered[], target: { before?: string; after?: string; index?: number }): number {
  const given = [target.before, target.after, target.index].filter((value) => value !== undefined).length;
  if (given > 1) throw new BoardDocError('invalid', 'Give at most one of before, after and index');
  if (target.index !== undefined) {
    if (!Number.isInteger(target.index)) throw new BoardDocError('invalid', 'index must be an integer');
    return Math.min(Math.max(target.index, 0), list.length);
  }
  const anchor = target.before ?? target.after;
  if (anchor === undefined) return list.length;
  const at = list.findIndex((item) => item.id === anchor);
  if (at < 0) throw new BoardDocError('not_found', `No ${anchor} to place next to in the target list`);
  return target.before !== undefined ? at : at + 1;
}

function keysBetween(low: string | null, high: string | null, count: number): string[] | null {
  try {
    const keys = generateNKeysBetween(low, high, count);
    const fits = keys.every((key) => key.length <= BOARD_DOC_LIMITS.order);
    const inside = (low === null || low < keys[0]) && (high === null || keys[keys.length - 1] < high);
    return fits && inside ? keys : null;
  } catch {
    return null;
  }
}

interface Placement {
  /** Keys for the inserted items, ascending. */
  keys: string[];
  /** New orders for items of the list, when there was no room between the neighbours. */
  rekeyed: [string, string][];
}

/**
 * Order keys for `count` items inserted at `index` of `list` (sorted by (order, id)). Neighbours with
 * equal orders (concurrent inserts), keys the library cannot read (untrusted writers) or keys grown past
 * the limit leave no room; then the whole list gets fresh keys, which still merges per entry.
 */
function placeAt(list: readonly Ordered[], index: number, count: number): Placement {
  const low = index > 0 ? list[index - 1].order : null;
  const high = index < list.length ? list[index].order : null;
  const keys = keysBetween(low, high, count);
  if (keys) return { keys, rekeyed: [] };
  const fresh = generateNKeysBetween(null, null, list.length + count);
  const rekeyed: [string, string][] = [];
  list.forEach((item, i) => {
    const order = fresh[i < index ? i : i + count];
    if (order !== item.order) rekeyed.push([item.id, order]);
  });
  return { keys: fresh.slice(index, index + count), rekeyed };
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

function cardIndex(list: readonly CardEntry[], position: CardPosition): number {
  if (position === 'top') return 0;
  if (position === 'bottom') return list.length;
  if ('before' in position) return indexIn(list, { before: position.before });
  return indexIn(list, { after: position.after });
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
