import fp from 'fastify-plugin';
import { Server } from 'socket.io';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { User } from '#shared/schemas/auth.js';
import {
  BoardRoomRequest,
  SERVER_EVENT_NAMES,
  boardRoom,
  type ClientToServerEvents,
  type JoinAck,
  type ServerEventName,
  type ServerEventPayload,
  type ServerToClientEvents,
} from '#shared/protocol/socket-events.js';
import { endsSession, type BusMessage } from '#server/sync/bus.js';
import { roleOf } from '#server/features/boards/authorization.js';
import { sessionFromCookieHeader } from '#server/features/auth/sessions.js';
import { TokenBucket } from '#server/token-bucket.js';
import { openRedisAdapter } from './socket-io-redis.js';

/** What the handshake leaves on each socket. */
interface SocketData {
  user: User;
  /** SHA-256 (hex) of the session token of the handshake: the socket is dropped when it ends. */
  sessionHash: string;
}

/** The typed socket.io server of this node. */
type IoServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

declare module 'fastify' {
  interface FastifyInstance {
    /** socket.io on the app's HTTP server, path `/socket.io/`. */
    io: IoServer;
    /**
     * Sends an event to the sockets of a board's room on every node: through socket.io's Redis adapter
     * when Redis is configured (resolves at once), else through `app.bus` (resolves once published).
     * Payloads must stay well under the bus's `maxPayloadBytes` (8000 bytes of JSON on PostgreSQL).
     */
    emitToBoard<E extends ServerEventName>(boardId: string, event: E, payload: ServerEventPayload<E>): Promise<void>;
  }
}

const isRoomRequest = TypeCompiler.Compile(BoardRoomRequest);
const serverEvents = new Set<string>(SERVER_EVENT_NAMES);

function isServerEvent(name: string): name is ServerEventName {
  return serverEvents.has(name);
}

/**
 * socket.io: the handshake is authenticated with the session cookie; `board:join` admits members to the
 * board's room. Events are raised with `app.emitToBoard`. Without Redis it publishes them on the bus and
 * every node's subscriber emits them to its own sockets in that room; with `redisAdapter`, socket.io's
 * Redis streams adapter carries `io.to(room).emit` to the other nodes itself. Membership and session
 * messages come through the bus either way.
 */
export const socketIoPlugin = fp<{ redisAdapter: boolean }>(
  async (app, { redisAdapter: withRedis }) => {
    const { redisUrl, redisPrefix } = app.config;
    if (withRedis && !redisUrl) throw new Error('the socket.io Redis adapter needs REDIS_URL');
    const redis = withRedis && redisUrl ? await openRedisAdapter(redisUrl, redisPrefix, app.bus.nodeId, app.log) : null;
    const io: IoServer = new Server(app.server, {
      ...(redis ? { adapter: redis.adapter } : {}),
      path: '/socket.io/',
      destroyUpgrade: false,
      serveClient: false,
      // A page of another origin must not join a member's rooms with their cookie (403 before the handshake).
      allowRequest: (request, callback) =>
        callback(
          null,
          app.origins.allows(request.headers, 'encrypted' in request.socket && Boolean(request.socket.encrypted)),
        ),
    });

    // socket.io answers its own HTTP requests (polling, the handshake, its refusals): the same headers
    // as the rest. Engine middleware runs before `allowRequest`, so a refused handshake has them too.
    io.engine.use(app.securityHeaders);

    io.use((socket, next) => {
      sessionFromCookieHeader(app, socket.request.headers.cookie).then(
        (session) => {
          if (!session) return next(new Error('unauthorized'));
          socket.data.user = session.user;
          socket.data.sessionHash = session.sessionHash;
          next();
        },
        (err: unknown) => {
          app.log.error({ err }, 'socket.io: handshake failed');
          next(new Error('unavailable'));
        },
      );
    });

    const eventsPerSecond = app.config.quotas.socketEventsPerSecond;
    io.on('connection', (socket) => {
      const userId = socket.data.user.id;
      // What one socket may make the server do: past the rate, events are dropped (an acknowledgement,
      // if the event asked for one, says why).
      const bucket = new TokenBucket({ perSecond: eventsPerSecond, burst: eventsPerSecond * 2 });
      socket.use((packet, next) => {
        if (bucket.take()) return next();
        const ack: unknown = packet[packet.length - 1];
        if (typeof ack === 'function') (ack as (answer: JoinAck) => void)({ ok: false, error: 'rate_limited' });
      });
      socket.on('board:join', (payload: unknown, ack: unknown) => {
        const reply = (answer: JoinAck) => {
          if (typeof ack === 'function') (ack as (answer: JoinAck) => void)(answer);
        };
        if (!isRoomRequest.Check(payload)) return reply({ ok: false, error: 'invalid' });
        const boardId = payload.boardId.toLowerCase();
        roleOf(app.sql, userId, boardId).then(
          async (role) => {
            if (!role) return reply({ ok: false, error: 'not_found' });
            await socket.join(boardRoom(boardId));
            reply({ ok: true });
          },
          (err: unknown) => {
            app.log.error({ err, boardId, userId }, 'socket.io: board:join failed');
            reply({ ok: false, error: 'unavailable' });
          },
        );
      });
      socket.on('board:leave', (payload: unknown) => {
        if (!isRoomRequest.Check(payload)) return;
        void socket.leave(boardRoom(payload.boardId));
      });
    });

    /**
     * After a membership change (a member removed or their role changed; every member when the board was
     * deleted), the affected sockets of this node that are no longer members leave the board's room, so
     * that nothing more of the board reaches them. Members whose role only changed stay.
     */
    const recheckRoom = async (boardId: string, userId: string | null) => {
      const room = boardRoom(boardId);
      const sockets = (await io.in(room).local.fetchSockets()).filter(
        (socket) => userId === null || socket.data.user.id === userId,
      );
      const users = new Set(sockets.map((socket) => socket.data.user.id));
      for (const user of users) {
        if (await roleOf(app.sql, user, boardId)) continue;
        for (const socket of sockets) if (socket.data.user.id === user) socket.leave(room);
      }
    };

    app.bus.subscribe((message: BusMessage) => {
      if (message.kind === 'membership') {
        recheckRoom(message.boardId, message.userId).catch((err: unknown) =>
          app.log.error({ err, boardId: message.boardId }, 'socket.io: re-checking a board room failed'),
        );
        return;
      }
      if (message.kind === 'sessions') {
        // Sockets of ended sessions are dropped on every node (a stolen cookie's socket too).
        for (const socket of io.of('/').sockets.values()) {
          if (endsSession(message, socket.data.user.id, socket.data.sessionHash)) socket.disconnect(true);
        }
        return;
      }
      if (message.kind !== 'event') return;
      if (!isServerEvent(message.event)) {
        app.log.warn({ event: message.event, boardId: message.boardId }, 'socket.io: unknown bus event');
        return;
      }
      // The payload was built by emitToBoard from the same declarations, on this node or another.
      io.to(boardRoom(message.boardId)).emit(message.event, message.payload as never);
    });

    app.decorate('io', io);
    app.decorate(
      'emitToBoard',
      async <E extends ServerEventName>(boardId: string, event: E, payload: ServerEventPayload<E>) => {
        const message: BusMessage = { kind: 'event', node: app.bus.nodeId, boardId, event, payload };
        // The bus's limit on both paths: with Redis, the adapter's stream entries weigh on the same
        // server, and its subscribers' buffers, as the bus's messages.
        const size = Buffer.byteLength(JSON.stringify(message));
        if (size > app.bus.maxPayloadBytes) {
          app.log.error({ boardId, event, size }, 'socket.io: event too large for the bus, dropped');
          return;
        }
        if (redis) {
          io.to(boardRoom(boardId)).emit(event, ...([payload] as Parameters<ServerToClientEvents[E]>));
          return;
        }
        await app.bus.publish(message);
      },
    );

    // Before the HTTP server closes: it waits for open connections, so the sockets must go first.
    // (io.close() would close the HTTP server itself, which is Fastify's job.)
    // `local`: with the Redis adapter a plain disconnectSockets would reach every node's sockets.
    app.addHook('preClose', async () => {
      io.local.disconnectSockets(true);
      io.engine.close();
    });
    // After the HTTP server, when no request can emit any more.
    if (redis) app.addHook('onClose', async () => redis.close(io));
  },
  { name: 'socket-io', dependencies: ['db', 'auth', 'bus'] },
);
