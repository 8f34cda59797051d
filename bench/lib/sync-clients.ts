import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** POSTs JSON (with a session cookie, if any); throws on any status but 2xx. */
export async function postJson(
  url: string,
  body: unknown,
  cookie?: string,
): Promise<{ json: unknown; setCookie: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`POST ${url}: ${res.status} ${await res.text()}`);
  return { json: await res.json(), setCookie: res.headers.get('set-cookie') ?? '' };
}

/** A `ws` WebSocket class sending `cookie` with its handshake, as a browser would. */
function cookieWebSocket(cookie: string | null): new (url: string | URL, protocols?: string | string[]) => WebSocket {
  return class extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, { headers: cookie ? { cookie } : {} });
    }
  };
}

/** A benchmark's y-websocket client: its document, provider, board index and how often it was closed. */
export interface Client {
  doc: Y.Doc;
  provider: WebsocketProvider;
  board: number;
  closes: number;
}

/** Connects a client to `room` at `wsUrl` and resolves once it has synced (30 s at most). */
export async function connect(wsUrl: string, room: string, cookie: string | null, board: number): Promise<Client> {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(wsUrl, room, doc, {
    WebSocketPolyfill: cookieWebSocket(cookie) as unknown as typeof globalThis.WebSocket,
    disableBc: true,
  });
  // No presence: every client would otherwise renew its awareness state every 15 s, to every other client.
  provider.awareness.setLocalState(null);
  const client: Client = { doc, provider, board, closes: 0 };
  provider.on('connection-close', () => {
    client.closes++;
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`client of board ${board + 1} did not sync within 30 s`)), 30_000);
    const onSync = (synced: boolean) => {
      if (!synced) return;
      provider.off('sync', onSync);
      clearTimeout(timer);
      resolve();
    };
    provider.on('sync', onSync);
  });
  return client;
}

/** Polls `predicate` every 50 ms; throws once `timeoutMs` has passed. */
export async function waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
