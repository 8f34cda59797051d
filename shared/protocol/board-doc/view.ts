/**
 * The derived view: the board people see, a pure function of the document so that every replica shows
 * the same board, with each card's comment thread.
 */
import type * as Y from 'yjs';
import { commentsOf, parseComment, type CommentEntry } from './model.js';
import { byCreated, layoutOf, type Layout } from './ordering.js';

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
