import * as Y from 'yjs';
import { boardView } from '../../../shared/protocol/board-doc/view.js';
import { replaceProjection } from '../features/cards/cards.repository.js';
import { recordActivities } from '../features/activity/activity.repository.js';
import type { ActivityEntry } from '../../../shared/schemas/activity.js';
import * as awarenessProtocol from 'y-protocols/awareness';
import type { FastifyBaseLogger } from 'fastify';
import type { Sql } from '../db/connect.js';
import { CLOSE_CODES } from '../../../shared/protocol/close-codes.js';
import { loadBoardUpdates, readBoardUpdates } from './board-updates.repository.js';
import { endsSession, MAX_BUS_PAYLOAD, type Bus, type SessionsEnded, type WrittenRows } from './bus.js';
import { checkUpdate, isUnguarded, replicaOf, type Sender, type Verdict } from './integrity.js';
import type { SyncMetrics } from './metrics.js';
import { UpdateMerger } from './merger.js';
import { UpdateLog, UpdateWriter } from './persistence.js';
import {
  awarenessMessage,
  decodeAwareness,
  encodeAwareness,
  syncStep1Message,
  syncStep2Message,
  updateMessage,
  type AwarenessEntry,
} from './protocol.js';
import type { SyncSettings } from './settings.js';
import type { SyncConnection } from './connection.js';
import { BoardActivity } from './board-activity.js';

/**
 * One loaded board: the live document, its awareness, the connections on it and its update log.
 * Everything here is synchronous; only the log talks to the database.
 */
/** Origin of updates and awareness changes that arrived from another node over the bus. */
export const REMOTE = Symbol('remote');

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

/** What {@link BoardDoc.receiveUpdate} decides: the integrity check's verdict, or the size limit's. */
export type UpdateVerdict = Verdict | { kind: 'full'; bytes: number };

/** Board entries per bus message: about 105 bytes each, within what one NOTIFY carries. */
const ROWS_PER_MESSAGE = 60;

/**
 * Updates the shadow replica may lag behind before it is rebuilt instead: catching up on a few is
 * cheaper than re-encoding the document, catching up on many is not.
 */
const SHADOW_BACKLOG_MAX = 64;

/** The document maps the projection is derived from. */
const PROJECTED_MAPS = ['columns', 'cards', 'comments'] as const;

export class BoardDoc {
  readonly doc = new Y.Doc();
  /** Called with awareness changes made by this node's connections, to share them with other nodes. */
  onLocalAwareness: (update: Uint8Array) => void = () => {};
  readonly awareness: awarenessProtocol.Awareness;
  readonly connections = new Set<SyncConnection>();
  idleTimer: NodeJS.Timeout | null = null;
  /** Records what this node's connections change in the activity log (set once loaded). */
  activity: BoardActivity | null = null;
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

  constructor(
    readonly boardId: string,
    readonly log: UpdateLog,
    private readonly metrics: SyncMetrics,
    stored: Uint8Array[],
    /** Read at each update, like the other sync settings, so that a change applies to loaded boards too. */
    private readonly limits: Pick<SyncSettings, 'maxDocBytes'> = { maxDocBytes: Number.POSITIVE_INFINITY },
  ) {
    this.bytes = stored.reduce((sum, update) => sum + update.byteLength, 0);
    // Applied before the listeners exist: loading is neither broadcast nor written back.
    this.doc.transact(() => {
      for (const update of stored) Y.applyUpdate(this.doc, update);
    });
    // The projection holds columns, cards and comment counts: updates that touch none of them (other
    // keys an outside client may keep in the document) need no rewrite of it.
    for (const name of PROJECTED_MAPS) {
      this.doc.getMap(name).observeDeep(() => {
        this.projectionStale = true;
      });
    }
    this.awareness = new awarenessProtocol.Awareness(this.doc);
    this.awareness.setLocalState(null);
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      this.greeting = null;
      this.step2Cache.clear();
      this.bytes += update.byteLength;
      // Another node stored it already.
      if (origin !== REMOTE) this.log.append(update);
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
        if (origin && typeof origin === 'object' && this.connections.has(origin as SyncConnection)) {
          const owner = origin as SyncConnection;
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
  receiveUpdate(connection: SyncConnection, update: Uint8Array, sender: Sender): UpdateVerdict {
    const { maxDocBytes } = this.limits;
    if (this.bytes + update.byteLength > maxDocBytes) {
      // Near the limit, count only what is new to the document (a reconnecting client's step 2 repeats
      // what the server has); deletions alone only make it smaller.
      const fresh = Y.diffUpdate(update, Y.encodeStateVector(this.doc));
      if (this.bytes + fresh.byteLength > maxDocBytes && Y.decodeUpdate(fresh).structs.length > 0) {
        return { kind: 'full', bytes: this.bytes };
      }
    }
    // Most edits (card moves, columns) cannot touch what the check compares: applied once, not twice.
    if (isUnguarded(this.doc, update)) {
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
   * Applies a client's awareness update after stamping each state with the connection's user (a
   * client cannot claim another identity) and dropping entries for client ids another connection owns.
   */
  receiveAwareness(connection: SyncConnection, update: Uint8Array): void {
    const owners = new Map<number, SyncConnection>();
    for (const other of this.connections) for (const id of other.awarenessClients) owners.set(id, other);
    const entries: AwarenessEntry[] = [];
    for (const entry of decodeAwareness(update)) {
      const owner = owners.get(entry.clientId);
      if (owner && owner !== connection) continue;
      if (!owner && entry.clientId === this.doc.clientID) continue;
      const state = entry.state === null ? null : { ...entry.state, user: connection.identity };
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
  remove(connection: SyncConnection): void {
    if (!this.connections.delete(connection)) return;
    const owned = [...connection.awarenessClients];
    if (owned.length > 0) awarenessProtocol.removeAwarenessStates(this.awareness, owned, null);
  }

  /** Asks the client for everything the server lacks (answered by its sync step 2). */
  requestFullSync(connection: SyncConnection): void {
    connection.send(syncStep1Message(this.doc));
  }

  /** Something the projection shows changed since the last rewrite was scheduled. */
  private projectionStale = false;
  private projectionTimer: NodeJS.Timeout | null = null;
  private project: (() => Promise<void>) | null = null;

  /** Rewrites the projection with `run` after `delayMs`, once for any number of calls meanwhile. */
  scheduleProjection(run: () => Promise<void>, delayMs: number): void {
    if (!this.projectionStale) return;
    this.projectionStale = false;
    this.project = run;
    this.projectionTimer ??= setTimeout(() => void this.flushProjection(), delayMs);
  }

  /** Runs a scheduled projection rewrite now (before unloading, so the last edits are projected). */
  async flushProjection(): Promise<void> {
    if (this.projectionTimer) clearTimeout(this.projectionTimer);
    this.projectionTimer = null;
    const run = this.project;
    this.project = null;
    await run?.();
  }

  destroy(): void {
    if (this.projectionTimer) clearTimeout(this.projectionTimer);
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

/**
 * The loaded board documents: one per active board, loaded once however many clients join at the
 * same time, flushed and unloaded `idleUnloadMs` after the last client left.
 *
 * The database copy is only ever appended to (and compacted from its own rows), never overwritten from
 * memory, so a document that failed to load cannot clobber it: it is simply not kept.
 */
export class BoardDocs {
  private readonly docs = new Map<string, BoardDoc>();
  private readonly loading = new Map<string, Promise<BoardDoc>>();
  private closing = false;
  /** The group commit shared by every board of this node. */
  private readonly writer: UpdateWriter;
  /** Merges logs for compaction off the main thread. */
  private readonly merger = new UpdateMerger();

  constructor(
    private readonly sql: Sql,
    readonly settings: SyncSettings,
    private readonly metrics: SyncMetrics,
    private readonly log: FastifyBaseLogger,
    private readonly bus: Bus,
    /** Announces an activity entry derived from a board document (`activity:new` on every node). */
    private readonly publishActivity: (entry: ActivityEntry) => Promise<void>,
  ) {
    this.writer = new UpdateWriter(sql, settings, log);
    bus.subscribe((message) => {
      // Membership changes come from any node, this one included: every node drops the sockets it holds.
      if (message.kind === 'membership') {
        this.disconnectMember(message.boardId, message.userId);
        return;
      }
      if (message.kind === 'sessions') {
        this.disconnectSessions(message);
        return;
      }
      if (message.node === bus.nodeId) return;
      if (message.kind === 'updates') {
        for (const rows of message.boards) {
          this.receiveRows(rows).catch((error: unknown) =>
            this.log.error({ err: error, boardId: rows.boardId }, 'sync: reading rows another node wrote failed'),
          );
        }
      } else if (message.kind === 'awareness') {
        this.docs.get(message.boardId)?.applyRemoteAwareness(Buffer.from(message.update, 'base64'));
      }
    });
  }

  private async receiveRows(rows: WrittenRows): Promise<void> {
    // Boards not loaded here have nothing to update: they load the rows when someone joins.
    const board = this.docs.get(rows.boardId);
    if (!board) return;
    const updates = await readBoardUpdates(this.sql, rows.boardId, rows);
    if (this.docs.get(rows.boardId) === board) board.applyRemote(updates);
  }

  /** Rows written by the group commit in progress, announced together once it is done. */
  private announcing: { rows: WrittenRows[]; sent: Promise<void> } | null = null;

  /**
   * Tells the other nodes which rows a board got. Every board written by one group commit is announced
   * in one message (a few, past what one NOTIFY holds), so a busy node sends one per tick, not one per
   * board; resolves once the message is sent.
   */
  private announceRows(rows: WrittenRows): Promise<void> {
    if (!this.announcing) {
      const batch: WrittenRows[] = [];
      // The boards of one write record their rows in the same turn of the event loop.
      const sent = new Promise((resolve) => setImmediate(resolve)).then(async () => {
        this.announcing = null;
        for (let start = 0; start < batch.length; start += ROWS_PER_MESSAGE) {
          const boards = batch.slice(start, start + ROWS_PER_MESSAGE);
          await this.bus.publish({ kind: 'updates', node: this.bus.nodeId, boards });
        }
      });
      this.announcing = { rows: batch, sent };
    }
    this.announcing.rows.push(rows);
    return this.announcing.sent;
  }

  /** Number of documents in memory. */
  get loadedCount(): number {
    return this.docs.size;
  }

  /** Whether the thread that merges logs for compaction is up (started ahead of the first compaction). */
  get mergeThreadRunning(): boolean {
    return this.merger.running;
  }

  /** Largest update log among loaded boards, in rows. */
  get maxLogRows(): number {
    let max = 0;
    for (const board of this.docs.values()) max = Math.max(max, board.log.rows);
    return max;
  }

  /** The loaded document of a board, if any (for tests and diagnostics). */
  peek(boardId: string): Y.Doc | null {
    return this.docs.get(boardId)?.doc ?? null;
  }

  /** Whether new connections are still accepted. */
  get accepting(): boolean {
    return !this.closing;
  }

  /** Loads the board (or joins its pending load) and attaches the connection to it. */
  join(connection: SyncConnection): void {
    this.acquire(connection.boardId).then(
      (board) => {
        if (this.closing) {
          connection.close(CLOSE_CODES.goingAway);
          return;
        }
        if (connection.closed) {
          this.scheduleUnload(board);
          return;
        }
        if (board.idleTimer) clearTimeout(board.idleTimer);
        board.idleTimer = null;
        board.connections.add(connection);
        connection.attach(board);
      },
      (error: unknown) => {
        this.log.error({ err: error, boardId: connection.boardId }, 'sync: loading the board document failed');
        connection.close(CLOSE_CODES.unavailable);
      },
    );
  }

  /** Detaches a closed connection; the board unloads once idle. */
  leave(connection: SyncConnection, board: BoardDoc): void {
    board.remove(connection);
    this.scheduleUnload(board);
  }

  /**
   * Closes the connections of a member (all members when `userId` is null) on a board, so that they
   * reconnect and are authorised again with their new role, or refused.
   */
  disconnectMember(boardId: string, userId: string | null): void {
    const board = this.docs.get(boardId);
    if (!board) return;
    for (const connection of [...board.connections]) {
      if (userId === null || connection.identity.id === userId) connection.close(CLOSE_CODES.membershipChanged);
    }
  }

  /** Closes every connection, on any board, opened with one of the sessions `ended` names. */
  disconnectSessions(ended: SessionsEnded): void {
    for (const board of this.docs.values()) {
      for (const connection of [...board.connections]) {
        if (endsSession(ended, connection.identity.id, connection.sessionHash)) {
          connection.close(CLOSE_CODES.sessionEnded);
        }
      }
    }
  }

  /**
   * Makes a change to a board's document on the server (loading it if needed) and resolves once the
   * change is stored. The change runs synchronously on the live document, so it sees every update
   * applied before it; helpers that refuse (BoardDocError) write nothing.
   */
  async edit<T>(boardId: string, origin: ServerEdit, change: (doc: Y.Doc) => T): Promise<T> {
    if (this.closing) throw new Error('sync server is shutting down');
    const board = await this.acquire(boardId);
    try {
      const result = board.edit(origin, change);
      await board.log.flush();
      return result;
    } finally {
      this.scheduleUnload(board);
    }
  }

  /** Writes every queued update of every loaded board. */
  async flushAll(): Promise<void> {
    await Promise.all([...this.docs.values()].map((board) => board.log.flush()));
  }

  /** Closes every connection, flushes every board and unloads everything (shutdown). */
  async closeAll(): Promise<void> {
    this.closing = true;
    await Promise.allSettled([...this.loading.values()]);
    const boards = [...this.docs.values()];
    this.docs.clear();
    await Promise.all(
      boards.map(async (board) => {
        for (const connection of [...board.connections]) connection.close(CLOSE_CODES.goingAway);
        try {
          await board.log.flush();
          await board.flushProjection();
        } catch (error) {
          this.log.error(
            { err: error, boardId: board.boardId },
            'sync: final flush failed; clients resend on reconnect',
          );
        }
        // Never rejects: its failures are logged where they happen.
        await board.activity?.flush();
        board.destroy();
      }),
    );
    await this.merger.close();
  }

  private acquire(boardId: string): Promise<BoardDoc> {
    const loaded = this.docs.get(boardId);
    if (loaded) return Promise.resolve(loaded);
    const pending = this.loading.get(boardId);
    if (pending) return pending;
    const load = this.load(boardId).finally(() => this.loading.delete(boardId));
    this.loading.set(boardId, load);
    return load;
  }

  private async load(boardId: string): Promise<BoardDoc> {
    const updates = await loadBoardUpdates(this.sql, boardId);
    if (this.closing) throw new Error('sync server is shutting down');
    this.merger.warmUpFor(updates.reduce((sum, update) => sum + update.byteLength, 0));
    const log = new UpdateLog(
      this.writer,
      this.merger,
      this.sql,
      boardId,
      this.settings,
      this.metrics,
      this.log,
      updates.length,
    );
    const board = new BoardDoc(boardId, log, this.metrics, updates, this.settings);
    board.activity = new BoardActivity(
      board,
      { record: (entries) => recordActivities(this.sql, entries), publish: this.publishActivity },
      this.log,
    );
    log.onGone = () => this.discard(board);
    log.onWritten = async (range, appended) => {
      await this.announceRows({ boardId, ...range });
      if (!appended) return;
      board.scheduleProjection(
        () =>
          replaceProjection(this.sql, boardId, boardView(board.doc)).catch((error: unknown) =>
            this.log.warn({ err: error, boardId }, 'sync: refreshing the projection failed'),
          ),
        this.settings.projectionDelayMs,
      );
    };
    board.onLocalAwareness = (update) => {
      const encoded = Buffer.from(update).toString('base64');
      // Presence too large for one NOTIFY stays local rather than failing the bus.
      if (encoded.length > MAX_BUS_PAYLOAD - 200) return;
      void this.bus
        .publish({ kind: 'awareness', node: this.bus.nodeId, boardId, update: encoded })
        .catch((error: unknown) => this.log.warn({ err: error, boardId }, 'sync: publishing presence failed'));
    };
    this.docs.set(boardId, board);
    return board;
  }

  /**
   * Drops the document of a board deleted from the database (found when its rows were refused): its
   * clients are disconnected (reconnecting, they are refused like any non-member) and nothing of it is
   * written again.
   */
  private discard(board: BoardDoc): void {
    if (this.docs.get(board.boardId) !== board) return;
    this.docs.delete(board.boardId);
    for (const connection of [...board.connections]) connection.close(CLOSE_CODES.membershipChanged);
    board.destroy();
  }

  private scheduleUnload(board: BoardDoc): void {
    if (board.connections.size > 0 || board.idleTimer || this.docs.get(board.boardId) !== board) return;
    board.idleTimer = setTimeout(() => {
      board.idleTimer = null;
      void this.unload(board);
    }, this.settings.idleUnloadMs);
  }

  private async unload(board: BoardDoc): Promise<void> {
    try {
      await board.log.flush();
      await board.flushProjection();
    } catch (error) {
      this.log.error({ err: error, boardId: board.boardId }, 'sync: flush before unload failed; keeping the document');
      this.scheduleUnload(board);
      return;
    }
    // A client may have joined while the flush ran; it keeps the document.
    if (board.connections.size > 0 || board.log.pending || this.docs.get(board.boardId) !== board) return;
    this.docs.delete(board.boardId);
    board.destroy();
  }
}
