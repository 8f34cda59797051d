import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import * as Y from 'yjs';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import type { Sql } from '#server/db/sql.js';
import type { TestUser } from './factories.js';

/** `ws://host:port/yjs` of a listening app. */
export function syncUrl(app: FastifyInstance): string {
  const { port } = app.server.address() as AddressInfo;
  return `ws://127.0.0.1:${port}/yjs`;
}

/** A `ws` WebSocket class that sends `cookie` with its handshake, as a browser would. */
export function cookieWebSocket(cookie: string): new (url: string | URL, protocols?: string | string[]) => WebSocket {
  return class extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, { headers: { cookie } });
    }
  };
}

/** A client: its document and an unmodified y-websocket provider. */
export interface SyncClient {
  doc: Y.Doc;
  provider: WebsocketProvider;
}

/** Connects a provider as `user` and waits until it has synced with the server. */
export async function connectClient(app: FastifyInstance, boardId: string, user: TestUser): Promise<SyncClient> {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(syncUrl(app), boardId, doc, {
    WebSocketPolyfill: cookieWebSocket(user.cookie) as unknown as typeof globalThis.WebSocket,
    disableBc: true,
  });
  await new Promise<void>((resolve) => {
    const onSync = (synced: boolean) => {
      if (!synced) return;
      provider.off('sync', onSync);
      resolve();
    };
    provider.on('sync', onSync);
  });
  return { doc, provider };
}

/** Resolves once `predicate(doc)` holds, checking after every update. */
export function waitForDoc(doc: Y.Doc, predicate: (doc: Y.Doc) => boolean): Promise<void> {
  if (predicate(doc)) return Promise.resolve();
  return new Promise((resolve) => {
    const onUpdate = () => {
      if (!predicate(doc)) return;
      doc.off('afterTransaction', onUpdate);
      resolve();
    };
    doc.on('afterTransaction', onUpdate);
  });
}

/** Resolves with the close code and reason the server sent to a provider's connection. */
export function nextClose(provider: WebsocketProvider): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => {
    provider.once('connection-close', (event) => resolve({ code: event?.code ?? 0, reason: event?.reason ?? '' }));
  });
}

/** A raw socket on `/yjs/:boardId`, or the HTTP status that refused it. */
export function openRawSocket(
  app: FastifyInstance,
  boardId: string,
  cookie?: string,
  headers: Record<string, string> = {},
): Promise<{ socket: WebSocket } | { status: number }> {
  const socket = new WebSocket(`${syncUrl(app)}/${boardId}`, {
    headers: { ...(cookie ? { cookie } : {}), ...headers },
  });
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve({ socket }));
    socket.once('unexpected-response', (_request, response) => {
      resolve({ status: response.statusCode ?? 0 });
      socket.terminate();
    });
    socket.once('error', reject);
  });
}

/** Resolves with the close code of a raw socket. */
export function socketClosed(socket: WebSocket): Promise<number> {
  return new Promise((resolve) => socket.once('close', (code) => resolve(code)));
}

/** The document a board's stored log gives, read straight from the database. */
export async function storedDoc(sql: Sql, boardId: string): Promise<Y.Doc> {
  const rows = await sql<{ update: Uint8Array }[]>`
    select update from board_updates where board_id = ${boardId} order by id`;
  const doc = new Y.Doc();
  for (const row of rows) Y.applyUpdate(doc, row.update);
  return doc;
}

/** Number of rows in a board's update log. */
export async function logRows(sql: Sql, boardId: string): Promise<number> {
  const [row]: [{ n: number }] = await sql`select count(*)::int as n from board_updates where board_id = ${boardId}`;
  return row.n;
}
