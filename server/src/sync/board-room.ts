import crypto from 'node:crypto';
import * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import type { CloseCode } from '#shared/protocol/close-codes.js';
import { userColor } from '#shared/protocol/user-color.js';
import { checkUpdate, isUnguarded, replicaOf, type Sender, type Verdict } from './integrity.js';
import type { SyncMetrics } from './metrics.js';
import type { UpdateLog } from './persistence.js';
import {
  awarenessMessage,
  decodeAwareness,
  encodeAwareness,
  syncStep1Message,
  syncStep2Message,
  updateMessage,
  type AwarenessEntry,
} from './protocol.js';

/**
 * What a room needs of a client connection (`SyncConnection` is the one kind): declared here so that
 * the room, which holds connections, does not depend on the connection, which handles their frames.
 */
export interface RoomPeer {
  readonly boardId: string;
  /** The room it joins: the board id, or `<boardId>/notes/<cardId>` for a card's note (see {@link roomKey}). */
  readonly roomKey: string;
  readonly closed: boolean;
  /** Awareness client ids this peer has published. */
  readonly awarenessClients: Set<number>;
  /** The user as other clients see them in awareness. */
  readonly identity: { id: string; name: string };
  /** SHA-256 (hex) of the session the peer was opened with. */
  readonly sessionHash: string;
  send(message: Uint8Array): void;
  close(code: CloseCode): void;
  /** Called once the room is loaded and the peer has joined it. */
  attach(room: BoardRoom): void;
}

/** Origin of updates and awareness changes that arrived from another node over the bus. */
const REMOTE = Symbol('remote');

/**
 * Origin of an edit the server makes for a signed-in user through a REST route (for instance adding a
 * paper from the library), so that listeners can tell who made it.
 */
export class ServerEdit {
  constructor(readonly userId: string) {}
}

const EMPTY_STATE_VECTOR = Y.encodeStateVector(new Map());

/** Answers to sync step 1 kept per document version, by the state vector they answer. */
const STEP2_CACHE_ENTRIES = 8;

/** What {@link BoardRoom.receiveUpdate} decides: the integrity check's verdict, or the size limit's. */
type UpdateVerdict = Verdict | { kind: 'full'; bytes: number };

/**
 * Updates the shadow replica may lag behind before it is rebuilt instead: catching up on a few is
 * cheaper than re-encoding the document, catching up on many is not.
 */
const SHADOW_BACKLOG_MAX = 64;

/**
 * The key of a room: a board's own document is keyed by the board id (as before notes existed, so the
 * bus messages and advisory locks of older nodes still agree), a card's note by `<boardId>/notes/<cardId>`,
 * which is also its y-websocket room name.
 */
export function roomKey(boardId: string, docName: string): string {
  return docName === '' ? boardId : `${boardId}/${docName}`;
}

/** What a room needs to know of the document it holds besides its log. */
export interface RoomOptions {
  /**
   * Size limit of the document, read at each update like the other sync settings, so that a change
   * applies to loaded rooms too.
   */
  maxDocBytes: () => number;
  /**
   * Whether updates go through the board document's integrity rules (authorship of cards and comments).
   * A note has no such rules: any writer of the board may write any part of it.
   */
  checked: boolean;
}

const UNLIMITED: RoomOptions = { maxDocBytes: () => Number.POSITIVE_INFINITY, checked: true };

/**
 * One loaded document of a board (its own, or a card's note), the room its clients share: the live
 * document, its awareness, the connections on it, the integrity check of what they send, and its update
 * log. Everything here is synchronous; only the log talks to the database. What else happens to a board
 * (projection, activity, the other nodes) is attached by the registry's extensions.
 */
export class BoardRoom {
  readonly doc = new Y.Doc();
  /** Called with awareness changes made by this node's connections, to share them with other nodes. */
  onLocalAwareness: (update: Uint8Array) => void = () => {};
  /**
   * Called with each update made on this node (a connection's or a REST edit), numbered in this room's
   * `stream`, as soon as it is applied and before it is stored: the other nodes may get it at once.
   */
  onLocalUpdate: (update: Uint8Array, seq: number) => void = () => {};
  /** Names this room's local updates as loaded on this node; other nodes track what they got by it. */
  readonly stream = crypto.randomUUID();
  /** Number of the last local update (see `stream`). */
  private localSeq = 0;
  readonly awareness: awarenessProtocol.Awareness;
  readonly connections = new Set<RoomPeer>();
  idleTimer: NodeJS.Timeout | null = null;
  /**
   * Replica used to check updates before they reach `doc`, built when first needed and dropped after a
   * refusal. It lags behind `doc` by `shadowBacklog`, the updates applied without it, which it catches
   * up on before the next check; past SHADOW_BACKLOG_MAX of them it is dropped and rebuilt instead.
   */
  private shadow: Y.Doc | null = null;
  private shadowBacklog: Uint8Array[] = [];
  /**
   * The document's size as the bytes of the updates it is made of: the stored rows at load, then every
   * update applied. An upper bound (deleted content is not subtracted until the next load), cheap to keep.
   */
  bytes: number;

  /** The document's name within its board: '' for the board's own, `notes/<cardId>` for a note. */
  readonly docName: string;
  /** This room's key (see {@link roomKey}). */
  readonly key: string;

  constructor(
    readonly boardId: string,
    readonly log: UpdateLog,
    private readonly metrics: SyncMetrics,
    stored: Uint8Array[],
    private readonly options: RoomOptions = UNLIMITED,
  ) {
    this.docName = log.doc;
    this.key = roomKey(boardId, log.doc);
    this.bytes = stored.reduce((sum, update) => sum + update.byteLength, 0);
    // Applied before the listeners exist: loading is neither broadcast nor written back.
    this.doc.transact(() => {
      for (const update of stored) Y.applyUpdate(this.doc, update);
    });
    this.awareness = new awarenessProtocol.Awareness(this.doc);
    this.awareness.setLocalState(null);
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      this.greeting = null;
      this.step2Cache.clear();
      this.bytes += update.byteLength;
      // An update from another node is stored by that node.
      if (origin !== REMOTE) {
        this.localSeq += 1;
        this.log.append(update, this.localSeq);
        this.onLocalUpdate(update, this.localSeq);
      }
      this.metrics.updatesIn.inc();
      const message = updateMessage(update);
      for (const connection of this.connections) {
        if (connection === origin) continue;
        connection.send(message);
        this.metrics.updatesOut.inc();
      }
    });
    this.awareness.on(
      'update',
      (changes: { added: number[]; updated: number[]; removed: number[] }, origin: unknown) => {
        const changed = [...changes.added, ...changes.updated, ...changes.removed];
        if (origin && typeof origin === 'object' && this.connections.has(origin as RoomPeer)) {
          const owner = origin as RoomPeer;
          for (const id of changes.added) owner.awarenessClients.add(id);
          for (const id of changes.removed) owner.awarenessClients.delete(id);
        }
        const encoded = awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed);
        const message = awarenessMessage(encoded);
        for (const connection of this.connections) connection.send(message);
        if (origin !== REMOTE) this.onLocalAwareness(encoded);
      },
    );
  }

  /**
   * Checks a client's update and applies it (which broadcasts and queues it) when allowed. An update
   * that depends on state the server lacks is not applied: the sender is asked for a full diff instead.
   */
  receiveUpdate(connection: RoomPeer, update: Uint8Array, sender: Sender): UpdateVerdict {
    const maxDocBytes = this.options.maxDocBytes();
    if (this.bytes + update.byteLength > maxDocBytes) {
      // Near the limit, count only what is new to the document (a reconnecting client's step 2 repeats
      // what the server has); deletions alone only make it smaller.
      const fresh = Y.diffUpdate(update, Y.encodeStateVector(this.doc));
      if (this.bytes + fresh.byteLength > maxDocBytes && Y.decodeUpdate(fresh).structs.length > 0) {
        return { kind: 'full', bytes: this.bytes };
      }
    }
    // Most edits (card moves, columns) cannot touch what the check compares: applied once, not twice.
    if (!this.options.checked || isUnguarded(this.doc, update)) {
      Y.applyUpdate(this.doc, update, connection);
      this.shadowLacks(update);
      return { kind: 'ok' };
    }
    this.shadow ??= replicaOf(this.doc);
    for (const missed of this.shadowBacklog.splice(0)) Y.applyUpdate(this.shadow, missed);
    let verdict: Verdict;
    try {
      verdict = checkUpdate(this.doc, this.shadow, update, sender);
    } catch (error) {
      this.dropShadow();
      throw error;
    }
    if (verdict.kind === 'ok') Y.applyUpdate(this.doc, update, connection);
    else this.dropShadow();
    return verdict;
  }

  /**
   * Applies a client's awareness update after stamping each state with the connection's user and their
   * colour (a client cannot claim another identity) and dropping entries for client ids another connection owns.
   */
  receiveAwareness(connection: RoomPeer, update: Uint8Array): void {
    const owners = new Map<number, RoomPeer>();
    for (const other of this.connections) for (const id of other.awarenessClients) owners.set(id, other);
    const entries: AwarenessEntry[] = [];
    for (const entry of decodeAwareness(update)) {
      const owner = owners.get(entry.clientId);
      if (owner && owner !== connection) continue;
      if (!owner && entry.clientId === this.doc.clientID) continue;
      const state =
        entry.state === null
          ? null
          : { ...entry.state, user: { ...connection.identity, ...userColor(connection.identity.id) } };
      entries.push({ ...entry, state });
    }
    if (entries.length > 0) {
      awarenessProtocol.applyAwarenessUpdate(this.awareness, encodeAwareness(entries), connection);
    }
  }

  /** Runs a server-side change in one transaction, broadcast and logged like a client's update. */
  edit<T>(origin: ServerEdit, change: (doc: Y.Doc) => T): T {
    const result = this.doc.transact(() => change(this.doc), origin);
    // The shadow replica did not see this change; it is rebuilt from the document on the next check.
    this.dropShadow();
    return result;
  }

  /** Applies updates another node stored; they reach this node's clients like any other. */
  applyRemote(updates: Uint8Array[]): void {
    for (const update of updates) {
      Y.applyUpdate(this.doc, update, REMOTE);
      this.shadowLacks(update);
    }
  }

  /** Applies presence from another node (already stamped with identities by that node). */
  applyRemoteAwareness(update: Uint8Array): void {
    awarenessProtocol.applyAwarenessUpdate(this.awareness, update, REMOTE);
  }

  /** The whole document as a sync step 2 and the state vector it brings a client to, until the next update. */
  private greeting: { message: Uint8Array; stateVector: Map<number, number> } | null = null;

  /**
   * The whole document for a new connection's greeting, encoded once per version of the document: a
   * board that many clients (re)join at once, after a restart say, is not encoded once for each.
   */
  fullState(): { message: Uint8Array; stateVector: Map<number, number> } {
    this.greeting ??= {
      message: syncStep2Message(this.doc, EMPTY_STATE_VECTOR),
      stateVector: Y.decodeStateVector(Y.encodeStateVector(this.doc)),
    };
    return this.greeting;
  }

  private readonly step2Cache = new Map<string, Uint8Array>();

  /**
   * The answer to a client's sync step 1: what a peer with `stateVector` lacks. Encoded once per version
   * of the document and state vector, so that repeated requests (many clients joining at once, or one
   * client asking again and again) share one buffer instead of each building a copy of the document.
   */
  syncAnswer(stateVector: Uint8Array): Uint8Array {
    if (Y.decodeStateVector(stateVector).size === 0) return this.fullState().message;
    const key = Buffer.from(stateVector).toString('base64');
    let answer = this.step2Cache.get(key);
    if (!answer) {
      answer = syncStep2Message(this.doc, stateVector);
      if (this.step2Cache.size >= STEP2_CACHE_ENTRIES) this.step2Cache.delete(this.step2Cache.keys().next().value!);
      this.step2Cache.set(key, answer);
    }
    return answer;
  }

  /** Every known awareness state, for a new connection or a query. */
  awarenessSnapshot(): Uint8Array | null {
    const clients = [...this.awareness.getStates().keys()];
    if (clients.length === 0) return null;
    return awarenessMessage(awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients));
  }

  /** Forgets a connection and the awareness states it owned. */
  remove(connection: RoomPeer): void {
    if (!this.connections.delete(connection)) return;
    const owned = [...connection.awarenessClients];
    if (owned.length > 0) awarenessProtocol.removeAwarenessStates(this.awareness, owned, null);
  }

  /** Asks the client for everything the server lacks (answered by its sync step 2). */
  requestFullSync(connection: RoomPeer): void {
    connection.send(syncStep1Message(this.doc));
  }

  /**
   * The user behind a transaction made on this node: one of its connections, or a REST route's
   * `ServerEdit`; null for updates from other nodes and the stored log (their actor is not known here).
   */
  actorOf(origin: unknown): string | null {
    if (origin instanceof ServerEdit) return origin.userId;
    return this.connections.has(origin as RoomPeer) ? (origin as RoomPeer).identity.id : null;
  }

  destroy(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.log.stop();
    this.awareness.destroy();
    this.doc.destroy();
    this.shadow?.destroy();
  }

  private dropShadow(): void {
    this.shadow?.destroy();
    this.shadow = null;
    this.shadowBacklog = [];
  }

  /** Records an update `doc` got and the shadow replica (if any) did not. */
  private shadowLacks(update: Uint8Array): void {
    if (!this.shadow) return;
    if (this.shadowBacklog.length >= SHADOW_BACKLOG_MAX) this.dropShadow();
    else this.shadowBacklog.push(update);
  }
}
