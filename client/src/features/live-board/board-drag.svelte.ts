import type { ColumnView } from '#shared/protocol/board-doc/view.js';

/** Where a moving card would land: a column and an index among that column's other cards. */
export interface DropTarget {
  columnId: string;
  index: number;
}

/**
 * A card being moved, by pointer (HTML drag and drop) or by keyboard (Space to lift, arrows, Space to
 * drop, Escape to cancel). Only the drop writes to the document, so a cancelled move leaves no trace.
 */
export class CardMove {
  cardId = $state<string | null>(null);
  byKeyboard = $state(false);
  target = $state<DropTarget | null>(null);

  start(cardId: string, byKeyboard: boolean, target: DropTarget | null = null): void {
    this.cardId = cardId;
    this.byKeyboard = byKeyboard;
    this.target = target;
  }

  clear(): void {
    this.cardId = null;
    this.byKeyboard = false;
    this.target = null;
  }

  /**
   * The keyboard target after an arrow key: up/down within the column, left/right to the neighbouring
   * column (same index, clamped). Null when the key does not move.
   */
  step(columns: readonly ColumnView[], key: string): DropTarget | null {
    const target = this.target;
    if (!target || !this.cardId) return null;
    const at = columns.findIndex((column) => column.id === target.columnId);
    if (at < 0) return null;
    const othersIn = (column: ColumnView) => column.cards.filter((card) => card.id !== this.cardId).length;
    if (key === 'ArrowUp') return { ...target, index: Math.max(0, target.index - 1) };
    if (key === 'ArrowDown') return { ...target, index: Math.min(othersIn(columns[at]), target.index + 1) };
    const next = key === 'ArrowLeft' ? at - 1 : key === 'ArrowRight' ? at + 1 : at;
    if (next === at || next < 0 || next >= columns.length) return null;
    return { columnId: columns[next].id, index: Math.min(target.index, othersIn(columns[next])) };
  }
}

/** The rows a column renders: its cards, with the drop marker at the target index (among the others). */
export function withDropMarker<T extends { id: string }>(
  cards: readonly T[],
  movingId: string | null,
  index: number | null,
): ({ kind: 'card'; card: T } | { kind: 'marker' })[] {
  const rows: ({ kind: 'card'; card: T } | { kind: 'marker' })[] = [];
  let others = 0;
  for (const card of cards) {
    if (index !== null && card.id !== movingId && others === index) rows.push({ kind: 'marker' });
    rows.push({ kind: 'card', card });
    if (card.id !== movingId) others++;
  }
  if (index !== null && others <= index) rows.push({ kind: 'marker' });
  return rows;
}
