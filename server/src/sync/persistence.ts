import type { FastifyBaseLogger } from 'fastify';
import type { Sql } from '#server/db/sql.js';
import { appendBoardUpdates, compactBoardUpdates, type RowRange } from './board-updates.repository.js';
import type { UpdateMerger } from './merger.js';
import type { SyncMetrics } from './metrics.js';
import type { SyncSettings } from './settings.js';

interface Queued {
  update: Uint8Array;
  receivedAt: number;
  /** The update's number in its room's stream of local updates (see BoardRoom.stream); none for others. */
  seq?: number;
}

/** The stream numbers of a written batch, when every update in it has one and they follow each other. */
export interface SeqSpan {
  first: number;
  last: number;
}

function seqSpan(batch: Queued[]): SeqSpan | undefined {
  const first = batch[0]?.seq;
  if (first === undefined) return undefined;
  for (let i = 1; i < batch.length; i++) if (batch[i].seq !== first + i) return undefined;
  return { first, last: first + batch.length - 1 };
}

const RETRY_MS = 1000;

/**
 * Whether the database refused a board's rows because the board is gone (deleted, by its owner or on
 * another node): `board_updates.board_id` references `boards`, its only foreign key. Retrying could
 * never succeed, and a failing board makes every tick it joins fall back to one insert per board.
 */
function boardIsGone(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23503';
}

/**
 * A board's next compaction point: a random number of rows between half the threshold and the
 * threshold. Boards that got busy together (every board after a restart, say) would otherwise reach
 * the threshold together and compact at the same moment, a burst of merges that stalls the event loop
 * for everyone; spread out, each is a short task.
 */
function compactionPoint(threshold: number): number {
  return Math.ceil(threshold * (0.5 + Math.random() / 2));
}

/**
 * The group commit of every board loaded on this node: `groupCommitMs` after an update is queued, one
 * multi-row insert appends what all boards queued meanwhile, so a busy node runs one statement per tick
 * instead of one per busy board. Writes run one at a time, so each board's rows keep their order. When
 * the shared insert fails, every board is written on its own, so that one board's failure (deleted
 * meanwhile, say) holds back no other; a board whose write failed keeps its updates and retries, unless
 * the board no longer exists: its updates are then dropped and its log told so (see `UpdateLog.onGone`).
 */
export class UpdateWriter {
  private readonly due = new Set<UpdateLog>();
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<Map<UpdateLog, unknown>> = Promise.resolve(new Map());

  constructor(
    private readonly sql: Sql,
    private readonly settings: SyncSettings,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** Writes `log`'s queue with the next tick, within `groupCommitMs`. */
  schedule(log: UpdateLog): void {
    this.due.add(log);
    this.timer ??= setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, this.settings.groupCommitMs);
  }

  /** Leaves `log` out of the coming writes (its board is unloading). */
  forget(log: UpdateLog): void {
    this.due.delete(log);
  }

  /**
   * Writes every due queue now, after any write in progress; resolves with the logs whose write failed
   * and why (they keep their updates and retry).
   */
  flush(): Promise<Map<UpdateLog, unknown>> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const run = this.chain.then(
      () => this.write(),
      () => this.write(),
    );
    this.chain = run;
    return run;
  }

  private async write(): Promise<Map<UpdateLog, unknown>> {
    const batches = [...this.due].map((log) => ({ log, queued: log.take() })).filter((b) => b.queued.length > 0);
    this.due.clear();
    const failed = new Map<UpdateLog, unknown>();
    const insert = (group: typeof batches) =>
      appendBoardUpdates(
        this.sql,
        group.map(({ log, queued }) => ({
          key: log.key,
          boardId: log.boardId,
          doc: log.doc,
          updates: queued.map((q) => q.update),
        })),
      );
    let ranges = new Map<string, RowRange>();
    try {
      ranges = await insert(batches);
    } catch (error) {
      if (batches.length === 1) failed.set(batches[0].log, error);
      else {
        for (const batch of batches) {
          try {
            for (const [key, range] of await insert([batch])) ranges.set(key, range);
          } catch (alone) {
            failed.set(batch.log, alone);
          }
        }
      }
    }
    for (const { log, queued } of batches) {
      if (failed.has(log) && boardIsGone(failed.get(log))) {
        failed.delete(log);
        this.log.warn(
          { boardId: log.boardId, doc: log.doc, dropped: queued.length },
          'sync: the board no longer exists; its unwritten updates are dropped',
        );
        log.gone();
      } else if (failed.has(log)) {
        this.log.error(
          { err: failed.get(log), boardId: log.boardId, doc: log.doc },
          'sync: writing board updates failed; retrying',
        );
        log.restore(queued, RETRY_MS);
      } else {
        const range = ranges.get(log.key);
        if (range) log.written(queued, range);
      }
    }
    return failed;
  }
}

/**
 * The durable log of one document (a board's, or a card's note): updates are queued as they are applied
 * and written by the node's {@link UpdateWriter}; once the log passes `compactThreshold` rows it is
 * compacted. What follows a write of this document (announcing it, compacting) runs one at a time, in order.
 */
export class UpdateLog {
  /** Rows in the database for this board, as far as this node knows. */
  rows: number;
  /**
   * Runs after rows were written (appended, or merged by compaction): refreshes the projection and
   * tells the other nodes which rows to read. `appended` is false after a compaction.
   */
  onWritten: (range: RowRange, appended: boolean, span?: SeqSpan) => Promise<void> = async () => {};
  /** Runs once the database refused this board's rows because the board was deleted. */
  onGone: () => void = () => {};
  private queue: Queued[] = [];
  private afterWrites: Promise<void> = Promise.resolve();
  private retryTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** Rows past which this board compacts next (see {@link compactionPoint}). */
  private compactAt: number;

  constructor(
    private readonly writer: UpdateWriter,
    private readonly merger: UpdateMerger,
    private readonly sql: Sql,
    /** The room key: the board id for a board's document, `<boardId>/<doc>` for a note. */
    readonly key: string,
    readonly boardId: string,
    /** The document's name within the board (`board_updates.doc`): '' or `notes/<cardId>`. */
    readonly doc: string,
    private readonly settings: SyncSettings,
    private readonly metrics: SyncMetrics,
    private readonly log: FastifyBaseLogger,
    initialRows: number,
  ) {
    this.rows = initialRows;
    this.compactAt = compactionPoint(settings.compactThreshold);
  }

  /** Whether updates are waiting to be written. */
  get pending(): boolean {
    return this.queue.length > 0;
  }

  /** Queues an applied update (with its stream number, if local); it is written within `groupCommitMs`. */
  append(update: Uint8Array, seq?: number): void {
    this.queue.push({ update, receivedAt: performance.now(), seq });
    if (!this.retryTimer) this.writer.schedule(this);
  }

  /** Writes everything queued so far (and compacts if due); rejects if the database refused. */
  async flush(): Promise<void> {
    if (this.queue.length > 0) this.writer.schedule(this);
    const failed = await this.writer.flush();
    if (failed.has(this)) throw failed.get(this);
    await this.afterWrites;
  }

  /** Stops retrying; queued updates stay queued. */
  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.writer.forget(this);
  }

  /** The board was deleted: nothing more is written or retried, and the owner of the log is told. */
  gone(): void {
    this.queue = [];
    this.stop();
    this.onGone();
  }

  /** Hands the queue to the writer. */
  take(): Queued[] {
    return this.queue.splice(0);
  }

  /** Takes back a batch the writer could not write, ahead of what was queued since; retries later. */
  restore(batch: Queued[], retryMs: number): void {
    this.queue.unshift(...batch);
    if (this.stopped || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.stopped && this.queue.length > 0) this.writer.schedule(this);
    }, retryMs);
  }

  /** Records a batch the writer stored as `range`, then announces it and compacts if due. */
  written(batch: Queued[], range: RowRange): void {
    const now = performance.now();
    for (const item of batch) this.metrics.persistLag.observe((now - item.receivedAt) / 1000);
    this.rows += batch.length;
    // Halfway to its compaction point, a board starts the merge thread (if it is not up yet), so that
    // the thread's start-up is done before the compaction needs it (it merges a hundred updates or more).
    if (this.rows >= this.compactAt / 2) this.merger.warmUp();
    const span = seqSpan(batch);
    this.afterWrites = this.afterWrites.then(() => this.afterWrite(range, span));
  }

  private async afterWrite(range: RowRange, span: SeqSpan | undefined): Promise<void> {
    await this.announce(range, true, span);
    if (this.rows <= this.compactAt) return;
    try {
      const compacted = await compactBoardUpdates(this.sql, this.boardId, this.doc, this.key, (updates) =>
        this.merger.merge(updates),
      );
      this.rows = compacted.rows;
      this.compactAt = compactionPoint(this.settings.compactThreshold);
      this.metrics.compactions.inc();
      // Nodes that had not read the merged rows yet read the merged one instead.
      if (compacted.mergedId) await this.announce({ from: compacted.mergedId, to: compacted.mergedId }, false);
    } catch (error) {
      // The log is intact; the next write tries again.
      this.log.warn({ err: error, boardId: this.boardId, doc: this.doc }, 'sync: compaction failed');
    }
  }

  private async announce(range: RowRange, appended: boolean, span?: SeqSpan): Promise<void> {
    try {
      await this.onWritten(range, appended, span);
    } catch (error) {
      // The updates are safe; the projection and other nodes catch up with the next write.
      this.log.warn({ err: error, boardId: this.boardId, doc: this.doc }, 'sync: after-write hook failed');
    }
  }
}
