/**
 * A user's colour (remote cursors in notes, and anywhere else a person needs one), derived from the
 * user id so that every client and the server agree without storing it. The server stamps it into
 * each awareness state next to the user's id and name, so a client cannot pick someone else's colour
 * any more than their name.
 */

/** Mid-tone hues readable on both the light and the dark theme. */
const PALETTE = ['#d1495b', '#2e86ab', '#3a9a5b', '#c77d1a', '#8e44ad', '#16a085', '#c0397a', '#5d6dbe'];

/** `color` (cursor, name label) and `colorLight` (selection background, translucent) of a user. */
export function userColor(userId: string): { color: string; colorLight: string } {
  let hash = 0;
  for (let i = 0; i < userId.length; i++) hash = (hash * 31 + userId.charCodeAt(i)) >>> 0;
  const color = PALETTE[hash % PALETTE.length];
  return { color, colorLight: `${color}33` };
}
