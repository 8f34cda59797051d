import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { io, type Socket } from 'socket.io-client';
import type {
  ClientToServerEvents,
  JoinAck,
  ServerEventName,
  ServerEventPayload,
  ServerToClientEvents,
} from '#shared/protocol/socket-events.js';
import type { TestUser } from './factories.js';

/** A typed socket.io client, as the browser app has one. */
export type TestSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** The base URL of an app listening on a port. */
export function baseUrl(app: FastifyInstance): string {
  const { port } = app.server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

/**
 * Opens a socket.io connection to a listening app with `user`'s session cookie (none when null);
 * resolves once connected, rejects with the server's refusal.
 */
export function connectSocket(
  app: FastifyInstance,
  user: TestUser | null,
  headers: Record<string, string> = {},
): Promise<TestSocket> {
  const socket: TestSocket = io(baseUrl(app), {
    path: '/socket.io/',
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    extraHeaders: { ...(user ? { cookie: user.cookie } : {}), ...headers },
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

/** Emits `board:join` and resolves with the acknowledgement. */
export function joinBoard(socket: TestSocket, boardId: string): Promise<JoinAck> {
  return socket.timeout(5000).emitWithAck('board:join', { boardId });
}

/** Resolves with the next `event` whose payload satisfies `predicate`. */
export function nextEvent<E extends ServerEventName>(
  socket: TestSocket,
  event: E,
  predicate: (payload: ServerEventPayload<E>) => boolean = () => true,
): Promise<ServerEventPayload<E>> {
  return new Promise((resolve) => {
    const listener = (payload: ServerEventPayload<E>) => {
      if (!predicate(payload)) return;
      socket.off(event, listener as never);
      resolve(payload);
    };
    socket.on(event, listener as never);
  });
}
