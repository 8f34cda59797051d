import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '#shared/protocol/socket-events.js';

/** The typed socket.io client of the app. */
export type AppSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

let socket: AppSocket | null = null;

/**
 * The app's one socket.io connection, opened on first use. The session cookie authenticates it, so
 * it is closed on sign-out ({@link closeSocket}) and opened again for the next account.
 */
export function appSocket(): AppSocket {
  if (!socket) {
    // Opened while offline, it waits for the network like a connected socket that went offline.
    socket = io({
      path: '/socket.io/',
      transports: ['websocket'],
      withCredentials: true,
      autoConnect: navigator.onLine,
    });
    watchNetwork();
  }
  return socket;
}

let watchingNetwork = false;

/**
 * While the browser is offline every reconnection attempt fails (and Chromium reports each one as a
 * console error): the socket waits instead, and connects again when the network is back. Rooms are
 * joined again on connect, and their users read what they missed ({@link joinBoardRoom}).
 */
function watchNetwork(): void {
  if (watchingNetwork) return;
  watchingNetwork = true;
  window.addEventListener('offline', () => socket?.disconnect());
  window.addEventListener('online', () => socket?.connect());
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
 * a join is accepted (`first` for the first one; later ones follow a reconnect, after which the caller
 * should read again what events it may have missed): events from then on reach the caller.
 */
export function joinBoardRoom(
  boardId: string,
  { onRefused = () => {}, onJoined = () => {} }: { onRefused?: () => void; onJoined?: (first: boolean) => void } = {},
): () => void {
  const socket = appSocket();
  let joined = false;
  const join = () =>
    socket.emit('board:join', { boardId }, (answer) => {
      if (!answer.ok) return onRefused();
      onJoined(!joined);
      joined = true;
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

/** Handlers of a board room's events, by event name. */
export type BoardEventHandlers = { [E in keyof ServerToClientEvents]?: ServerToClientEvents[E] };

/**
 * Listens to `handlers` and joins the board's room ({@link joinBoardRoom}, with its `onJoined` and
 * `onRefused`); returns the function that leaves the room and stops listening (once).
 */
export function followBoard(
  socket: AppSocket,
  boardId: string,
  handlers: BoardEventHandlers,
  options: Parameters<typeof joinBoardRoom>[1] = {},
): () => void {
  // The handlers are typed per event above; socket.io's overloads take one event name at a time.
  const entries = Object.entries(handlers) as [keyof ServerToClientEvents, never][];
  for (const [event, handler] of entries) socket.on(event, handler);
  const leave = joinBoardRoom(boardId, options);
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    leave();
    for (const [event, handler] of entries) socket.off(event, handler);
  };
}
