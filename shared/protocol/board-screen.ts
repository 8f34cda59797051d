/**
 * The API reads the board screen starts with. The server names them as preloads in the page's HTML
 * (so the browser fetches them while the script is still loading) and the client fetches exactly
 * these URLs, so that the browser hands it the preloaded responses.
 */
export function boardScreenReads(boardId: string): { details: string; cards: string; voting: string } {
  const board = `/api/boards/${encodeURIComponent(boardId)}`;
  return { details: board, cards: `${board}/cards?abstracts=false`, voting: `${board}/voting` };
}
