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

/** One edit of a fan-out benchmark: when the writer handed it to its socket, and when its receivers applied it. */
export interface EditRecord {
  sentAt: number;
  expected: number;
  received: number;
  first: number;
  last: number;
  measured: boolean;
}

/** A new edit expected by `receivers` clients; `sentAt` is set once the writer's transaction returns. */
export function newEdit(receivers: number, measured: boolean): EditRecord {
  return { sentAt: 0, expected: receivers, received: 0, first: Number.POSITIVE_INFINITY, last: 0, measured };
}

/** Records, for every key of `edits` set in a client's `bench` map by someone else, when the client saw it. */
export function recordArrivals(clients: Client[], edits: Map<string, EditRecord>): void {
  for (const client of clients) {
    client.doc.getMap<unknown>('bench').observe((event) => {
      if (event.transaction.local) return;
      const now = performance.now();
      for (const key of event.keysChanged) {
        const edit = edits.get(key);
        if (!edit) continue;
        edit.received++;
        edit.first = Math.min(edit.first, now);
        edit.last = Math.max(edit.last, now);
      }
    });
  }
}

/** The measured edits' deliveries and latencies: first = earliest receiver − send, all = last receiver − send. */
export function deliveries(measured: EditRecord[]): {
  expected: number;
  delivered: number;
  firstSamples: number[];
  allSamples: number[];
} {
  return {
    expected: measured.reduce((sum, e) => sum + e.expected, 0),
    delivered: measured.reduce((sum, e) => sum + Math.min(e.received, e.expected), 0),
    firstSamples: measured.filter((e) => e.received > 0).map((e) => e.first - e.sentAt),
    allSamples: measured.filter((e) => e.received >= e.expected).map((e) => e.last - e.sentAt),
  };
}

/** Closes every client's provider and document. */
export function closeClients(clients: Client[]): void {
  for (const client of clients) {
    client.provider.destroy();
    client.doc.destroy();
  }
}
