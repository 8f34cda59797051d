import { parentPort } from 'node:worker_threads';
import * as Y from 'yjs';

/** A request to the merge thread: the updates of a board's log, in order. */
export interface MergeRequest {
  id: number;
  updates: Uint8Array[];
}

/** The merge thread's answer: the merged update, or why it failed. */
export type MergeAnswer = { id: number; merged: Uint8Array } | { id: number; error: string };

// Runs in its own thread (see UpdateMerger): merging a log is CPU work that would otherwise stall
// the event loop that broadcasts every board's updates.
parentPort?.on('message', ({ id, updates }: MergeRequest) => {
  let answer: MergeAnswer;
  try {
    answer = { id, merged: Y.mergeUpdates(updates) };
  } catch (error) {
    answer = { id, error: error instanceof Error ? error.message : String(error) };
  }
  parentPort!.postMessage(answer);
});
