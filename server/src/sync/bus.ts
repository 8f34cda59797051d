import crypto from 'node:crypto';
import type { Sql } from '../db/connect.js';

/** Rows `from..to` of `board_updates` were written for this board. */
export interface WrittenRows {
  boardId: string;
  from: string;
  to: string;
}

/** What nodes tell each other about boards. Small by design: receivers read the rows themselves. */
export type BusMessage =
  /** Rows written for these boards (one message per group commit, not one per board). */
  | { kind: 'updates'; node: string; boards: WrittenRows[] }
  /** An awareness (presence) change, base64; ephemeral, so it travels in the message itself. */
  | { kind: 'awareness'; node: string; boardId: string; update: string }
  /** A member's role changed or they left (`userId`), or the board was deleted (`userId` null). */
  | { kind: 'membership'; node: string; boardId: string; userId: string | null }
  /** A server-authoritative board event (votes, assignments, activity) for socket.io rooms. */
  | { kind: 'event'; node: string; boardId: string; event: string; payload: unknown };

/** Publish/subscribe between the nodes serving one database. */
export interface Bus {
  /** This node's id; messages carry it so a node can skip its own. */
  readonly nodeId: string;
  publish(message: BusMessage): Promise<void>;
  /** Registers a handler for every message, this node's own included. */
  subscribe(handler: (message: BusMessage) => void): void;
  close(): Promise<void>;
}

/** NOTIFY refuses payloads of 8000 bytes or more. */
export const MAX_BUS_PAYLOAD = 7900;
const CHANNEL = 'paperboard_bus';

/** Single node (embedded mode): delivery is a function call. */
export class InProcessBus implements Bus {
  readonly nodeId = crypto.randomUUID();
  private readonly handlers: ((message: BusMessage) => void)[] = [];

  async publish(message: BusMessage): Promise<void> {
    // Asynchronous like the real bus, so callers cannot come to rely on re-entrant delivery.
    queueMicrotask(() => this.handlers.forEach((handler) => handler(message)));
  }

  subscribe(handler: (message: BusMessage) => void): void {
    this.handlers.push(handler);
  }

  async close(): Promise<void> {
    this.handlers.length = 0;
  }
}

/**
 * Any number of nodes on one PostgreSQL: LISTEN/NOTIFY on one channel. (pglite-socket does not carry
 * notifications, which is why embedded mode is single-node.) Messages too large for NOTIFY are dropped
 * with an error: callers keep them small.
 */
export class PostgresBus implements Bus {
  readonly nodeId = crypto.randomUUID();
  private readonly handlers: ((message: BusMessage) => void)[] = [];
  private unlisten: (() => Promise<void>) | null = null;

  constructor(
    private readonly sql: Sql,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Starts listening; resolves once the LISTEN is in place. */
  async start(): Promise<void> {
    const listener = await this.sql.listen(CHANNEL, (payload) => {
      let message: BusMessage;
      try {
        message = JSON.parse(payload) as BusMessage;
      } catch (error) {
        this.onError(error);
        return;
      }
      for (const handler of this.handlers) handler(message);
    });
    this.unlisten = listener.unlisten;
  }

  async publish(message: BusMessage): Promise<void> {
    const payload = JSON.stringify(message);
    if (Buffer.byteLength(payload) > MAX_BUS_PAYLOAD) {
      this.onError(new Error(`bus message of ${payload.length} bytes dropped (${message.kind})`));
      return;
    }
    await this.sql.notify(CHANNEL, payload);
  }

  subscribe(handler: (message: BusMessage) => void): void {
    this.handlers.push(handler);
  }

  async close(): Promise<void> {
    const unlisten = this.unlisten;
    this.unlisten = null;
    // Shutting down with the database already gone must not fail the shutdown.
    await unlisten?.().catch((error: unknown) => this.onError(error));
  }
}
