import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import type { FastifyBaseLogger } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import { CLOSE_CODES, type CloseCode } from '#shared/protocol/close-codes.js';
import type { BoardRoom, RoomPeer } from './board-room.js';
import type { BoardRegistry } from './board-registry.js';
import type { Sender } from './integrity.js';
import type { SyncMetrics } from './metrics.js';
import { TokenBucket } from '#server/token-bucket.js';
import {
  MalformedMessageError,
  MESSAGE_AWARENESS,
  MESSAGE_QUERY_AWARENESS,
  MESSAGE_SYNC,
  SYNC_STEP_1,
  SYNC_STEP_2,
  SYNC_UPDATE,
  syncStep1Message,
} from './protocol.js';

/** Who is on the other end, as decided by the upgrade handler. */
interface ConnectionIdentity {
  userId: string;
  name: string;
  /** SHA-256 (hex) of the session token it was opened with: it closes when that session ends. */
  sessionHash: string;
  /** Viewers are connected read-only: they receive the document, their updates are ignored. */
  readOnly: boolean;
  canModerate: boolean;
}

const CLOSE_TIMEOUT_MS = 2000;

/** A sync step 1 frame starts with the two one-byte varints MESSAGE_SYNC, SYNC_STEP_1. */
function isSyncStep1(frame: Uint8Array): boolean {
  return frame[0] === MESSAGE_SYNC && frame[1] === SYNC_STEP_1;
}

/** The client's encoded state vector, raised to include what it has been sent already. */
function withKnown(stateVector: Uint8Array, sent: Map<number, number>): Uint8Array {
  const merged = Y.decodeStateVector(stateVector);
  for (const [client, clock] of sent) merged.set(client, Math.max(clock, merged.get(client) ?? 0));
  return Y.encodeStateVector(merged);
}

/**
 * One client on `/yjs/:boardId`, or on a card's note (`/yjs/:boardId/notes/:cardId`). Its `message`
 * listener is attached in the constructor, right after the upgrade, and buffers frames until the
 * document is loaded; then frames are handled one by one, synchronously, in order. Any protocol error closes this connection only.
 */
export class SyncConnection implements RoomPeer {
  /** Awareness client ids this connection has published (removed when it closes). */
  readonly awarenessClients = new Set<number>();
  closed = false;
  private board: BoardRoom | null = null;
  private buffered: Uint8Array[] = [];
  /** What the greeting already sent the client, until its own sync step 1 arrives. */
  private greetedWith: Map<number, number> | null = null;
  private readonly bucket: TokenBucket;
  private readonly sender: Sender;

  constructor(
    private readonly ws: WebSocket,
    readonly boardId: string,
    /** The room: `boardId`, or `<boardId>/notes/<cardId>`. */
    readonly roomKey: string,
    private readonly identityOf: ConnectionIdentity,
    private readonly docs: BoardRegistry,
    private readonly metrics: SyncMetrics,
    private readonly log: FastifyBaseLogger,
  ) {
    this.bucket = new TokenBucket(docs.settings.rateLimit);
    this.sender = { userId: identityOf.userId, canModerate: identityOf.canModerate };
    metrics.connections.inc();
    ws.on('message', (data: RawData) => this.onFrame(data));
    ws.on('error', (error) => this.log.debug({ err: error, boardId, room: roomKey }, 'sync: socket error'));
    ws.on('close', () => this.detach());
    docs.join(this);
  }

  /** What other clients see of this user in awareness states. */
  get identity(): { id: string; name: string } {
    return { id: this.identityOf.userId, name: this.identityOf.name };
  }

  /** SHA-256 (hex) of the session token it was opened with. */
  get sessionHash(): string {
    return this.identityOf.sessionHash;
  }

  /**
   * Called once the board is loaded: greets the client, then handles what arrived meanwhile. Unless
   * the client's sync step 1 is already here, the greeting carries the whole document as a sync step 2
   * too: a page opening the board then has it one round trip sooner, without waiting for its own
   * script to get round to asking (y-websocket applies an unasked step 2 like an answered one).
   */
  attach(board: BoardRoom): void {
    this.board = board;
    this.send(syncStep1Message(board.doc));
    if (!this.buffered.some(isSyncStep1)) {
      const { message, stateVector } = board.fullState();
      this.send(message);
      this.greetedWith = stateVector;
    }
    const awareness = board.awarenessSnapshot();
    if (awareness) this.send(awareness);
    const buffered = this.buffered;
    this.buffered = [];
    for (const message of buffered) {
      if (this.closed) return;
      this.handle(message);
    }
  }

  send(message: Uint8Array): void {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(message);
    // A client that does not read its socket would make the server hold every message meant for it.
    const limit = Math.max(this.docs.settings.maxBufferedBytes, 2 * (this.board?.bytes ?? 0));
    if (this.ws.bufferedAmount > limit) {
      this.metrics.refused.inc({ reason: 'not_reading' });
      this.log.warn(
        { boardId: this.boardId, room: this.roomKey, userId: this.identityOf.userId, buffered: this.ws.bufferedAmount },
        'sync: closing a connection that does not read what it is sent',
      );
      // A close frame would queue behind the rest: the socket is cut, and its buffers go with it.
      this.ws.terminate();
      this.detach();
    }
  }

  /** Closes with a shared close code; nothing more is read from or sent to this client. */
  close(code: CloseCode): void {
    if (this.closed) return;
    this.ws.close(code.code, code.reason);
    const timer = setTimeout(() => this.ws.terminate(), CLOSE_TIMEOUT_MS);
    timer.unref();
    this.ws.once('close', () => clearTimeout(timer));
    this.detach();
  }

  private detach(): void {
    if (this.closed) return;
    this.closed = true;
    this.buffered = [];
    this.metrics.connections.dec();
    if (this.board) this.docs.leave(this, this.board);
  }

  private refuse(code: CloseCode, reason: string, detail: Record<string, unknown> = {}): void {
    this.metrics.refused.inc({ reason });
    this.log.warn(
      { boardId: this.boardId, room: this.roomKey, userId: this.identityOf.userId, reason, ...detail },
      'sync: closing connection',
    );
    this.close(code);
  }

  private onFrame(data: RawData): void {
    if (this.closed) return;
    const message = Array.isArray(data) ? Buffer.concat(data) : new Uint8Array(data);
    if (message.byteLength > this.docs.settings.maxMessageBytes) {
      this.refuse(CLOSE_CODES.tooLarge, 'too_large', { bytes: message.byteLength });
      return;
    }
    if (!this.bucket.take()) {
      this.refuse(CLOSE_CODES.rateLimited, 'rate_limited');
      return;
    }
    if (this.board) this.handle(message);
    else this.buffered.push(message);
  }

  private handle(message: Uint8Array): void {
    try {
      this.dispatch(message);
    } catch (error) {
      this.refuse(CLOSE_CODES.malformed, 'malformed', { err: error });
    }
  }

  private dispatch(message: Uint8Array): void {
    const board = this.board!;
    const decoder = decoding.createDecoder(message);
    const type = decoding.readVarUint(decoder);
    switch (type) {
      case MESSAGE_SYNC:
        this.handleSync(board, decoder);
        return;
      case MESSAGE_AWARENESS:
        board.receiveAwareness(this, decoding.readVarUint8Array(decoder));
        return;
      case MESSAGE_QUERY_AWARENESS: {
        const snapshot = board.awarenessSnapshot();
        if (snapshot) this.send(snapshot);
        return;
      }
      default:
        throw new MalformedMessageError(`unknown message type ${type}`);
    }
  }

  private handleSync(board: BoardRoom, decoder: decoding.Decoder): void {
    const subtype = decoding.readVarUint(decoder);
    if (subtype === SYNC_STEP_1) {
      const stateVector = decoding.readVarUint8Array(decoder);
      // What the greeting sent reaches the client before this answer (one socket, in order): leave it out.
      const known = this.greetedWith ? withKnown(stateVector, this.greetedWith) : stateVector;
      this.greetedWith = null;
      this.send(board.syncAnswer(known));
      return;
    }
    if (subtype !== SYNC_STEP_2 && subtype !== SYNC_UPDATE)
      throw new MalformedMessageError(`unknown sync type ${subtype}`);
    const update = decoding.readVarUint8Array(decoder);
    if (this.identityOf.readOnly) {
      // Viewers stay connected (they still need the board) but nothing they send is applied. An empty
      // update (two zero varints) is what every client sends back on connecting and is not worth a log.
      if (update.byteLength > 2) {
        this.log.info(
          { boardId: this.boardId, room: this.roomKey, userId: this.identityOf.userId },
          'sync: ignored an update from a viewer',
        );
      }
      return;
    }
    const verdict = board.receiveUpdate(this, update, this.sender);
    if (verdict.kind === 'full') {
      this.refuse(CLOSE_CODES.boardFull, 'board_full', { bytes: verdict.bytes, update: update.byteLength });
    } else if (verdict.kind === 'refused') {
      this.refuse(CLOSE_CODES.forbidden, 'integrity', { detail: verdict.reason });
    } else if (verdict.kind === 'incomplete' && subtype === SYNC_UPDATE) {
      // Its dependencies were lost (e.g. a crash before they were written): the client's sync step 2
      // answering this carries everything the server lacks.
      board.requestFullSync(this);
    }
  }
}
