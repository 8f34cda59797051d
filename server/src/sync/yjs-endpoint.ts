import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import fp from 'fastify-plugin';
import { WebSocketServer } from 'ws';
import { isUuid } from '#shared/protocol/uuid.js';
import { readCard } from '#shared/protocol/board-doc/model.js';
import { isNoteCardId, noteRoom } from '#shared/protocol/notes.js';
import { sessionFromCookieHeader } from '#server/features/auth/sessions.js';
import { can, roleOf } from '#server/features/boards/authorization.js';
import { BoardRegistry } from './board-registry.js';
import { busRelay } from './bus-relay.js';
import { NodePeers } from './peers.js';
import { SyncConnection } from './connection.js';
import type { BoardExtension } from './extensions.js';
import { registerSyncMetrics } from './metrics.js';
import { DEFAULT_SYNC_SETTINGS, type SyncSettings } from './settings.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The boards behind `/yjs/:boardId`. */
    sync: BoardRegistry;
  }
}

/** The sync settings, and the extensions the app attaches to every board (given the settings in force). */
type YjsEndpointOptions = Partial<SyncSettings> & {
  extensions?: (settings: SyncSettings) => BoardExtension[];
};

/** `/yjs/<boardId>` (the board's document) or `/yjs/<boardId>/notes/<cardId>` (a card's note). */
const SYNC_PATH = /^\/yjs\/([^/?]+)(?:\/notes\/([^/?]+))?\/?$/;

function reject(socket: Duplex, status: string): void {
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/**
 * The one `upgrade` dispatcher of the HTTP server: `/yjs/:boardId` and `/yjs/:boardId/notes/:cardId`
 * go to the sync server (after authenticating the session cookie and the membership), `/socket.io/` is
 * left to socket.io (attached with `destroyUpgrade: false`), anything else is destroyed.
 *
 * Answers before the upgrade: a foreign Origin 403; no session 401; not a member, unknown or malformed
 * board id 403 (one answer for all three, so ids reveal nothing); a note of a card that is not on the
 * board (in its live document) 404, to members only. Viewers are connected read-only.
 */
export const yjsEndpoint = fp<YjsEndpointOptions>(
  async (app, { extensions = () => [], ...options }) => {
    const settings: SyncSettings = { ...DEFAULT_SYNC_SETTINGS, ...options };
    let docs: BoardRegistry | null = null;
    // Which other nodes hear this bus: updates go out at once only while there is one.
    const peers = new NodePeers(app.bus, (err) => app.log.warn({ err }, 'sync: telling other nodes failed'));
    const metrics = registerSyncMetrics(app.metrics, {
      loadedDocs: () => docs?.loadedCount ?? 0,
      maxLogRows: () => docs?.maxLogRows ?? 0,
    });
    // The other nodes hear of every room first; then the app's own extensions.
    docs = new BoardRegistry(app.sql, settings, metrics, app.log, app.bus, [
      busRelay(app.bus, peers, app.log),
      ...extensions(settings),
    ]);
    const boardDocs = docs;
    app.decorate('sync', boardDocs);
    // Twice the limit: larger frames are cut off by ws itself (1009); between the two, the connection
    // is closed with our own 4413 so that the client does not reconnect and resend.
    const wss = new WebSocketServer({ noServer: true, maxPayload: settings.maxMessageBytes * 2 });
    // Open /yjs connections per user on this node: one account cannot hold unbounded sockets and documents.
    const openByUser = new Map<string, number>();
    const socketsPerUser = app.config.quotas.socketsPerUser;

    async function upgradeSync(
      request: IncomingMessage,
      socket: Duplex,
      head: Buffer,
      boardId: string,
      cardId: string | undefined,
    ) {
      if (!boardDocs.accepting) return reject(socket, '503 Service Unavailable');
      // A page of another origin must not use a member's cookie to read or write the board.
      if (!app.origins.allows(request.headers, 'encrypted' in socket && Boolean(socket.encrypted))) {
        return reject(socket, '403 Forbidden');
      }
      const session = await sessionFromCookieHeader(app, request.headers.cookie);
      if (!session) return reject(socket, '401 Unauthorized');
      const { user } = session;
      const role = isUuid(boardId) ? await roleOf(app.sql, user.id, boardId) : null;
      if (!role) return reject(socket, '403 Forbidden');
      const board = boardId.toLowerCase();
      if (cardId !== undefined) {
        // A note belongs to a card on the board as members see it now (the projection lags); a card
        // taken off the board keeps its note in the log, and finds it again if it is put back.
        const onBoard = isNoteCardId(cardId) && (await boardDocs.read(board, (doc) => readCard(doc, cardId) !== null));
        if (!onBoard) return reject(socket, '404 Not Found');
      }
      if (!boardDocs.accepting) return reject(socket, '503 Service Unavailable');
      if ((openByUser.get(user.id) ?? 0) >= socketsPerUser) return reject(socket, '429 Too Many Requests');
      wss.handleUpgrade(request, socket, head, (ws) => {
        // Counted once upgraded (an upgrade that fails half-way never reaches here, and never closes).
        openByUser.set(user.id, (openByUser.get(user.id) ?? 0) + 1);
        ws.once('close', () => {
          const left = (openByUser.get(user.id) ?? 1) - 1;
          if (left > 0) openByUser.set(user.id, left);
          else openByUser.delete(user.id);
        });
        new SyncConnection(
          ws,
          board,
          cardId === undefined ? board : noteRoom(board, cardId),
          {
            userId: user.id,
            name: user.name,
            sessionHash: session.sessionHash,
            readOnly: !can(role, 'board:write'),
            canModerate: can(role, 'comments:moderate'),
          },
          boardDocs,
          metrics,
          app.log,
        );
      });
    }

    function onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
      const path = (request.url ?? '').split('?')[0];
      if (path.startsWith('/socket.io/')) return;
      const match = SYNC_PATH.exec(path);
      if (!match) {
        socket.destroy();
        return;
      }
      socket.on('error', (error) => app.log.debug({ err: error }, 'sync: upgrade socket error'));
      upgradeSync(request, socket, head, match[1], match[2]).catch((error: unknown) => {
        app.log.error({ err: error }, 'sync: upgrade failed');
        reject(socket, '500 Internal Server Error');
      });
    }

    app.addHook('onReady', async () => {
      peers.start();
      app.server.on('upgrade', onUpgrade);
    });
    // Before the HTTP server closes: it waits for upgraded sockets, so they must go first.
    // The listener stays while the server closes: clients reconnecting meanwhile must get a 503 and a
    // closed socket. Without it, socket.io (destroyUpgrade: false) would leave their sockets open and
    // the HTTP server would wait on them forever.
    app.addHook('preClose', async () => {
      await peers.stop();
      await boardDocs.closeAll();
    });
    app.addHook('onClose', async () => {
      await boardDocs.closeAll();
      app.server.off('upgrade', onUpgrade);
      wss.close();
    });
  },
  { name: 'yjs-endpoint', dependencies: ['db', 'auth', 'metrics', 'bus'] },
);
