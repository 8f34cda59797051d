/**
 * The API reads the board screen starts with. The server names them as preloads in the page's HTML
 * (so the browser fetches them while the script is still loading) and the client fetches exactly
 * these URLs, so that the browser hands it the preloaded responses.
 */
export function boardScreenReads(boardId: string): { details: string; cards: string; voting: string } {
  const board = `/api/boards/${encodeURIComponent(boardId)}`;
  return { details: board, cards: `${board}/cards?abstracts=false`, voting: `${board}/voting` };
}

/** The board document's WebSocket path (y-websocket joins the server URL `/yjs` and the board id). */
export function boardSocketPath(boardId: string): string {
  return `/yjs/${encodeURIComponent(boardId)}`;
}

/**
 * The `<meta>` by which the server's HTML for a signed-in reader's board page names the board's
 * document connection, so that the app's first module opens it before the rest of the app runs.
 */
export const EARLY_SOCKET_META = 'paperboard-board-socket';
