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
}
