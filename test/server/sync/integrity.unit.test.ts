import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  addCard,
  addColumn,
  addComment,
  deleteComment,
  editComment,
  initBoardDoc,
  moveCard,
  removeCard,
  renameColumn,
} from '#shared/protocol/board-doc/edits.js';
import { boardView } from '#shared/protocol/board-doc/view.js';
import { checkUpdate, isUnguarded, replicaOf, type Sender } from '#server/sync/integrity.js';

const ALICE: Sender = { userId: 'alice', canModerate: true };
const BOB: Sender = { userId: 'bob', canModerate: false };

/** The update a change to `doc` produces (one transaction). */
function updateOf(doc: Y.Doc, change: (doc: Y.Doc) => void): Uint8Array {
  let update: Uint8Array | null = null;
  const listener = (u: Uint8Array) => (update = u);
  doc.on('update', listener);
  try {
    doc.transact(() => change(doc));
  } finally {
    doc.off('update', listener);
  }
  if (!update) throw new Error('the change made no update');
  return update;
}

/** A server document with a card and a comment by Alice, and Bob's replica of it. */
function board() {
  const live = new Y.Doc();
  initBoardDoc(live);
  const columns = boardView(live).columns.map((column) => column.id);
  const card = addCard(live, { paperId: 'paper-1', columnId: columns[0], addedBy: 'alice' });
  const comment = addComment(live, { cardId: card, authorId: 'alice', body: 'Mine' });
  return { live, replica: replicaOf(live), columns, card, comment };
}

const entryOf = (doc: Y.Doc, map: string, key: string) => doc.getMap(map).get(key) as Y.Map<unknown>;

describe("a card's attribution", () => {
  it('cannot be cleared and then claimed, in one update or in two', () => {
    const { live, card } = board();
    const cleared = updateOf(replicaOf(live), (doc) => entryOf(doc, 'cards', card).delete('addedBy'));
    expect(isUnguarded(live, cleared)).toBe(false);
    expect(checkUpdate(live, replicaOf(live), cleared, BOB)).toMatchObject({ kind: 'refused' });
    const swapped = updateOf(replicaOf(live), (doc) => {
      entryOf(doc, 'cards', card).delete('addedBy');
      entryOf(doc, 'cards', card).set('addedBy', 'bob');
    });
    expect(checkUpdate(live, replicaOf(live), swapped, BOB)).toMatchObject({ kind: 'refused' });
    // Had a card lost its addedBy (a document written before this rule), nobody may claim it now.
    const stripped = new Y.Doc();
    Y.applyUpdate(stripped, Y.encodeStateAsUpdate(live));
    entryOf(stripped, 'cards', card).delete('addedBy');
    const claim = updateOf(replicaOf(stripped), (doc) => entryOf(doc, 'cards', card).set('addedBy', 'bob'));
    expect(checkUpdate(stripped, replicaOf(stripped), claim, BOB)).toMatchObject({ kind: 'refused' });
    expect(boardView(live).columns[0].cards[0].addedBy).toBe('alice');
  });

  it('is written with a new card, as its sender', () => {
    const { live, columns } = board();
    const own = updateOf(replicaOf(live), (doc) =>
      addCard(doc, { paperId: 'p2', columnId: columns[0], addedBy: 'bob' }),
    );
    expect(checkUpdate(live, replicaOf(live), own, BOB)).toEqual({ kind: 'ok' });
    const forged = updateOf(replicaOf(live), (doc) =>
      addCard(doc, { paperId: 'p3', columnId: columns[0], addedBy: 'alice' }),
    );
    expect(checkUpdate(live, replicaOf(live), forged, BOB)).toMatchObject({ kind: 'refused' });
  });
});

describe('isUnguarded', () => {
  it('lets card moves, column edits, card removal and other maps skip the full check', () => {
    const { live, replica, columns, card } = board();
    const unguarded = [
      updateOf(replica, (doc) => moveCard(doc, card, { columnId: columns[1] })),
      updateOf(replica, (doc) => renameColumn(doc, columns[2], 'Picked')),
      updateOf(replica, (doc) => addColumn(doc, 'Later')),
      updateOf(replica, (doc) => doc.getMap('bench').set('k', { seq: 1 })),
      updateOf(replica, (doc) => entryOf(doc, 'cards', card).set('note', 'fine')),
      updateOf(replica, (doc) => removeCard(doc, card)),
    ];
    for (const update of unguarded) {
      expect(isUnguarded(live, update)).toBe(true);
      expect(checkUpdate(live, replicaOf(live), update, BOB)).toEqual({ kind: 'ok' });
      Y.applyUpdate(live, update);
    }
  });

  it('sends anything touching comments, card entries or addedBy to the full check', () => {
    const { live, columns, card, comment } = board();
    const guarded: [string, (doc: Y.Doc) => void][] = [
      ['a new card', (doc) => addCard(doc, { paperId: 'paper-2', columnId: columns[0], addedBy: 'bob' })],
      ['a new comment', (doc) => addComment(doc, { cardId: card, authorId: 'bob', body: 'Hi' })],
      ["an edit of Alice's comment", (doc) => editComment(doc, comment, 'Rewritten')],
      ["a soft delete of Alice's comment", (doc) => deleteComment(doc, comment)],
      ["removing Alice's comment", (doc) => doc.getMap('comments').delete(comment)],
      ['a forged addedBy', (doc) => entryOf(doc, 'cards', card).set('addedBy', 'bob')],
      ["clearing a card's addedBy", (doc) => entryOf(doc, 'cards', card).delete('addedBy')],
      ['a replaced card entry', (doc) => doc.getMap('cards').set(card, new Y.Map())],
      ['a field nested in a card field', (doc) => entryOf(doc, 'cards', card).set('extra', new Y.Map([['x', 1]]))],
      [
        'an allowed change mixed with a forged one',
        (doc) => {
          doc.getMap('bench').set('k', 1);
          entryOf(doc, 'comments', comment).set('body', 'Mixed in');
        },
      ],
    ];
    for (const [what, change] of guarded) {
      const update = updateOf(replicaOf(live), change);
      expect(isUnguarded(live, update), what).toBe(false);
    }
  });

  it('sends updates with missing dependencies, garbage-collected structs and garbage to the full check', () => {
    const { live, replica, columns, card } = board();
    // Bob moves twice; the server only gets the second move, whose origin it lacks.
    updateOf(replica, (doc) => moveCard(doc, card, { columnId: columns[1] }));
    const second = updateOf(replica, (doc) => moveCard(doc, card, { columnId: columns[2] }));
    expect(isUnguarded(live, second)).toBe(false);
    expect(checkUpdate(live, replicaOf(live), second, BOB)).toEqual({ kind: 'incomplete' });
    // A whole document with deleted content carries GC structs.
    expect(isUnguarded(new Y.Doc(), Y.encodeStateAsUpdate(replica))).toBe(false);
    expect(isUnguarded(live, new Uint8Array([1, 2, 3, 250, 250]))).toBe(false);
  });

  it('never lets through an update the full check would refuse (random honest and forged edits)', () => {
    const op = fc.record({
      actor: fc.constantFrom(ALICE, BOB),
      synced: fc.boolean(),
      kinds: fc.array(
        fc.constantFrom(
          'move',
          'rename',
          'bench',
          'note',
          'nest',
          'nested-write',
          'add-card',
          'remove-card',
          'comment',
          'edit-comment',
          'soft-delete',
          'remove-comment',
          'forge-author',
          'forge-added-by',
          'replace-card',
          'replace-comment',
        ),
        { minLength: 1, maxLength: 3 },
      ),
      pick: fc.nat(),
    });
    let fast = 0;
    let refused = 0;
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 25 }), (ops) => {
        const { live } = board();
        let shadow = replicaOf(live);
        const replicas = new Map([
          [ALICE.userId, replicaOf(live)],
          [BOB.userId, replicaOf(live)],
        ]);
        for (const { actor, synced, kinds, pick } of ops) {
          let doc = replicas.get(actor.userId)!;
          if (synced) Y.applyUpdate(doc, Y.encodeStateAsUpdate(live, Y.encodeStateVector(doc)));
          const cards = [...doc.getMap('cards').keys()];
          const comments = [...doc.getMap('comments').keys()];
          const columns = boardView(doc).columns.map((column) => column.id);
          const card = cards[pick % Math.max(cards.length, 1)];
          const comment = comments[pick % Math.max(comments.length, 1)];
          const other = actor === ALICE ? BOB.userId : ALICE.userId;
          let update: Uint8Array;
          try {
            update = updateOf(doc, () => {
              for (const kind of kinds)
                applyKind(doc, kind, { card, comment, columns, actor: actor.userId, other, pick });
            });
          } catch {
            continue; // a helper refused (e.g. nothing to move); nothing was sent
          }
          const unguarded = isUnguarded(live, update);
          const verdict = checkUpdate(live, shadow, update, actor);
          if (unguarded) {
            fast++;
            expect(verdict).toEqual({ kind: 'ok' });
          }
          if (verdict.kind === 'ok') Y.applyUpdate(live, update);
          else {
            if (verdict.kind === 'refused') refused++;
            // As the server does: rebuild the shadow, and the offender reconnects from the server's copy.
            shadow = replicaOf(live);
            doc = replicaOf(live);
            replicas.set(actor.userId, doc);
          }
        }
      }),
      { numRuns: 200 },
    );
    // The property is not vacuous: both paths were taken.
    expect(fast).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(20);
  });
});

interface Targets {
  card: string | undefined;
  comment: string | undefined;
  columns: string[];
  actor: string;
  other: string;
  pick: number;
}

/** One honest or forged change, written through the helpers or straight into the maps. */
function applyKind(doc: Y.Doc, kind: string, { card, comment, columns, actor, other, pick }: Targets): void {
  const cardEntry = card ? (doc.getMap('cards').get(card) as Y.Map<unknown> | undefined) : undefined;
  const commentEntry = comment ? (doc.getMap('comments').get(comment) as Y.Map<unknown> | undefined) : undefined;
  const column = columns[pick % columns.length];
  switch (kind) {
    case 'move':
      if (card) moveCard(doc, card, { columnId: column });
      return;
    case 'rename':
      renameColumn(doc, column, `Column ${pick}`);
      return;
    case 'bench':
      doc.getMap('bench').set(`k${pick % 5}`, pick);
      return;
    case 'note':
      cardEntry?.set('note', `n${pick}`);
      return;
    case 'nest':
      cardEntry?.set('extra', new Y.Map());
      return;
    case 'nested-write': {
      const nested = cardEntry?.get('extra');
      if (nested instanceof Y.Map) nested.set('addedBy', other);
      return;
    }
    case 'add-card':
      addCard(doc, { paperId: `paper-${pick}`, columnId: column, addedBy: pick % 3 === 0 ? other : actor });
      return;
    case 'remove-card':
      if (card) removeCard(doc, card);
      return;
    case 'comment':
      if (card) addComment(doc, { cardId: card, authorId: pick % 3 === 0 ? other : actor, body: 'Hello' });
      return;
    case 'edit-comment':
      if (comment) editComment(doc, comment, `Edited ${pick}`);
      return;
    case 'soft-delete':
      if (comment) deleteComment(doc, comment);
      return;
    case 'remove-comment':
      if (comment) doc.getMap('comments').delete(comment);
      return;
    case 'forge-author':
      commentEntry?.set('authorId', pick % 2 === 0 ? other : actor);
      return;
    case 'forge-added-by':
      cardEntry?.set('addedBy', pick % 2 === 0 ? other : actor);
      return;
    case 'replace-card':
      if (card) doc.getMap('cards').set(card, new Y.Map<unknown>([['addedBy', other]]));
      return;
    case 'replace-comment':
      if (comment) doc.getMap('comments').set(comment, new Y.Map<unknown>([['authorId', actor]]));
      return;
  }
}
