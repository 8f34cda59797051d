import type * as Y from 'yjs';
import type { FastifyBaseLogger } from 'fastify';
import type { Sql } from '#server/db/sql.js';
import { CLOSE_CODES } from '#shared/protocol/close-codes.js';
import { loadBoardUpdates, readBoardUpdates } from './board-updates.repository.js';
import { BoardRoom, roomKey, type RoomPeer, type ServerEdit } from './board-room.js';
import { endsSession, type Bus, type BusMessage, type SessionsEnded, type WrittenRows } from './bus.js';
import { RemoteStreams } from './remote-streams.js';
import { appliesTo, type BoardExtension } from './extensions.js';
import type { SyncMetrics } from './metrics.js';
import { UpdateMerger } from './merger.js';
import { UpdateLog, UpdateWriter } from './persistence.js';
import type { SyncSettings } from './settings.js';

/** A room key's board and document name (see {@link roomKey}). */
function parseRoomKey(key: string): { boardId: string; docName: string } {
  const slash = key.indexOf('/');
  return slash < 0 ? { boardId: key, docName: '' } : { boardId: key.slice(0, slash), docName: key.slice(slash + 1) };
}

/**
 * The registry of loaded documents: one room per active document (a board's own, or a card's note, each
 * keyed by {@link roomKey}), loaded once however many clients join at the same time, shared by them,
 * flushed and unloaded `idleUnloadMs` after the last client left. The extensions it is given are told of
 * the life (load, stored rows, unload) of the rooms they apply to (board documents unless they say so).
 *
 * The database copy is only ever appended to (and compacted from its own rows), never overwritten from
 * memory, so a document that failed to load cannot clobber it: it is simply not kept.
 */
export class BoardRegistry {
  private readonly docs = new Map<string, BoardRoom>();
  private readonly loading = new Map<string, Promise<BoardRoom>>();
  private closing = false;
  /** The group commit shared by every board of this node. */
  private readonly writer: UpdateWriter;
  /** Merges logs for compaction off the main thread. */
  private readonly merger = new UpdateMerger();
  /** What other nodes sent at once, and which of their rows are still to read. */
  private readonly remote = new RemoteStreams();
  private readonly backstopTimer: NodeJS.Timeout;

  constructor(
    private readonly sql: Sql,
    readonly settings: SyncSettings,
    private readonly metrics: SyncMetrics,
    private readonly log: FastifyBaseLogger,
    private readonly bus: Bus,
    private readonly extensions: BoardExtension[] = [],
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
        // `boardId` is the room key: a note's rows name `<boardId>/notes/<cardId>`, which nodes that
        // predate notes never have loaded, so they ignore them.
        for (const rows of message.boards) this.whenLoaded(rows.boardId, () => this.receiveRows(rows));
      } else if (message.kind === 'update') {
        for (const entry of message.updates) this.whenLoaded(entry.boardId, () => this.receiveUpdate(entry));
      } else if (message.kind === 'awareness') {
        this.docs.get(message.boardId)?.applyRemoteAwareness(Buffer.from(message.update, 'base64'));
      }
    });
    // What other nodes sent at once but did not announce as stored in time is stored here (see RemoteStreams).
    this.backstopTimer = setInterval(() => this.storeOverdue(), Math.max(250, settings.remoteBackstopMs / 4));
    this.backstopTimer.unref();
  }

  /**
   * Runs `handle` for a message about the room `key` now if it is loaded, after its load if it is loading
   * (the rows it read may predate the message), and not at all otherwise: a room loaded later reads the
   * log then.
   */
  private whenLoaded(key: string, handle: () => Promise<void> | void): void {
    // An async function turns a throw into a rejection too, so one catch logs both.
    const run = () =>
      void (async () => handle())().catch((error: unknown) =>
        this.log.error({ err: error, room: key }, 'sync: applying what another node sent failed'),
      );
    if (this.docs.has(key)) return run();
    const loading = this.loading.get(key);
    if (loading) loading.then(run, () => {});
  }

  /** An update another node sent at once: applied (and passed to this node's clients) before it is stored. */
  private receiveUpdate(entry: Extract<BusMessage, { kind: 'update' }>['updates'][number]): void {
    const board = this.docs.get(entry.boardId);
    if (!board) return;
    const update = Buffer.from(entry.update, 'base64');
    board.applyRemote([update]);
    this.remote.received(board.key, entry.stream, entry.seq, update, performance.now());
  }

  /** Rows another node stored: read unless every update in them arrived whole, plus any it missed before. */
  private async receiveRows(rows: WrittenRows): Promise<void> {
    const board = this.docs.get(rows.boardId);
    if (!board) return;
    const { read, missed } = this.remote.announced(board.key, rows);
    for (const range of [missed, read ? rows : null]) {
      if (!range) continue;
      this.metrics.remoteReads.inc();
      const updates = await readBoardUpdates(this.sql, board.boardId, board.docName, range);
      if (this.docs.get(rows.boardId) === board) board.applyRemote(updates);
    }
  }

  /**
   * Stores the updates other nodes sent at once and have not announced as stored `remoteBackstopMs`
   * later (the sender died before its commit, say). A second copy in the log is harmless: applying an
   * update twice changes nothing, and compaction merges it away.
   */
  private storeOverdue(): void {
    for (const [key, updates] of this.remote.overdue(performance.now() - this.settings.remoteBackstopMs)) {
      const board = this.docs.get(key);
      if (!board) continue;
      for (const update of updates) board.log.append(update);
      this.metrics.remoteBackstop.inc(updates.length);
    }
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

  /** The loaded document of a room (a board id, or `<boardId>/notes/<cardId>`), if any (tests, diagnostics). */
  peek(key: string): Y.Doc | null {
    return this.docs.get(key)?.doc ?? null;
  }

  /** Whether new connections are still accepted. */
  get accepting(): boolean {
    return !this.closing;
  }

  /** Loads the connection's document (or joins its pending load) and attaches the connection to it. */
  join(connection: RoomPeer): void {
    this.acquire(connection.roomKey).then(
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
        this.log.error({ err: error, room: connection.roomKey }, 'sync: loading the document failed');
        connection.close(CLOSE_CODES.unavailable);
      },
    );
  }

  /** Detaches a closed connection; the board unloads once idle. */
  leave(connection: RoomPeer, board: BoardRoom): void {
    board.remove(connection);
    this.scheduleUnload(board);
  }

  /**
   * Closes the connections of a member (all members when `userId` is null) on a board and its notes, so
   * that they reconnect and are authorised again with their new role, or refused.
   */
  disconnectMember(boardId: string, userId: string | null): void {
    for (const board of this.docs.values()) {
      if (board.boardId !== boardId) continue;
      for (const connection of [...board.connections]) {
        if (userId === null || connection.identity.id === userId) connection.close(CLOSE_CODES.membershipChanged);
      }
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

  /**
   * Reads a board's live document on the server (loading it if needed), without changing it: what a
   * REST route decides from the board as members see it now, not from the projection, which lags.
   */
  async read<T>(boardId: string, reader: (doc: Y.Doc) => T): Promise<T> {
    if (this.closing) throw new Error('sync server is shutting down');
    const board = await this.acquire(boardId);
    try {
      return reader(board.doc);
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
    clearInterval(this.backstopTimer);
    await Promise.allSettled([...this.loading.values()]);
    const boards = [...this.docs.values()];
    this.docs.clear();
    await Promise.all(
      boards.map(async (board) => {
        for (const connection of [...board.connections]) connection.close(CLOSE_CODES.goingAway);
        this.storeHeld(board);
        try {
          await board.log.flush();
        } catch (error) {
          this.log.error(
            { err: error, boardId: board.boardId },
            'sync: final flush failed; clients resend on reconnect',
          );
        }
        await this.beforeUnload(board);
        this.destroy(board);
      }),
    );
    await this.merger.close();
  }

  private acquire(key: string): Promise<BoardRoom> {
    const loaded = this.docs.get(key);
    if (loaded) return Promise.resolve(loaded);
    const pending = this.loading.get(key);
    if (pending) return pending;
    const load = this.load(key).finally(() => this.loading.delete(key));
    this.loading.set(key, load);
    return load;
  }

  private async load(key: string): Promise<BoardRoom> {
    const { boardId, docName } = parseRoomKey(key);
    const updates = await loadBoardUpdates(this.sql, boardId, docName);
    if (this.closing) throw new Error('sync server is shutting down');
    this.merger.warmUpFor(updates.reduce((sum, update) => sum + update.byteLength, 0));
    const log = new UpdateLog(
      this.writer,
      this.merger,
      this.sql,
      roomKey(boardId, docName),
      boardId,
      docName,
      this.settings,
      this.metrics,
      this.log,
      updates.length,
    );
    const note = docName !== '';
    const board = new BoardRoom(boardId, log, this.metrics, updates, {
      // Notes have a limit of their own, and none of the board document's authorship rules.
      maxDocBytes: note ? () => this.settings.maxNoteBytes : () => this.settings.maxDocBytes,
      checked: !note,
    });
    for (const extension of this.extensionsOf(board)) extension.onLoad?.(board);
    log.onGone = () => this.discard(board);
    log.onWritten = async (range, appended, span) => {
      for (const extension of this.extensionsOf(board)) await extension.afterStore?.(board, range, appended, span);
    };
    this.docs.set(key, board);
    return board;
  }

  /** The extensions that apply to a room's kind of document, in order. */
  private extensionsOf(board: BoardRoom): BoardExtension[] {
    return this.extensions.filter((extension) => appliesTo(extension, board.docName));
  }

  /** Lets every extension finish its work for a room (they log their own failures). */
  private async beforeUnload(board: BoardRoom): Promise<void> {
    for (const extension of this.extensionsOf(board)) await extension.beforeUnload?.(board);
  }

  private destroy(board: BoardRoom): void {
    for (const extension of this.extensionsOf(board)) extension.onDestroy?.(board);
    board.destroy();
  }

  /**
   * Drops the document of a board deleted from the database (found when its rows were refused): its
   * clients are disconnected (reconnecting, they are refused like any non-member) and nothing of it is
   * written again.
   */
  private discard(board: BoardRoom): void {
    if (this.docs.get(board.key) !== board) return;
    this.docs.delete(board.key);
    this.remote.forget(board.key);
    for (const connection of [...board.connections]) connection.close(CLOSE_CODES.membershipChanged);
    this.destroy(board);
  }

  private scheduleUnload(board: BoardRoom): void {
    if (board.connections.size > 0 || board.idleTimer || this.docs.get(board.key) !== board) return;
    board.idleTimer = setTimeout(() => {
      board.idleTimer = null;
      void this.unload(board);
    }, this.settings.idleUnloadMs);
  }

  /**
   * Stores what other nodes sent at once and have not announced as stored yet, before the room goes: once
   * it is unloaded, nothing here would store it should its sender die before its commit.
   */
  private storeHeld(board: BoardRoom): void {
    for (const update of this.remote.forget(board.key)) board.log.append(update);
  }

  private async unload(board: BoardRoom): Promise<void> {
    this.storeHeld(board);
    try {
      await board.log.flush();
    } catch (error) {
      this.log.error(
        { err: error, boardId: board.boardId, doc: board.docName },
        'sync: flush before unload failed; keeping the document',
      );
      this.scheduleUnload(board);
      return;
    }
    // A client may have joined while the flush ran; it keeps the document.
    await this.beforeUnload(board);
    if (board.connections.size > 0 || board.log.pending || this.docs.get(board.key) !== board) return;
    this.docs.delete(board.key);
    this.destroy(board);
  }
}
