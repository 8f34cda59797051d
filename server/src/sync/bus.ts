import crypto from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { Sql } from '#server/db/sql.js';

const Id = Type.String({ minLength: 1, maxLength: 100 });
const RowId = Type.String({ pattern: '^[0-9]{1,19}$' });
/** A session token's SHA-256, hex. */
const SessionHash = Type.String({ pattern: '^[0-9a-f]{64}$' });

/** A sync room: a board id (its document), or `<boardId>/notes/<cardId>` (a card's note). */
const RoomKey = Type.String({ minLength: 1, maxLength: 200 });

/**
 * The local updates `first..last` of a room's stream (see the `update` message) that a batch of rows
 * holds; `whole` when every one of them was also sent in an `update` message.
 */
const StreamSpanSchema = Type.Object({
  stream: Id,
  first: Type.Integer({ minimum: 1 }),
  last: Type.Integer({ minimum: 1 }),
  whole: Type.Boolean(),
});

const WrittenRowsSchema = Type.Object({
  boardId: RoomKey,
  from: RowId,
  to: RowId,
  span: Type.Optional(StreamSpanSchema),
});

/**
 * Rows `from..to` of `board_updates` were written for this room (`boardId` is the room key). `span`, when
 * present, says they hold exactly the updates `first..last` of the writer's stream: a node that received
 * all of those in `update` messages has nothing to read, and one that sees a stream skip a span knows it
 * missed rows.
 */
export type WrittenRows = Static<typeof WrittenRowsSchema>;

/** A stream's span of updates, as a written-rows entry carries it. */
export type StreamSpan = Static<typeof StreamSpanSchema>;

const BusMessageSchema = Type.Union([
  Type.Object(
    { kind: Type.Literal('updates'), node: Id, boards: Type.Array(WrittenRowsSchema) },
    { description: 'Rows written for these boards (one message per group commit, not one per board).' },
  ),
  Type.Object(
    {
      kind: Type.Literal('update'),
      node: Id,
      updates: Type.Array(
        Type.Object({ boardId: RoomKey, stream: Id, seq: Type.Integer({ minimum: 1 }), update: Type.String() }),
        { minItems: 1 },
      ),
    },
    {
      description:
        'Document updates as a node received them from its clients, base64, sent at once (before they are ' +
        'stored), those of one turn of its event loop together. `boardId` is the room key; `stream` names ' +
        'the room as loaded on that node, `seq` numbers its local updates from 1.',
    },
  ),
  Type.Object(
    { kind: Type.Literal('node'), node: Id, state: Type.Union([Type.Literal('up'), Type.Literal('down')]) },
    {
      description:
        'A node is up (sent at start, every few seconds, and in answer to a newcomer) or going down: nodes ' +
        'send updates at once only while another node is there to hear them.',
    },
  ),
  Type.Object(
    { kind: Type.Literal('awareness'), node: Id, boardId: RoomKey, update: Type.String() },
    { description: 'An awareness (presence) change, base64; ephemeral, so it travels in the message itself.' },
  ),
  Type.Object(
    { kind: Type.Literal('membership'), node: Id, boardId: Id, userId: Type.Union([Id, Type.Null()]) },
    { description: "A member's role changed or they left (`userId`), or the board was deleted (`userId` null)." },
  ),
  Type.Object(
    {
      kind: Type.Literal('sessions'),
      node: Id,
      userId: Id,
      only: Type.Union([SessionHash, Type.Null()]),
      except: Type.Union([SessionHash, Type.Null()]),
    },
    {
      description:
        "A user's sessions ended: `only` that one (logout), else all but `except` (a password change keeps " +
        "the changer's; a reset ends all). Their realtime connections are closed on every node.",
    },
  ),
  Type.Object(
    { kind: Type.Literal('event'), node: Id, boardId: Id, event: Type.String(), payload: Type.Unknown() },
    { description: 'A server-authoritative board event (votes, assignments, activity) for socket.io rooms.' },
  ),
]);

/**
 * What nodes tell each other about boards: updates at once when they fit, and which rows were written
 * (receivers read those they did not get in full), presence, membership, sessions, socket.io events.
 */
export type BusMessage = Static<typeof BusMessageSchema>;

/** A `sessions` message: which sessions of a user ended. */
export type SessionsEnded = Extract<BusMessage, { kind: 'sessions' }>;

/** Whether a connection opened by `userId` with the session `sessionHash` is among those `message` ended. */
export function endsSession(message: SessionsEnded, userId: string, sessionHash: string): boolean {
  if (userId !== message.userId) return false;
  if (message.only !== null) return sessionHash === message.only;
  return sessionHash !== message.except;
}

// Messages come from other processes, possibly of another version during a rolling upgrade: each is
// checked before any handler sees it.
const isBusMessage = TypeCompiler.Compile(BusMessageSchema);

/**
 * A bus message from its wire form (JSON), checked against the schema; throws on anything else. Every
 * bus that carries messages between processes reads them through this.
 */
export function parseBusMessage(payload: string): BusMessage {
  const message: unknown = JSON.parse(payload);
  if (!isBusMessage.Check(message)) {
    const kind = (message as { kind?: unknown } | null)?.kind;
    throw new Error(
      `bus message refused: not a known message (kind ${JSON.stringify(kind)}): ${payload.slice(0, 200)}`,
    );
  }
  return message;
}

/** Hands a message to each handler; a handler's failure goes to `onError`, and the others still run. */
export function deliverTo(
  handlers: readonly ((message: BusMessage) => void)[],
  message: BusMessage,
  onError: (error: unknown) => void,
): void {
  for (const handler of handlers) {
    try {
      handler(message);
    } catch (error) {
      onError(error);
    }
  }
}

/** Publish/subscribe between the nodes serving one database. */
export interface Bus {
  /** This node's id; messages carry it so a node can skip its own. */
  readonly nodeId: string;
  /** Largest message (its JSON, bytes) this bus carries; a larger one is dropped with an error. */
  readonly maxPayloadBytes: number;
  publish(message: BusMessage): Promise<void>;
  /** Registers a handler for every message, this node's own included. */
  subscribe(handler: (message: BusMessage) => void): void;
  close(): Promise<void>;
}

/** NOTIFY refuses payloads of 8000 bytes or more. */
export const MAX_BUS_PAYLOAD = 7900;
const CHANNEL = 'paperboard_bus';

/** One process without a database to talk through (tests): delivery is a function call. */
export class InProcessBus implements Bus {
  readonly nodeId = crypto.randomUUID();
  readonly maxPayloadBytes = MAX_BUS_PAYLOAD;
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
 * Any number of nodes on one PostgreSQL: LISTEN/NOTIFY on one channel (embedded mode too, with its one
 * node). Messages too large for NOTIFY are dropped with an error: callers keep them small.
 */
export class PostgresBus implements Bus {
  readonly nodeId = crypto.randomUUID();
  readonly maxPayloadBytes = MAX_BUS_PAYLOAD;
  private readonly handlers: ((message: BusMessage) => void)[] = [];
  private unlisten: (() => Promise<void>) | null = null;

  constructor(
    private readonly sql: Sql,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Starts listening; resolves once the LISTEN is in place. */
  async start(): Promise<void> {
    const listener = await this.sql.listen(CHANNEL, (payload) => this.deliver(payload));
    this.unlisten = listener.unlisten;
  }

  /**
   * Hands a notification to every handler if it is a bus message; anything else, and a handler's
   * failure, goes to `onError` (a throw here would land in the database client's socket handling).
   */
  private deliver(payload: string): void {
    let message: BusMessage;
    try {
      message = parseBusMessage(payload);
    } catch (error) {
      this.onError(error);
      return;
    }
    deliverTo(this.handlers, message, this.onError);
  }

  async publish(message: BusMessage): Promise<void> {
    const payload = JSON.stringify(message);
    if (Buffer.byteLength(payload) > this.maxPayloadBytes) {
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
