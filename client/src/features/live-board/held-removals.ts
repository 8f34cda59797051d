import type { BoardView } from '#shared/protocol/board-doc/view.js';

/**
 * How long a removal waits for "Undo" when this page could not take it back once made (see
 * `BoardDocument.removeCard`).
 */
export const HELD_MS = 6000;

/** A removal held back until its toast's "Undo" has had its time. */
export interface HeldRemoval {
  kind: 'card' | 'comment';
  /** Orders it among the undo stack's items, for Ctrl+Z. */
  seq: number;
  timer: ReturnType<typeof setTimeout>;
  commit: () => void;
}

/** The view with the held removals applied: held cards gone, held comments shown deleted. */
export function withoutHeld(view: BoardView, held: ReadonlyMap<string, HeldRemoval>): BoardView {
  if (held.size === 0) return view;
  const comments: BoardView['comments'] = {};
  for (const [cardId, thread] of Object.entries(view.comments)) {
    // As boardView shows deletions: a deleted reply goes, a deleted comment stays only for its replies.
    const isHeld = (id: string) => held.get(id)?.kind === 'comment';
    const kept = thread.filter((comment) => comment.replyTo === null || !isHeld(comment.id));
    comments[cardId] = kept
      .filter((comment) => {
        if (comment.replyTo !== null || !(comment.deleted || isHeld(comment.id))) return true;
        return kept.some((reply) => reply.replyTo === comment.id);
      })
      .map((comment) => (isHeld(comment.id) ? { ...comment, deleted: true, body: '' } : comment));
  }
  return {
    comments,
    columns: view.columns.map((column) => ({
      ...column,
      cards: column.cards
        .filter((card) => held.get(card.id)?.kind !== 'card')
        .map((card) => ({
          ...card,
          commentCount: (comments[card.id] ?? []).filter((comment) => !comment.deleted).length,
        })),
    })),
  };
}
