import type { Worker } from 'node:worker_threads';
import * as Y from 'yjs';
import { startHelperWorker } from '#server/ts-worker.js';
import type { MergeAnswer, MergeRequest } from './merge-worker.js';

/** Logs at least this large are merged off the main thread (a 500-card board's document is ~130 kB). */
const MERGE_OFF_THREAD_BYTES = 32 * 1024;
/**
 * Logs of at least this many updates are merged off the main thread, however small: merging costs per
 * update as much as per byte (150 one-key edits on a 50-card board, ~25 kB, take milliseconds).
 */
const MERGE_OFF_THREAD_UPDATES = 16;

/**
 * Merges update logs (`Y.mergeUpdates`) on a worker thread, started ahead of the first long or large
 * merge (see `warmUp`) or at it. A compaction merges a hundred updates or more into the whole document,
 * milliseconds of CPU; on the main thread, those would delay every board's broadcasts. If the thread
 * fails, merges run on the main thread until it has been started again (at the next merge; warm-ups no
 * longer start it, so a thread that cannot start is not retried on every write).
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

  private worker: Worker | null = null;
  /** A thread failed (error or unexpected exit) since this merger was made. */
  private failed = false;
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (merged: Uint8Array) => void; reject: (e: Error) => void }>();

  /** The merged update of `updates`, in order. */
  merge(updates: Uint8Array[]): Promise<Uint8Array> {
    const small =
      updates.length < this.offThreadUpdates &&
      updates.reduce((sum, update) => sum + update.byteLength, 0) < this.offThreadBytes;
    if (small) {
      return Promise.resolve(Y.mergeUpdates(updates));
    }
    let worker: Worker;
    try {
      worker = this.worker ?? this.start();
    } catch {
      return Promise.resolve(Y.mergeUpdates(updates));
    }
    const id = this.nextId++;
    return new Promise<Uint8Array>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ id, updates } satisfies MergeRequest);
    }).catch(() => Y.mergeUpdates(updates));
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
    if (this.worker || this.failed) return;
    try {
      this.start();
    } catch {
      // Merges will run on the main thread.
    }
  }

  /** Whether the merge thread is up (it starts with the first large merge, or a warm-up). */
  get running(): boolean {
    return this.worker !== null;
  }

  /** Ends the thread; merges still waiting run on the main thread. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    await worker?.terminate();
  }

  private start(): Worker {
    const worker = startHelperWorker<MergeAnswer>(
      import.meta.url,
      'merge-worker',
      (answer) => {
        const waiter = this.waiting.get(answer.id);
        this.waiting.delete(answer.id);
        if ('merged' in answer) waiter?.resolve(answer.merged);
        else waiter?.reject(new Error(answer.error));
      },
      (reason) => {
        if (this.worker === worker) {
          this.worker = null;
          this.failed = true;
        }
        for (const waiter of this.waiting.values()) waiter.reject(reason);
        this.waiting.clear();
      },
    );
    this.worker = worker;
    return worker;
  }
}
