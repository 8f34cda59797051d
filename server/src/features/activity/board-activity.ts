import type * as Y from 'yjs';
import type { FastifyBaseLogger } from 'fastify';
import { readCard, readComment } from '#shared/protocol/board-doc/model.js';
import type { ActivityEntry } from '#shared/schemas/activity.js';
import type { Sql } from '#server/db/sql.js';
import type { BoardRoom } from '#server/sync/board-room.js';
import type { BoardExtension } from '#server/sync/extensions.js';
import { recordActivities, type NewActivity } from './activity.repository.js';

/** Where a board's derived activity goes: the database first, then the board's socket.io room. */
interface ActivitySink {
  /** Inserts the entries in one statement, in order, and returns them as the API shows them. */
  record(entries: NewActivity[]): Promise<ActivityEntry[]>;
  /** Announces one recorded entry as `activity:new` on every node. */
  publish(entry: ActivityEntry): Promise<void>;
}

/** What the watcher remembers of a card, to describe it once it is moved or gone. */
interface KnownCard {
  paperId: string;
  columnId: string;
}

/**
 * Derives a board's activity (cards added, moved to another column or removed; comments added) from
 * the transactions applied to its document, and records it.
 *
 * Only the node where a change arrives knows who made it: updates its own connections send are applied
 * with the connection as transaction origin, and edits a REST route makes for a user (adding a
 * paper from the library) with a `ServerEdit`. Updates from other nodes (origin `REMOTE`) were recorded
 * by the node that received them, and the stored log applied at load has no listener yet, so each
 * change is recorded exactly once across nodes. A viewer's update and one the integrity check refuses
 * are never applied, so they produce nothing. (Deriving from the document rather than from the
 * `board_cards` projection, which is rewritten in debounced batches, keeps the actor and sees a card
 * that is added and moved within one batch.)
 *
 * Deriving runs synchronously inside Yjs' transaction cleanup (it only compares the touched cards with
 * what it knew of them); writing is asynchronous and never delays the broadcast. Entries that arrive
 * while an insert runs are written together by the next one, in order. Failures are logged and lost:
 * the log is a record for people, not a source of truth, and must never break editing.
 */
class BoardActivity {
  /** Every card of the document as last seen, whichever node changed it: a deleted card is unreadable. */
  private readonly known = new Map<string, KnownCard>();
  private pending: NewActivity[] = [];
  private writing: Promise<void> | null = null;

  constructor(
    private readonly board: BoardRoom,
    private readonly sink: ActivitySink,
    private readonly log: FastifyBaseLogger,
  ) {
    const doc = board.doc;
    const cards = doc.getMap<unknown>('cards');
    for (const id of cards.keys()) this.remember(id);
    cards.observeDeep((events, transaction) => this.guard(transaction, () => this.onCards(events, transaction)));
    doc
      .getMap<unknown>('comments')
      .observe((event, transaction) => this.guard(transaction, () => this.onComments(event, transaction)));
  }

  /** Resolves once every entry derived so far is written (or failed); used before shutdown. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  /** The user behind a transaction made on this node: one of its connections, or a REST route. */
  private actorOf(transaction: Y.Transaction): string | null {
    return this.board.actorOf(transaction.origin);
  }

  /** An exception thrown in an observer would surface in `applyUpdate` and close the sender's connection. */
  private guard(transaction: Y.Transaction, derive: () => void): void {
    try {
      derive();
    } catch (error) {
      this.log.error(
        { err: error, boardId: this.board.boardId, userId: this.actorOf(transaction) },
        'activity: deriving board activity failed',
      );
    }
  }

  private remember(id: string): KnownCard | null {
    const card = readCard(this.board.doc, id);
    if (card) this.known.set(id, { paperId: card.paperId, columnId: card.columnId });
    else this.known.delete(id);
    return card;
  }

  private onCards(events: Y.YEvent<Y.AbstractType<unknown>>[], transaction: Y.Transaction): void {
    // Cards whose entry was added, replaced or deleted (path []) or whose fields changed (path [id]).
    const touched = new Set<string>();
    for (const event of events) {
      if (event.path.length === 0) for (const key of event.keys.keys()) touched.add(key);
      else if (typeof event.path[0] === 'string') touched.add(event.path[0]);
    }
    const actorId = this.actorOf(transaction);
    const entries: NewActivity[] = [];
    // Removing a card also removes hidden duplicates of its paper: one removal for people.
    const removedPapers = new Set<string>();
    for (const cardId of touched) {
      const before = this.known.get(cardId) ?? null;
      const after = this.remember(cardId);
      if (!actorId) continue;
      const base = { boardId: this.board.boardId, actorId, cardId };
      if (!before && after) {
        entries.push({ ...base, kind: 'card:added', details: { paperId: after.paperId, columnId: after.columnId } });
      } else if (before && !after) {
        if (removedPapers.has(before.paperId)) continue;
        removedPapers.add(before.paperId);
        entries.push({ ...base, kind: 'card:removed', details: { paperId: before.paperId } });
      } else if (before && after && before.columnId !== after.columnId) {
        // A reorder within the column changes only `order` (or rewrites the same `columnId`): not activity.
        entries.push({
          ...base,
          kind: 'card:moved',
          details: { fromColumnId: before.columnId, toColumnId: after.columnId },
        });
      }
    }
    this.enqueue(entries);
  }

  private onComments(event: Y.YMapEvent<unknown>, transaction: Y.Transaction): void {
    const actorId = this.actorOf(transaction);
    if (!actorId) return;
    const entries: NewActivity[] = [];
    // Only new comments: edits and deletions are not activity, and the body never enters the log
    // (entries travel through NOTIFY, which refuses payloads of 8000 bytes or more).
    for (const [commentId, change] of event.changes.keys) {
      if (change.action !== 'add') continue;
      const comment = readComment(this.board.doc, commentId);
      if (!comment) continue;
      entries.push({
        boardId: this.board.boardId,
        actorId,
        cardId: comment.cardId,
        kind: 'comment:added',
        details: { commentId, replyTo: comment.replyTo ?? null },
      });
    }
    this.enqueue(entries);
  }

  private enqueue(entries: NewActivity[]): void {
    if (entries.length === 0) return;
    this.pending.push(...entries);
    this.writing ??= this.drain();
  }

  private async drain(): Promise<void> {
    // Off the transaction: Yjs broadcasts the update right after its observers ran.
    await Promise.resolve();
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      let recorded: ActivityEntry[];
      try {
        recorded = await this.sink.record(batch);
      } catch (error) {
        // A batch may hold the changes of several members.
        const userIds = [...new Set(batch.map((entry) => entry.actorId))];
        this.log.error(
          { err: error, boardId: this.board.boardId, userIds, entries: batch.length },
          'activity: recording board activity failed',
        );
        continue;
      }
      for (const entry of recorded) {
        try {
          await this.sink.publish(entry);
        } catch (error) {
          this.log.warn(
            { err: error, boardId: this.board.boardId, userId: entry.actorId, kind: entry.kind },
            'activity: publishing activity:new failed',
          );
        }
      }
    }
    // No await between the emptiness check above and this line, so nothing enqueued can be missed.
    this.writing = null;
  }
}

/**
 * Records what members change on the boards of this node in the `activity` table and announces each
 * entry (`publish`, `activity:new` on every node): one `BoardActivity` per loaded room.
 */
export function activityLog(
  sql: Sql,
  publish: (entry: ActivityEntry) => Promise<void>,
  log: FastifyBaseLogger,
): BoardExtension {
  const rooms = new Map<BoardRoom, BoardActivity>();
  const sink: ActivitySink = { record: (entries) => recordActivities(sql, entries), publish };
  return {
    name: 'activity',
    onLoad: (room) => void rooms.set(room, new BoardActivity(room, sink, log)),
    // Never rejects: its failures are logged where they happen.
    beforeUnload: async (room) => rooms.get(room)?.flush(),
    onDestroy: (room) => void rooms.delete(room),
  };
}
