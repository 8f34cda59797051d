/**
 * WebSocket close codes of the sync endpoint (`/yjs/:boardId`), shared by the server, the client and
 * the tests. Codes 4400–4499 tell y-websocket's provider not to reconnect: resending the same refused
 * message would only be refused again. Other codes let it reconnect.
 */
export interface CloseCode {
  code: number;
  reason: string;
}

export const CLOSE_CODES = {
  /** A frame that is not a well-formed y-websocket message (bad varint, unknown type, bad update). */
  malformed: { code: 4400, reason: 'Malformed message' },
  /** An update the sender may not write (forged author, another member's comment, ...). */
  forbidden: { code: 4403, reason: 'Forbidden' },
  /** A message larger than the limit. */
  tooLarge: { code: 4413, reason: 'Message too large' },
  /** An update that would take the board's document past its size limit (nothing of it was kept). */
  boardFull: { code: 4409, reason: 'Board full' },
  /** Too many messages per second on one connection. */
  rateLimited: { code: 4429, reason: 'Rate limited' },
  /** The connection's session ended (logout, password change or reset): signing in again is needed. */
  sessionEnded: { code: 4401, reason: 'Signed out' },
  /** The member's role changed or they were removed: reconnecting re-checks what they may do. */
  membershipChanged: { code: 4001, reason: 'Membership changed' },
  /** The board's document could not be loaded; the client may retry. */
  unavailable: { code: 4500, reason: 'Document unavailable' },
  /** The server is shutting down; the client reconnects (to this or another node). */
  goingAway: { code: 1001, reason: 'Server shutting down' },
} as const satisfies Record<string, CloseCode>;

/** Largest message the sync endpoint accepts, in bytes. */
export const MAX_SYNC_MESSAGE_BYTES = 1024 * 1024;

/** Default size limit of one board's document, in bytes of its updates (`BOARD_DOC_MAX_BYTES`). */
export const DEFAULT_BOARD_DOC_MAX_BYTES = 8 * 1024 * 1024;
