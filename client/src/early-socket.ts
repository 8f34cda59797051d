// Evaluated first of the app's modules (main.ts imports it before anything else): on a board's page
// it opens the board's document connection before the rest of the app is evaluated and mounted, and
// keeps what arrives until the board's page takes the socket over (lib/board-socket.ts).
import { EARLY_SOCKET_META } from '#shared/protocol/board-screen.js';
import { leaveEarlySocket, webSocketOrigin, type EarlySocket } from './lib/board-socket.js';

/** How long an early socket that the app never took over stays open. */
const UNCLAIMED_MS = 15_000;

const path = document.querySelector<HTMLMetaElement>(`meta[name="${EARLY_SOCKET_META}"]`)?.content;
if (path && navigator.onLine) {
  const url = `${webSocketOrigin()}${path}`;
  const socket = new WebSocket(url);
  performance.mark('board:early-socket');
  socket.binaryType = 'arraybuffer';
  const early: EarlySocket = { url, socket, received: [] };
  socket.onmessage = (event) => early.received.push(event);
  leaveEarlySocket(early, UNCLAIMED_MS);
}
