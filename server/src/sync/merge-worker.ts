import * as Y from 'yjs';

/**
 * Runs on the merge thread (see UpdateMerger): merging a log is CPU work that would otherwise stall
 * the event loop that broadcasts every board's updates.
 */
export default function mergeLog(updates: Uint8Array[]): Uint8Array {
  return Y.mergeUpdates(updates);
}
