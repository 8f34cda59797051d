/** `ws://` or `wss://` and this page's host: where the board documents' connections go. */
export function webSocketOrigin(): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}`;
}

/** A board document connection opened before the app ran (early-socket.ts). */
export interface EarlySocket {
  /** The full `ws(s)://` URL it was opened with. */
  url: string;
  socket: WebSocket;
  /** Messages that arrived before the app took the socket over, in order. */
  received: MessageEvent[];
}

let early: EarlySocket | null = null;

/**
 * Leaves a board document connection opened before the app (see early-socket.ts) for the board's page
 * to take over; closed after `unclaimedMs` if nobody does, or dropped if it closes first.
 */
export function leaveEarlySocket(socket: EarlySocket, unclaimedMs: number): void {
  early = socket;
  socket.socket.onclose = () => {
    if (early === socket) early = null;
  };
  setTimeout(() => {
    if (early !== socket) return;
    early = null;
    socket.socket.close();
  }, unclaimedMs);
}

/**
 * y-websocket's `WebSocketPolyfill` for the board's document: the first socket asked for the URL the
 * early connection was opened with is that connection, if it is still connecting or open; every other
 * one (other boards, reconnections) is a new WebSocket. y-websocket sets its handlers right after
 * construction; what the early socket received meanwhile, and its `open` if it is already open, are
 * then replayed to them in order, before any later event can arrive.
 */
export class BoardWebSocket {
  constructor(url: string | URL, protocols?: string | string[]) {
    const taken = early;
    if (!taken || taken.url !== String(url) || taken.socket.readyState > WebSocket.OPEN) {
      return new WebSocket(url, protocols);
    }
    early = null;
    const { socket, received } = taken;
    socket.onmessage = null;
    socket.onclose = null;
    queueMicrotask(() => {
      if (socket.readyState === WebSocket.OPEN) socket.onopen?.(new Event('open'));
      for (const message of received) socket.onmessage?.(message);
    });
    return socket;
  }
}
