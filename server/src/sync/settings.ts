import { DEFAULT_BOARD_DOC_MAX_BYTES, MAX_SYNC_MESSAGE_BYTES } from '#shared/protocol/close-codes.js';
import { DEFAULT_NOTE_DOC_MAX_BYTES } from '#shared/protocol/notes.js';

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
  /**
   * Size limit of a board's document: the bytes of the updates it is made of (stored rows at load, then
   * each applied update). An update that would go past it is refused before it is applied.
   */
  maxDocBytes: number;
  /** Size limit of one card's note, counted the same way. */
  maxNoteBytes: number;
  /**
   * Most bytes a connection may have waiting to be sent (a client that does not read its socket);
   * twice the document's size when that is more, so that a legitimate greeting always fits.
   */
  maxBufferedBytes: number;
  /** Token bucket per connection: sustained messages per second and burst. */
  rateLimit: { perSecond: number; burst: number };
  /**
   * How long an update another node sent at once may wait for that node's announcement that it is
   * stored; past it, this node stores it itself (the sender may have died before its commit).
   */
  remoteBackstopMs: number;
}

export const DEFAULT_SYNC_SETTINGS: SyncSettings = {
  idleUnloadMs: 1500,
  groupCommitMs: 50,
  projectionDelayMs: 250,
  compactThreshold: 200,
  maxMessageBytes: MAX_SYNC_MESSAGE_BYTES,
  maxDocBytes: DEFAULT_BOARD_DOC_MAX_BYTES,
  maxNoteBytes: DEFAULT_NOTE_DOC_MAX_BYTES,
  maxBufferedBytes: 16 * 1024 * 1024,
  rateLimit: { perSecond: 100, burst: 200 },
  remoteBackstopMs: 3000,
};
