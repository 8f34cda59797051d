import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../../shared/protocol/socket-events.js';

/** The typed socket.io client of the app. */
export type AppSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

let socket: AppSocket | null = null;

/**
 * The app's one socket.io connection, opened on first use. The session cookie authenticates it, so
 * it is closed on sign-out ({@link closeSocket}) and opened again for the next account.
 */
export function appSocket(): AppSocket {
  socket ??= io({ path: '/socket.io/', transports: ['websocket'], withCredentials: true });
  return socket;
}

/** Closes the connection (on sign-out). */
export function closeSocket(): void {
  socket?.disconnect();
  socket = null;
  roomUsers.clear();
}

/** Pages in each board's room, by board id: the room is left only when the last of them leaves. */
const roomUsers = new Map<string, number>();

/**
 * Puts the app's socket in a board's room for as long as the caller needs it, and back in after every
 * reconnect; returns the function that releases it. Counted, because pages of one board overlap
 * while the app goes from one to the next (the new page joins before the old one is gone).
 * `onRefused` hears when the server refuses the board (not a member, unknown board), `onJoined` when
 * a join (the first, or one after a reconnect) is accepted: events from then on reach the caller.
 */
export function joinBoardRoom(
  boardId: string,
  { onRefused = () => {}, onJoined = () => {} }: { onRefused?: () => void; onJoined?: () => void } = {},
): () => void {
  const socket = appSocket();
  const join = () =>
    socket.emit('board:join', { boardId }, (answer) => {
      if (answer.ok) onJoined();
      else onRefused();
    });
  roomUsers.set(boardId, (roomUsers.get(boardId) ?? 0) + 1);
  socket.on('connect', join);
  if (socket.connected) join();
  let released = false;
  return () => {
    if (released) return;
    released = true;
    socket.off('connect', join);
    const left = (roomUsers.get(boardId) ?? 1) - 1;
    if (left > 0) {
      roomUsers.set(boardId, left);
      return;
    }
    roomUsers.delete(boardId);
    socket.emit('board:leave', { boardId });
  };
}
