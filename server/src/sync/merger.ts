import type { Tinypool } from 'tinypool';
import * as Y from 'yjs';
import { helperPool } from '#server/helper-pool.js';

/** Logs at least this large are merged off the main thread (a 500-card board's document is ~130 kB). */
const MERGE_OFF_THREAD_BYTES = 32 * 1024;
/**
 * Logs of at least this many updates are merged off the main thread, however small: merging costs per
 * update as much as per byte (150 one-key edits on a 50-card board, ~25 kB, take milliseconds).
 */
const MERGE_OFF_THREAD_UPDATES = 16;

/**
 * Merges update logs (`Y.mergeUpdates`) on a helper thread (a one-thread Tinypool), started ahead of the
 * first long or large merge (see `warmUp`) or at it. A compaction merges a hundred updates or more into
 * the whole document, milliseconds of CPU; on the main thread, those would delay every board's
 * broadcasts. The pool replaces a thread that fails; a merge the thread could not answer runs on the
 * main thread.
 */
export class UpdateMerger {
  /**
   * @param offThreadBytes logs smaller than this, and shorter than `offThreadUpdates`, are merged on the
   *   main thread (a few small updates; a board that is never compacted never starts the thread)
   * @param offThreadUpdates logs of at least this many updates are merged on the thread
   */
  constructor(
    private readonly offThreadBytes = MERGE_OFF_THREAD_BYTES,
    private readonly offThreadUpdates = MERGE_OFF_THREAD_UPDATES,
  ) {}

  private pool: Tinypool | null = null;

  /** The merged update of `updates`, in order. */
  async merge(updates: Uint8Array[]): Promise<Uint8Array> {
    const small =
      updates.length < this.offThreadUpdates &&
      updates.reduce((sum, update) => sum + update.byteLength, 0) < this.offThreadBytes;
    if (small) return Y.mergeUpdates(updates);
    try {
      return (await this.threads().run(updates)) as Uint8Array;
    } catch {
      // The thread failed or refused the log: the main thread merges it, or says why it cannot.
      return Y.mergeUpdates(updates);
    }
  }

  /**
   * Starts the thread ahead of a board whose log is this large (its compactions will go there), so that
   * the thread's start-up (hundreds of milliseconds of CPU loading its modules) does not land in the
   * middle of the board's editing.
   */
  warmUpFor(logBytes: number): void {
    if (logBytes >= this.offThreadBytes) this.warmUp();
  }

  /** Starts the thread now if it is not running, ahead of a compaction known to come. */
  warmUp(): void {
    this.threads();
  }

  /** Whether the merge thread is up (it starts with the first large merge, or a warm-up). */
  get running(): boolean {
    return (this.pool?.threads.length ?? 0) > 0;
  }

  /** Ends the thread; a later merge starts it again. */
  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    await pool?.destroy();
  }

  private threads(): Tinypool {
    // One thread, kept up: merges are short and come in bursts of compactions.
    this.pool ??= helperPool(import.meta.url, 'merge-worker', { minThreads: 1, maxThreads: 1 });
    return this.pool;
  }
}
