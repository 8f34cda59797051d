import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import * as Y from 'yjs';
import {
  addCard,
  addColumn,
  addComment,
  deleteColumn,
  deleteComment,
  editComment,
  initBoardDoc,
  moveCard,
  moveColumn,
  removeCard,
  renameColumn,
} from '#shared/protocol/board-doc/edits.js';
import { BoardDocError, FALLBACK_COLUMN_ID } from '#shared/protocol/board-doc/model.js';
import type { CardPosition } from '#shared/protocol/board-doc/ordering.js';
import { boardView, type BoardView } from '#shared/protocol/board-doc/view.js';

const REPLICAS = 3;
const PAPERS = Array.from({ length: 10 }, (_, i) => `paper-${i}`);
/** Relative frequencies, so that boards fill up with cards and comments that the other kinds act on. */
const OP_WEIGHTS = {
  addCard: 5,
  moveCard: 4,
  reorderCard: 2,
  removeCard: 1,
  addColumn: 1,
  renameColumn: 1,
  moveColumn: 1,
  deleteColumn: 2,
  addComment: 4,
  editComment: 2,
  deleteComment: 2,
} as const;

type OpKind = keyof typeof OP_WEIGHTS;

/** Picks are resolved against the ids that exist on the replica when the operation runs. */
interface OpStep {
  type: 'op';
  replica: number;
  kind: OpKind;
  a: number;
  b: number;
  c: number;
  /** A small clock range, so that equal timestamps (and their id tie-break) are common. */
  now: number;
}

/** Takes pending updates from one replica to another in the order `picks` chooses; some are dropped. */
interface DeliverStep {
  type: 'deliver';
  from: number;
  to: number;
  picks: number[];
}

type Step = OpStep | DeliverStep;

const replica = fc.integer({ min: 0, max: REPLICAS - 1 });
// Unbiased, since fast-check's bias towards 0 would make most picks choose the first id.
const choice = fc.noBias(fc.nat({ max: 1 << 20 }));
const opStep: fc.Arbitrary<Step> = fc.record({
  type: fc.constant('op' as const),
  replica,
  kind: fc.oneof(
    ...Object.entries(OP_WEIGHTS).map(([kind, weight]) => ({ arbitrary: fc.constant(kind as OpKind), weight })),
  ),
  a: choice,
  b: choice,
  c: choice,
  now: fc.integer({ min: 0, max: 20 }),
});
const deliverStep: fc.Arbitrary<Step> = fc
  .record({ from: replica, skip: fc.integer({ min: 1, max: REPLICAS - 1 }), picks: fc.array(choice, { maxLength: 6 }) })
  .map(({ from, skip, picks }) => ({ type: 'deliver' as const, from, to: (from + skip) % REPLICAS, picks }));
const scenario = fc.record({
  // Boards with few columns make concurrent deletes of the last columns likely.
  columns: fc.noBias(fc.integer({ min: 1, max: 4 })),
  cards: fc.noBias(fc.integer({ min: 0, max: 4 })),
  // size 'max' because fast-check otherwise keeps arrays to about ten items.
  steps: fc.array(fc.oneof({ arbitrary: opStep, weight: 3 }, { arbitrary: deliverStep, weight: 1 }), {
    minLength: 10,
    maxLength: 60,
    size: 'max',
  }),
});

const pick = <T>(items: readonly T[], n: number): T | undefined => (items.length ? items[n % items.length] : undefined);

function runOp(doc: Y.Doc, step: OpStep) {
  const view = boardView(doc);
  const columns = view.columns;
  const column = (n: number) => pick(columns, n)?.id ?? 'none';
  const cards = columns.flatMap((col) => col.cards.map((card) => ({ ...card, columnId: col.id })));
  const card = (n: number) => pick(cards, n);
  const comments = Object.values(view.comments).flat();
  const comment = (n: number) => pick(comments, n)?.id ?? 'none';
  const { a, b, c, now } = step;

  switch (step.kind) {
    case 'addCard': {
      const columnId = column(b);
      const inColumn = columns.find((col) => col.id === columnId)?.cards ?? [];
      const anchor = pick(inColumn, c >> 2)?.id ?? 'none';
      const positions: CardPosition[] = ['top', 'bottom', { before: anchor }, { after: anchor }];
      addCard(doc, { paperId: PAPERS[a % PAPERS.length], columnId, addedBy: 'user', position: positions[c % 4], now });
      return;
    }
    case 'moveCard':
    case 'reorderCard': {
      const moving = card(a);
      if (!moving) return;
      const columnId = step.kind === 'reorderCard' ? moving.columnId : column(b);
      const inColumn = columns.find((col) => col.id === columnId)?.cards ?? [];
      const anchor = pick(inColumn, c >> 2)?.id ?? 'none';
      const target = [{ index: (c >> 2) % (inColumn.length + 1) }, { before: anchor }, { after: anchor }][c % 3];
      moveCard(doc, moving.id, { columnId, ...target });
      return;
    }
    case 'removeCard': {
      const removing = card(a);
      if (removing) removeCard(doc, removing.id);
      return;
    }
    case 'addColumn':
      addColumn(doc, `Column ${a % 100}`, c % 2 ? { after: column(b) } : {});
      return;
    case 'renameColumn':
      renameColumn(doc, column(a), `Title ${b % 50}`);
      return;
    case 'moveColumn': {
      const target = [{ before: column(b) }, { after: column(b) }, { index: b % (columns.length + 1) }][c % 3];
      moveColumn(doc, column(a), target);
      return;
    }
    case 'deleteColumn':
      deleteColumn(doc, column(a), c % 2 ? { moveCardsTo: column(b) } : {});
      return;
    case 'addComment': {
      const on = card(a);
      if (!on) return;
      const thread = view.comments[on.id] ?? [];
      const replyTo = c % 2 ? pick(thread, b)?.id : undefined;
      addComment(doc, { cardId: on.id, authorId: 'user', body: `comment ${b % 10}`, replyTo, now });
      return;
    }
    case 'editComment':
      editComment(doc, comment(a), `edited ${b % 10}`, now);
      return;
    case 'deleteComment':
      deleteComment(doc, comment(a));
      return;
  }
}

/** JSON with object keys sorted: Y.Map keeps keys in arrival order, which differs between replicas. */
function canonical(value: unknown): string {
  const sortKeys = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(sortKeys);
    if (node === null || typeof node !== 'object') return node;
    const record = node as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(record)
        .sort()
        .map((key) => [key, sortKeys(record[key])]),
    );
  };
  return JSON.stringify(sortKeys(value));
}

const content = (doc: Y.Doc) =>
  canonical({
    columns: doc.getMap('columns').toJSON(),
    cards: doc.getMap('cards').toJSON(),
    comments: doc.getMap('comments').toJSON(),
  });

const compareStrings = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
const strictlyIncreasing = (items: { order: string; id: string }[]) =>
  items.every((item, i) => {
    if (i === 0) return true;
    const previous = items[i - 1];
    return (compareStrings(previous.order, item.order) || compareStrings(previous.id, item.id)) < 0;
  });

interface StoredCard {
  paperId: string;
  columnId: string;
  addedAt: number;
}

/** Checks the view against the contract, recomputing what it should show from the raw document. */
function checkInvariants(doc: Y.Doc, view: BoardView) {
  const storedColumns = doc.getMap('columns').toJSON() as Record<string, unknown>;
  const storedCards = doc.getMap('cards').toJSON() as Record<string, StoredCard>;

  const earliestByPaper = new Map<string, string>();
  for (const [id, card] of Object.entries(storedCards)) {
    const current = earliestByPaper.get(card.paperId);
    const held = current === undefined ? undefined : storedCards[current];
    if (!held || card.addedAt < held.addedAt || (card.addedAt === held.addedAt && id < current!)) {
      earliestByPaper.set(card.paperId, id);
    }
  }
  const expectedShown = [...earliestByPaper.values()].sort();

  const viewColumnIds = view.columns.map((column) => column.id);
  const storedColumnIds = Object.keys(storedColumns);
  if (storedColumnIds.length > 0) {
    expect([...viewColumnIds].sort()).toEqual([...storedColumnIds].sort());
  } else {
    expect(viewColumnIds).toEqual(expectedShown.length > 0 ? [FALLBACK_COLUMN_ID] : []);
  }
  expect(strictlyIncreasing(view.columns)).toBe(true);

  const shown = view.columns.flatMap((column) => column.cards.map((card) => ({ card, columnId: column.id })));
  expect(shown.map(({ card }) => card.id).sort()).toEqual(expectedShown);
  const papers = shown.map(({ card }) => card.paperId);
  expect(new Set(papers).size).toBe(papers.length);
  for (const { card, columnId } of shown) {
    const stored = storedCards[card.id];
    const expectedColumn = viewColumnIds.includes(stored.columnId) ? stored.columnId : viewColumnIds[0];
    expect(columnId).toBe(expectedColumn);
  }
  for (const column of view.columns) expect(strictlyIncreasing(column.cards)).toBe(true);

  expect(Object.keys(view.comments).sort()).toEqual(expectedShown);
  for (const [cardId, thread] of Object.entries(view.comments)) {
    const paperId = storedCards[cardId].paperId;
    const seen = new Set<string>();
    let parent: string | null = null;
    for (const comment of thread) {
      expect(seen.has(comment.id)).toBe(false);
      seen.add(comment.id);
      expect(storedCards[comment.cardId]?.paperId).toBe(paperId);
      if (comment.replyTo === null) parent = comment.id;
      else expect(comment.replyTo).toBe(parent);
    }
  }
}

describe('board document convergence', () => {
  let nextId = 0;
  beforeEach(() => {
    // Deterministic ids make a failing case replay exactly; ids also break ties in the view.
    vi.spyOn(globalThis.crypto, 'randomUUID').mockImplementation(() => {
      const suffix = (nextId++).toString(16).padStart(12, '0');
      return `00000000-0000-4000-8000-${suffix}`;
    });
  });
  afterEach(() => vi.restoreAllMocks());

  it('three replicas exchanging updates in random order with drops converge on a valid board', () => {
    fc.assert(
      fc.property(scenario, ({ columns, cards, steps }) => {
        nextId = 0;
        const docs = Array.from({ length: REPLICAS }, (_, i) => {
          const doc = new Y.Doc();
          doc.clientID = i + 1;
          return doc;
        });
        initBoardDoc(docs[0]);
        for (const column of boardView(docs[0]).columns.slice(columns)) deleteColumn(docs[0], column.id);
        const firstColumn = boardView(docs[0]).columns[0].id;
        for (const paperId of PAPERS.slice(0, cards))
          addCard(docs[0], { paperId, columnId: firstColumn, addedBy: 'user' });
        const initial = Y.encodeStateAsUpdate(docs[0]);
        for (const doc of docs.slice(1)) Y.applyUpdate(doc, initial, 'remote');

        // pending[from][to]: updates made on `from` that `to` has not received yet.
        const pending = docs.map(() => docs.map((): Uint8Array[] => []));
        docs.forEach((doc, from) =>
          doc.on('update', (update: Uint8Array, origin: unknown) => {
            if (origin === 'remote') return;
            docs.forEach((_, to) => to !== from && pending[from][to].push(update));
          }),
        );

        for (const step of steps) {
          if (step.type === 'op') {
            try {
              runOp(docs[step.replica], step);
            } catch (error) {
              if (!(error instanceof BoardDocError)) throw error;
            }
            continue;
          }
          const queue = pending[step.from][step.to];
          for (const choice of step.picks) {
            if (queue.length === 0) break;
            const [update] = queue.splice(choice % queue.length, 1);
            if (choice % 5 !== 0) Y.applyUpdate(docs[step.to], update, 'remote');
          }
        }

        for (let pass = 0; pass < 2; pass++) {
          for (const source of docs) {
            for (const target of docs) {
              if (source === target) continue;
              Y.applyUpdate(target, Y.encodeStateAsUpdate(source, Y.encodeStateVector(target)), 'remote');
            }
          }
        }

        const vectors = docs.map((doc) => Buffer.from(Y.encodeStateVector(doc)).toString('hex'));
        expect(new Set(vectors).size).toBe(1);
        const contents = docs.map(content);
        expect(contents[1]).toBe(contents[0]);
        expect(contents[2]).toBe(contents[0]);
        const views = docs.map((doc) => JSON.stringify(boardView(doc)));
        expect(views[1]).toBe(views[0]);
        expect(views[2]).toBe(views[0]);
        checkInvariants(docs[0], boardView(docs[0]));
        for (const doc of docs) doc.destroy();
      }),
      { numRuns: 200 },
    );
  });
});
