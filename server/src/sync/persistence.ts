import type { FastifyBaseLogger } from 'fastify';
import type { Sql } from '../db/connect.js';
import { appendBoardUpdates, compactBoardUpdates, type RowRange } from './board-updates.repository.js';
import type { SyncMetrics } from './metrics.js';
import type { SyncSettings } from './settings.js';

interface Queued {
  update: Uint8Array;
  receivedAt: number;
}

const RETRY_MS = 1000;

/**
 * The durable log of one board: updates are queued as they are applied and group-committed, one
 * multi-row insert per tick (`groupCommitMs`); once the log passes `compactThreshold` rows it is
 * compacted. Flushes and compactions of a board run one at a time, in order.
 */
export class UpdateLog {
  /** Rows in the database for this board, as far as this node knows. */
  rows: number;
  /**
   * Runs after rows were written (appended, or merged by compaction): refreshes the projection and
   * tells the other nodes which rows to read. `appended` is false after a compaction.
   */
  onWritten: (range: RowRange, appended: boolean) => Promise<void> = async () => {};
  private queue: Queued[] = [];
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly sql: Sql,
    private readonly boardId: string,
    private readonly settings: SyncSettings,
    private readonly metrics: SyncMetrics,
    private readonly log: FastifyBaseLogger,
    initialRows: number,
  ) {
    this.rows = initialRows;
  }

  /** Whether updates are waiting to be written. */
  get pending(): boolean {
    return this.queue.length > 0;
  }

  /** Queues an applied update; it is written within `groupCommitMs`. */
  append(update: Uint8Array): void {
    this.queue.push({ update, receivedAt: performance.now() });
    this.schedule(this.settings.groupCommitMs);
  }

  /** Writes everything queued so far (and compacts if due); rejects if the database refused. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const run = this.chain.then(() => this.write());
    this.chain = run.catch(() => {});
    return run;
  }

  /** Stops the retry timer; queued updates stay queued. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(delayMs: number): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush().catch((error: unknown) => {
        this.log.error({ err: error, boardId: this.boardId }, 'sync: writing board updates failed; retrying');
        this.schedule(RETRY_MS);
      });
    }, delayMs);
  }

  private async write(): Promise<void> {
    const batch = this.queue.splice(0);
    if (batch.length > 0) {
      let range: RowRange | null;
      try {
        range = await appendBoardUpdates(
          this.sql,
          this.boardId,
          batch.map((item) => item.update),
        );
      } catch (error) {
        this.queue.unshift(...batch);
        throw error;
      }
      const now = performance.now();
      for (const item of batch) this.metrics.persistLag.observe((now - item.receivedAt) / 1000);
      this.rows += batch.length;
      if (range) await this.announce(range, true);
    }
    if (this.rows > this.settings.compactThreshold) {
      try {
        const compacted = await compactBoardUpdates(this.sql, this.boardId);
        this.rows = compacted.rows;
        this.metrics.compactions.inc();
        // Nodes that had not read the merged rows yet read the merged one instead.
        if (compacted.mergedId) await this.announce({ from: compacted.mergedId, to: compacted.mergedId }, false);
      } catch (error) {
        // The log is intact; the next flush tries again.
        this.log.warn({ err: error, boardId: this.boardId }, 'sync: compaction failed');
      }
    }
  }

  private async announce(range: RowRange, appended: boolean): Promise<void> {
    try {
      await this.onWritten(range, appended);
    } catch (error) {
      // The updates are safe; the projection and other nodes catch up with the next write.
      this.log.warn({ err: error, boardId: this.boardId }, 'sync: after-write hook failed');
    }
  }
}
