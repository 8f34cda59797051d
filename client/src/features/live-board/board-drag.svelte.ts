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

/** The index among a column's other cards (those in `list` but `movingId`) that `clientY` is over. */
export function dropIndexIn(list: ParentNode, clientY: number, movingId: string | null): number {
  const items = [...list.querySelectorAll<HTMLElement>('[data-card-id]')].filter(
    (item) => item.dataset.cardId !== movingId,
  );
  const at = items.findIndex((item) => {
    const box = item.getBoundingClientRect();
    return clientY < box.top + box.height / 2;
  });
  return at < 0 ? items.length : at;
}

/** How long a finger rests on a card before it lifts (shorter moves are taps or scrolls). */
export const LONG_PRESS_MS = 400;
/** How far a finger may wander during the long press before it counts as a swipe. */
const PRESS_SLOP_PX = 8;
/** Near this far from the columns' left or right edge, a lifted card scrolls them by a column. */
const EDGE_PX = 36;
/** While the finger stays at an edge, the next column comes after this long. */
const EDGE_DWELL_MS = 650;

/** What {@link touchDrag} needs from the board. */
interface TouchDragOptions {
  move: CardMove;
  /** Viewers cannot move cards. */
  readOnly: () => boolean;
  /** Writes the move (only the drop writes). */
  drop: (cardId: string, target: DropTarget) => void;
}

/**
 * Card moves by touch, attached to the board's columns container: a long press on a card lifts it
 * (a floating copy follows the finger, the drop marker shows where it lands), moving carries it across
 * columns (holding it at the left or right edge scrolls the columns by one, and near a list's top or
 * bottom scrolls the list), releasing drops it. A finger that moves before the press is long enough is
 * a swipe and scrolls as usual. Pointer events do the tracking; once lifted, the touch moves are
 * cancelled so that the browser does not scroll instead (that listener has to be there before the
 * touch starts, hence on the container, and not passive).
 */
export function touchDrag(options: TouchDragOptions): (container: HTMLElement) => () => void {
  return (container) => {
    const { move } = options;
    let press: { pointerId: number; cardId: string; card: HTMLElement; x: number; y: number; timer: number } | null =
      null;
    let lifted: {
      cardId: string;
      ghost: HTMLElement;
      x: number;
      y: number;
      startX: number;
      startY: number;
      frame: number;
      edgeSince: number;
    } | null = null;
    let swallowClick = false;

    const onPointerDown = (event: PointerEvent) => {
      swallowClick = false;
      if (event.pointerType !== 'touch' || !event.isPrimary || options.readOnly() || move.cardId) return;
      const target = event.target instanceof Element ? event.target : null;
      // Buttons on a card (its vote, its menu) stay buttons.
      if (!target || target.closest('button, input, select, textarea')) return;
      const card = target.closest<HTMLElement>('[data-card-id]');
      if (!card?.dataset.cardId) return;
      const cardId = card.dataset.cardId;
      press = {
        pointerId: event.pointerId,
        cardId,
        card,
        x: event.clientX,
        y: event.clientY,
        timer: window.setTimeout(() => lift(), LONG_PRESS_MS),
      };
      window.addEventListener('pointermove', onPointerMove);
      window.addEventListener('pointerup', onPointerUp);
      window.addEventListener('pointercancel', onPointerCancel);
    };

    function lift() {
      if (!press) return;
      const { card, cardId, x, y } = press;
      const box = card.getBoundingClientRect();
      const ghost = card.cloneNode(true) as HTMLElement;
      ghost.removeAttribute('data-card-id');
      ghost.setAttribute('aria-hidden', 'true');
      ghost.inert = true;
      Object.assign(ghost.style, {
        position: 'fixed',
        left: `${box.left}px`,
        top: `${box.top}px`,
        width: `${box.width}px`,
        margin: '0',
        zIndex: '30',
        pointerEvents: 'none',
        listStyle: 'none',
        transform: 'rotate(2deg)',
        boxShadow: '0 8px 24px rgb(0 0 0 / 22%)',
      });
      document.body.append(ghost);
      const list = card.closest('ol');
      const index = list ? dropIndexIn(list, y, cardId) : 0;
      const columnId = card.closest<HTMLElement>('[data-column-id]')?.dataset.columnId;
      move.start(cardId, false, columnId ? { columnId, index } : null);
      lifted = { cardId, ghost, x, y, startX: x, startY: y, frame: requestAnimationFrame(follow), edgeSince: 0 };
    }

    /** Each frame while lifted: scroll near the edges, and keep the drop target under the finger. */
    function follow(now: number) {
      if (!lifted) return;
      if (move.cardId !== lifted.cardId) {
        // Cancelled meanwhile (Escape), or the card went away.
        end(false);
        return;
      }
      const box = container.getBoundingClientRect();
      const side = lifted.x > box.right - EDGE_PX ? 1 : lifted.x < box.left + EDGE_PX ? -1 : 0;
      if (side === 0) lifted.edgeSince = 0;
      else if (lifted.edgeSince === 0 || now - lifted.edgeSince > EDGE_DWELL_MS) {
        lifted.edgeSince = now;
        container.scrollBy({ left: side * columnStep(), behavior: 'smooth' });
      }
      const list = listAt(lifted.x, lifted.y);
      if (list) {
        const area = list.getBoundingClientRect();
        if (lifted.y > area.bottom - EDGE_PX) list.scrollTop += 8;
        else if (lifted.y < area.top + EDGE_PX) list.scrollTop -= 8;
      }
      const target = targetAt(lifted.x, lifted.y, lifted.cardId);
      if (target && (move.target?.columnId !== target.columnId || move.target.index !== target.index)) {
        move.target = target;
      }
      lifted.frame = requestAnimationFrame(follow);
    }

    /** One column and the gap after it: what a scroll to the next column covers. */
    function columnStep(): number {
      const [first, second] = container.querySelectorAll<HTMLElement>('[data-column-id]');
      if (!first) return container.clientWidth;
      if (!second) return first.offsetWidth;
      return second.getBoundingClientRect().left - first.getBoundingClientRect().left;
    }

    /** The column under the finger: below a short column's last card, that column still. */
    function columnAt(x: number, y: number): HTMLElement | null {
      const hit = document.elementFromPoint(x, y)?.closest<HTMLElement>('[data-column-id]');
      if (hit && container.contains(hit)) return hit;
      return (
        [...container.querySelectorAll<HTMLElement>('[data-column-id]')].find((column) => {
          const box = column.getBoundingClientRect();
          return box.left <= x && x < box.right;
        }) ?? null
      );
    }

    function listAt(x: number, y: number): HTMLElement | null {
      return columnAt(x, y)?.querySelector('ol') ?? null;
    }

    function targetAt(x: number, y: number, cardId: string): DropTarget | null {
      const column = columnAt(x, y);
      if (!column?.dataset.columnId) return null;
      return { columnId: column.dataset.columnId, index: dropIndexIn(column, y, cardId) };
    }

    const onPointerMove = (event: PointerEvent) => {
      if (!press || event.pointerId !== press.pointerId) return;
      if (!lifted) {
        if (Math.hypot(event.clientX - press.x, event.clientY - press.y) > PRESS_SLOP_PX) reset();
        return;
      }
      lifted.x = event.clientX;
      lifted.y = event.clientY;
      lifted.ghost.style.translate = `${lifted.x - lifted.startX}px ${lifted.y - lifted.startY}px`;
    };

    const onPointerUp = (event: PointerEvent) => {
      if (press && event.pointerId === press.pointerId) end(true);
    };

    const onPointerCancel = (event: PointerEvent) => {
      if (press && event.pointerId === press.pointerId) end(false);
    };

    /** Once lifted, the finger carries the card: no scrolling, no text selection, no link menu. */
    const onTouchMove = (event: TouchEvent) => {
      if (lifted && event.cancelable) event.preventDefault();
    };
    /** Nor does the long press open the link's menu or start the browser's own drag and drop. */
    const whilePressed = (event: Event) => {
      if (press) event.preventDefault();
    };
    const onClick = (event: MouseEvent) => {
      // The release of a drag is not a tap on the card.
      if (!swallowClick) return;
      swallowClick = false;
      event.preventDefault();
      event.stopPropagation();
    };

    function end(drop: boolean) {
      if (lifted) {
        const { cardId } = lifted;
        const target = move.cardId === cardId ? move.target : null;
        if (drop && target) {
          // Where the finger is now, in case the columns scrolled since the last frame.
          const last = targetAt(lifted.x, lifted.y, cardId) ?? target;
          options.drop(cardId, last);
        }
        if (move.cardId === cardId) move.clear();
        swallowClick = true;
      }
      reset();
    }

    function reset() {
      if (press) window.clearTimeout(press.timer);
      if (lifted) {
        cancelAnimationFrame(lifted.frame);
        lifted.ghost.remove();
      }
      press = null;
      lifted = null;
      window.removeEventListener('pointermove', onPointerMove);
      window.removeEventListener('pointerup', onPointerUp);
      window.removeEventListener('pointercancel', onPointerCancel);
    }

    container.addEventListener('pointerdown', onPointerDown);
    container.addEventListener('touchmove', onTouchMove, { passive: false });
    container.addEventListener('contextmenu', whilePressed);
    container.addEventListener('dragstart', whilePressed, { capture: true });
    container.addEventListener('click', onClick, { capture: true });
    return () => {
      reset();
      container.removeEventListener('pointerdown', onPointerDown);
      container.removeEventListener('touchmove', onTouchMove);
      container.removeEventListener('contextmenu', whilePressed);
      container.removeEventListener('dragstart', whilePressed, { capture: true });
      container.removeEventListener('click', onClick, { capture: true });
    };
  };
}
