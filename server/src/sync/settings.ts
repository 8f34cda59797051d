import { MAX_SYNC_MESSAGE_BYTES } from '../../../shared/protocol/close-codes.js';

/** Tunables of the sync server; tests lower them through `app.sync.settings`. */
export interface SyncSettings {
  /** How long a board's document stays loaded after its last client left. */
  idleUnloadMs: number;
  /** Group-commit window of the update log. */
  groupCommitMs: number;
  /**
   * Delay before the projection is rewritten after a write: a burst of edits costs one rewrite
   * instead of one per group commit, and REST still sees an edit well within a second.
   */
  projectionDelayMs: number;
  /** Most rows a board's log holds before compaction; each board compacts at a random point between half of this and this. */
  compactThreshold: number;
  /** Largest accepted message, bytes. */
  maxMessageBytes: number;
  /** Token bucket per connection: sustained messages per second and burst. */
  rateLimit: { perSecond: number; burst: number };
}

export const DEFAULT_SYNC_SETTINGS: SyncSettings = {
  idleUnloadMs: 1500,
  groupCommitMs: 50,
  projectionDelayMs: 250,
  compactThreshold: 200,
  maxMessageBytes: MAX_SYNC_MESSAGE_BYTES,
  rateLimit: { perSecond: 100, burst: 200 },
};
