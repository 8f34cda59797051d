import { tick } from 'svelte';
import type { CardView, ColumnView } from '#shared/protocol/board-doc/view.js';
import type { CardMove, DropTarget } from './board-drag.svelte.js';
import type { BoardDocument } from './board-document.svelte.js';

/** The focusable link of a card on the board (what Tab reaches and Enter opens). */
export function cardLink(cardId: string): HTMLElement | null {
  return document.querySelector<HTMLElement>(`[data-card-id="${CSS.escape(cardId)}"] a`);
}

/**
 * Card moves by keyboard: Space lifts the focused card, the arrow keys move its drop marker, Space
 * drops it and Escape cancels. Every step is said in {@link announcement}, since a screen reader user
 * cannot see the marker; the shared {@link CardMove} draws it, and only the drop writes.
 */
export class KeyboardMove {
  /** The last step in words, for the screen's live region. */
  announcement = $state('');

  /**
   * @param move the card move shared with pointer dragging
   * @param board the board (a getter, as the screen's props may change)
   * @param titleOf the paper title of a card, to name the lifted card
   */
  constructor(
    readonly move: CardMove,
    private readonly board: () => BoardDocument,
    private readonly titleOf: (cardId: string) => string | null,
  ) {}

  /** Handles a key on a card's link (the card sits in `column`). Viewers cannot move cards. */
  keydown(event: KeyboardEvent, card: CardView, column: ColumnView): void {
    const board = this.board();
    if (board.readOnly) return;
    const move = this.move;
    const lifted = move.cardId === card.id && move.byKeyboard;
    if (event.key === ' ' || event.key === 'Spacebar') {
      event.preventDefault();
      if (!lifted) {
        const index = column.cards.findIndex((c) => c.id === card.id);
        move.start(card.id, true, { columnId: column.id, index });
        this.announcement = `Lifted ${this.titleOf(card.id) ?? 'card'}. ${this.#positionText({ columnId: column.id, index })}. Arrow keys move it, Space drops it, Escape cancels.`;
        return;
      }
      const target = move.target;
      if (target) {
        board.moveCard(card.id, { columnId: target.columnId, index: target.index });
        // Said while the card still counts as the moving one: once cleared, the column's count would
        // take it twice (as one of the others, and as the one that moves).
        this.announcement = `Dropped. ${this.#positionText(target)}.`;
      }
      move.clear();
      void focusCard(card.id);
    } else if (lifted && event.key.startsWith('Arrow')) {
      event.preventDefault();
      const next = move.step(board.view.columns, event.key);
      if (next) {
        move.target = next;
        this.announcement = this.#positionText(next);
      }
    } else if (lifted && event.key === 'Escape') {
      event.preventDefault();
      // The screen's own Escape would otherwise close the card panel or the shortcut help as well.
      event.stopPropagation();
      this.cancel();
    }
  }

  /** Ends the current move (keyboard or pointer) without writing, and gives the focus back to the card. */
  cancel(): void {
    const id = this.move.cardId;
    this.move.clear();
    this.announcement = 'Move cancelled.';
    if (id) void focusCard(id);
  }

  #positionText(target: DropTarget): string {
    const column = this.board().view.columns.find((c) => c.id === target.columnId);
    if (!column) return '';
    // Counted among the column's other cards, plus the one that moves.
    const total = column.cards.filter((c) => c.id !== this.move.cardId).length + 1;
    return `${column.title}, position ${target.index + 1} of ${total}`;
  }
}

/** Focuses a card's link once the board has re-rendered (a card moved to another column is a new element). */
async function focusCard(cardId: string): Promise<void> {
  await tick();
  cardLink(cardId)?.focus();
}
