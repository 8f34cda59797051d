/**
 * Order and placement: the comparators every replica sorts by, the board's layout (which entries show,
 * where, in which order) that the view and the edits share, and fractional-index keys for new positions.
 */
import type * as Y from 'yjs';
import { generateNKeysBetween } from 'fractional-indexing';
import { BOARD_DOC_LIMITS } from '#shared/protocol/limits.js';
import {
  BoardDocError,
  DEFAULT_COLUMNS,
  FALLBACK_COLUMN_ID,
  cardsOf,
  columnsOf,
  parseCard,
  parseColumn,
  type CardEntry,
  type ColumnEntry,
  type CommentEntry,
} from './model.js';

/** Anything sorted by (order, id): columns and cards. */
interface Ordered {
  id: string;
  order: string;
}

const compareStrings = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
/** By (order, id): columns, and cards within a column. */
export const byOrder = (a: Ordered, b: Ordered) => compareStrings(a.order, b.order) || compareStrings(a.id, b.id);
/** By (addedAt, id): the earliest card of a paper is the one shown. */
const byAdded = (a: CardEntry, b: CardEntry) => a.addedAt - b.addedAt || compareStrings(a.id, b.id);
/** By (createdAt, id): comments in a thread. */
export const byCreated = (a: CommentEntry, b: CommentEntry) => a.createdAt - b.createdAt || compareStrings(a.id, b.id);

/** Where every readable card shows; see {@link layoutOf}. */
export interface Layout {
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

/**
 * Columns by (order, id); per paper the earliest card by (addedAt, id); a card whose column is missing in
 * the first column; cards by (order, id); malformed entries ignored.
 */
export function layoutOf(doc: Y.Doc): Layout {
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

/** Where a new card goes in its column; `bottom` when omitted. */
export type CardPosition = 'top' | 'bottom' | { before: string } | { after: string };

/** The index in `list` (sorted, without the new card) that a {@link CardPosition} names. */
export function cardIndex(list: readonly CardEntry[], position: CardPosition): number {
  if (position === 'top') return 0;
  if (position === 'bottom') return list.length;
  if ('before' in position) return indexIn(list, { before: position.before });
  return indexIn(list, { after: position.after });
}

/** Resolves at most one of before / after / index to an index into `list` (which excludes the item). */
export function indexIn(list: readonly Ordered[], target: { before?: string; after?: string; index?: number }): number {
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

/** Result of {@link placeAt}. */
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
export function placeAt(list: readonly Ordered[], index: number, count: number): Placement {
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
