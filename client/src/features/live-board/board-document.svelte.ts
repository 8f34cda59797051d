import { createSubscriber } from 'svelte/reactivity';
import { IndexeddbPersistence } from 'y-indexeddb';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import {
  addColumn,
  addComment,
  arrangeColumn,
  deleteColumn,
  deleteComment,
  editComment,
  moveCard,
  moveColumn,
  removeCard,
  renameColumn,
  restoreComment,
  type MoveCardOptions,
  type MoveColumnOptions,
} from '#shared/protocol/board-doc/edits.js';
import { BoardDocError, readCard, readComment } from '#shared/protocol/board-doc/model.js';
import { boardView, type BoardView } from '#shared/protocol/board-doc/view.js';
import { CLOSE_CODES } from '#shared/protocol/close-codes.js';
import { BoardWebSocket, webSocketOrigin } from '#client/lib/board-socket.js';
import { toasts } from '#client/lib/toasts.svelte.js';
import { HELD_MS, withoutHeld, type HeldRemoval } from './held-removals.js';

/** What the connection dot shows. */
type ConnectionStatus = 'connecting' | 'online' | 'reconnecting' | 'offline' | 'refused';

/** Someone on the board right now, from Yjs awareness (the server stamps `user`, so it cannot lie). */
export interface Presence {
  clientId: number;
  userId: string;
  name: string;
  /** The card whose panel they have open, if any. */
  viewing: string | null;
}

/** Origin of this client's own board edits: the ones undo and redo work on. */
const LOCAL = Symbol('local edit');
/** Origin of edits that must not be undone, e.g. removing another member's card (undo would re-add it as theirs). */
const NOT_UNDOABLE = Symbol('edit without undo');

interface AwarenessState {
  user?: { id?: unknown; name?: unknown };
  viewing?: unknown;
}

/**
 * One board's Yjs document in the browser: synced with the server over y-websocket, kept in
 * IndexedDB so that edits made offline survive a reload and merge on reconnect, with undo for one's
 * own board edits. Components read `view` and `presence`; every edit goes through a method here,
 * which turns a refused edit into a toast.
 */
export class BoardDocument {
  readonly doc = new Y.Doc();
  readonly provider: WebsocketProvider;
  readonly undoManager: Y.UndoManager;
  status = $state<ConnectionStatus>('connecting');
  /** True once the document has content, from IndexedDB or from the server. */
  loaded = $state(false);
  /** True while the server has sent everything it has (false while offline or reconnecting). */
  synced = $state(false);
  canUndo = $state(false);
  canRedo = $state(false);
  /** Viewers (and everyone until the role is known): every edit method refuses. */
  readOnly = $state(true);
  /** Removals held back for their "Undo" (cards and comments by id): the view shows them gone already. */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- replaced whole on every change ($state.raw)
  held = $state.raw<ReadonlyMap<string, HeldRemoval>>(new Map());

  readonly #persistence: IndexeddbPersistence;
  readonly #subscribeDoc: () => void;
  readonly #subscribeAwareness: () => void;
  #version = 0;
  #cachedView: { version: number; held: ReadonlyMap<string, HeldRemoval>; view: BoardView } | null = null;
  /** Counts undo stack items and held removals, so that Ctrl+Z takes back the latest of either. */
  #seq = 0;
  #everConnected = false;
  readonly #cleanups: (() => void)[] = [];
  #refreshStack: () => void = () => {};

  /**
   * @param boardId the board
   * @param userId the signed-in user: names the IndexedDB copy, so accounts sharing a browser never mix
   * @param readOnly the initial {@link readOnly}
   */
  constructor(
    readonly boardId: string,
    readonly userId: string,
    readOnly: boolean,
    /** Called when the server closed the connection because my membership changed (role or removal). */
    private readonly onMembershipChanged: () => void = () => {},
  ) {
    this.readOnly = readOnly;
    this.#persistence = new IndexeddbPersistence(`paperboard:${userId}:${boardId}`, this.doc);
    this.provider = new WebsocketProvider(`${webSocketOrigin()}/yjs`, boardId, this.doc, {
      maxBackoffTime: 5000,
      // Takes over the connection the page opened before the app ran, if any (lib/board-socket.ts).
      WebSocketPolyfill: BoardWebSocket as unknown as typeof WebSocket,
    });
    // Awareness starts at clock 0, and y-protocols ignores a clock-0 state from a client it does not
    // know yet: until the first renewal (15 s) nobody would see this tab. A first real state (clock 1)
    // makes the arrival show at once.
    this.provider.awareness.setLocalState({ viewing: null });
    this.undoManager = new Y.UndoManager([this.doc.getMap('columns'), this.doc.getMap('cards')], {
      // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a working value, not state
      trackedOrigins: new Set([LOCAL]),
      captureTimeout: 300,
    });

    this.doc.on('update', () => {
      this.#version++;
      if (this.doc.getMap('columns').size > 0 && !this.loaded) {
        // For the client benchmark's breakdown of a cold load; a mark costs nothing.
        performance.mark('board:document-loaded');
        this.loaded = true;
      }
    });
    this.#subscribeDoc = createSubscriber((update) => {
      this.doc.on('update', update);
      return () => this.doc.off('update', update);
    });
    this.#subscribeAwareness = createSubscriber((update) => {
      this.provider.awareness.on('change', update);
      return () => this.provider.awareness.off('change', update);
    });

    const onStack = () => {
      this.canUndo = this.undoManager.canUndo() || this.held.size > 0;
      this.canRedo = this.undoManager.canRedo();
    };
    for (const event of ['stack-item-added', 'stack-item-popped', 'stack-cleared'] as const) {
      this.undoManager.on(event, onStack);
    }
    this.undoManager.on(
      'stack-item-added',
      ({ stackItem, type }: { stackItem: Y.UndoManager['undoStack'][number]; type: string }) => {
        if (type === 'undo') stackItem.meta.set('seq', ++this.#seq);
      },
    );
    this.#refreshStack = onStack;
    // Leaving the page commits what is held: the removal was made, only its undo is lost.
    const commitHeld = () => this.#commitHeld();
    window.addEventListener('pagehide', commitHeld);
    this.#cleanups.push(() => window.removeEventListener('pagehide', commitHeld));
    void this.#persistence.whenSynced.then(() => {
      if (this.doc.getMap('columns').size > 0) this.loaded = true;
    });
    this.#watchConnection();
  }

  #watchConnection(): void {
    const provider = this.provider;
    const refresh = () => {
      if (!navigator.onLine) this.status = 'offline';
      else if (provider.wsconnected && provider.synced) this.status = 'online';
      else if (this.status !== 'refused') this.status = this.#everConnected ? 'reconnecting' : 'connecting';
      this.synced = provider.synced;
    };
    provider.on('status', ({ status }: { status: string }) => {
      if (status === 'connected') this.#everConnected = true;
      refresh();
    });
    provider.on('sync', (synced: boolean) => {
      if (synced) this.loaded = true;
      refresh();
    });
    provider.on('connection-close', (event: CloseEvent | null) => {
      if (event?.code === CLOSE_CODES.membershipChanged.code) this.onMembershipChanged();
    });
    provider.on('closed', ({ code }: { code: number }) => {
      // 4400–4499: the server will refuse again (malformed, forbidden); retrying would only loop.
      this.status = 'refused';
      if (code === CLOSE_CODES.forbidden.code) {
        toasts.error('The board refused an edit from this page. Reload to see the board as it is.');
      } else if (code === CLOSE_CODES.sessionEnded.code) {
        toasts.error('You were signed out. Sign in again to keep working on this board.');
      } else if (code === CLOSE_CODES.boardFull.code) {
        toasts.error('This board is full: the last change was not saved. Reload to see the board as it is.');
      }
    });
    // Chromium and Firefox report going offline; dropping the socket at once keeps the dot honest
    // and makes the provider resend everything made meanwhile as soon as the network is back.
    const offline = () => {
      provider.disconnect();
      refresh();
    };
    const online = () => {
      provider.connect();
      refresh();
    };
    window.addEventListener('offline', offline);
    window.addEventListener('online', online);
    this.#cleanups.push(() => {
      window.removeEventListener('offline', offline);
      window.removeEventListener('online', online);
    });
    if (!navigator.onLine) offline();
  }

  /** The board as everybody sees it, derived from the document (see `boardView`). */
  get view(): BoardView {
    this.#subscribeDoc();
    const held = this.held;
    if (this.#cachedView?.version !== this.#version || this.#cachedView.held !== held) {
      this.#cachedView = { version: this.#version, held, view: withoutHeld(boardView(this.doc), held) };
    }
    return this.#cachedView.view;
  }

  /** Everybody else connected to the board, one entry per browser tab. */
  get presence(): Presence[] {
    this.#subscribeAwareness();
    const people: Presence[] = [];
    this.provider.awareness.getStates().forEach((raw, clientId) => {
      if (clientId === this.doc.clientID) return;
      const state = raw as AwarenessState;
      const id = state.user?.id;
      const name = state.user?.name;
      if (typeof id !== 'string' || typeof name !== 'string') return;
      people.push({ clientId, userId: id, name, viewing: typeof state.viewing === 'string' ? state.viewing : null });
    });
    return people;
  }

  /** Tells the others which card this tab looks at (null: none). */
  setViewing(cardId: string | null): void {
    this.provider.awareness.setLocalStateField('viewing', cardId);
  }

  /**
   * Runs an edit as one transaction. Refusals of the shared helpers (a column deleted meanwhile, an
   * empty title) become a toast; true when the edit was made.
   */
  #edit(change: (doc: Y.Doc) => void, origin: symbol = LOCAL): boolean {
    if (this.readOnly) {
      toasts.error('Viewers cannot change the board.');
      return false;
    }
    try {
      this.doc.transact(() => change(this.doc), origin);
      return true;
    } catch (error) {
      if (error instanceof BoardDocError) {
        toasts.error(error.message);
        return false;
      }
      throw error;
    }
  }

  addColumn(title: string, after?: string): boolean {
    return this.#edit((doc) => addColumn(doc, title, after ? { after } : {}));
  }

  renameColumn(columnId: string, title: string): boolean {
    return this.#edit((doc) => renameColumn(doc, columnId, title));
  }

  moveColumn(columnId: string, options: MoveColumnOptions): boolean {
    return this.#edit((doc) => moveColumn(doc, columnId, options));
  }

  /** Deletes a column; its cards move to `moveCardsTo` (the first other column when omitted). */
  deleteColumn(columnId: string, moveCardsTo?: string): boolean {
    return this.#edit((doc) => deleteColumn(doc, columnId, moveCardsTo ? { moveCardsTo } : {}));
  }

  moveCard(cardId: string, options: MoveCardOptions): boolean {
    return this.#edit((doc) => moveCard(doc, cardId, options));
  }

  /** Puts a column's cards in the given order (sort by votes). */
  arrangeColumn(columnId: string, cardIds: string[]): boolean {
    return this.#edit((doc) => arrangeColumn(doc, columnId, cardIds));
  }

  /**
   * Takes a card off the board at once and offers "Undo" in a toast (`label` names it there). My own
   * card is removed for good and taken back through the undo manager (the toast's Undo, or Ctrl+Z);
   * undoing the removal of somebody else's card would re-create it under their name, which the server
   * refuses, so that removal is held back (hidden here) until the toast's time is up.
   */
  removeCard(cardId: string, label: string): boolean {
    const card = readCard(this.doc, cardId);
    if (!card || this.readOnly || this.held.has(cardId)) return this.#edit((doc) => removeCard(doc, cardId));
    const text = `Removed ${label} from the board.`;
    if (card.addedBy !== this.userId) {
      this.#hold(cardId, 'card', text, () => this.#edit((doc) => removeCard(doc, cardId), NOT_UNDOABLE));
      return true;
    }
    // The removal is an undo step of its own, not merged with an edit made just before.
    this.undoManager.stopCapturing();
    if (!this.#edit((doc) => removeCard(doc, cardId))) return false;
    const step = this.undoManager.undoStack.at(-1);
    this.undoManager.stopCapturing();
    toasts.show(text, { action: { label: 'Undo', run: () => step && this.#undoStep(step) } });
    return true;
  }

  /** Adds a comment (or a reply) as me; comments are not part of undo. */
  addComment(cardId: string, body: string, replyTo?: string): boolean {
    return this.#edit((doc) => void addComment(doc, { cardId, body, authorId: this.userId, replyTo }), NOT_UNDOABLE);
  }

  editComment(commentId: string, body: string): boolean {
    return this.#edit((doc) => editComment(doc, commentId, body), NOT_UNDOABLE);
  }

  /**
   * Deletes a comment at once and offers "Undo" in a toast, as for cards: my own comment comes back
   * with its text; an owner's deletion of someone else's comment (which only its author may restore)
   * is held back until the toast's time is up.
   */
  deleteComment(commentId: string): boolean {
    const comment = readComment(this.doc, commentId);
    if (!comment || comment.deleted || this.readOnly || this.held.has(commentId)) {
      return this.#edit((doc) => deleteComment(doc, commentId), NOT_UNDOABLE);
    }
    if (comment.authorId !== this.userId) {
      this.#hold(commentId, 'comment', 'Comment deleted.', () =>
        this.#edit((doc) => deleteComment(doc, commentId), NOT_UNDOABLE),
      );
      return true;
    }
    if (!this.#edit((doc) => deleteComment(doc, commentId), NOT_UNDOABLE)) return false;
    const body = comment.body;
    toasts.show('Comment deleted.', {
      action: { label: 'Undo', run: () => this.#edit((doc) => restoreComment(doc, commentId, body), NOT_UNDOABLE) },
    });
    return true;
  }

  /** Holds a removal back for {@link HELD_MS}, with "Undo" in a toast; then `commit` makes it. */
  #hold(id: string, kind: HeldRemoval['kind'], text: string, commit: () => void): void {
    const removal: HeldRemoval = {
      kind,
      seq: ++this.#seq,
      timer: setTimeout(() => this.#release(id, true), HELD_MS),
      commit,
    };
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a new value for $state.raw, not mutated after
    this.held = new Map(this.held).set(id, removal);
    this.#refreshStack();
    toasts.show(text, { action: { label: 'Undo', run: () => this.#release(id, false) } });
  }

  /** Ends a held removal: makes it (`commit`) or drops it (its Undo). */
  #release(id: string, commit: boolean): void {
    const removal = this.held.get(id);
    if (!removal) return;
    clearTimeout(removal.timer);
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a new value for $state.raw, not mutated after
    const held = new Map(this.held);
    held.delete(id);
    this.held = held;
    this.#refreshStack();
    if (commit) removal.commit();
  }

  #commitHeld(): void {
    for (const id of [...this.held.keys()]) this.#release(id, true);
  }

  /**
   * Undoes one step of my undo stack, wherever it is in it: the steps made after it are set aside
   * meanwhile and put back (they touch other entries, or Yjs keeps what they changed).
   */
  #undoStep(step: Y.UndoManager['undoStack'][number]): void {
    if (this.readOnly) return;
    const stack = this.undoManager.undoStack;
    const at = stack.indexOf(step);
    if (at < 0) return;
    const later = stack.splice(at + 1);
    this.undoManager.undo();
    stack.push(...later);
    this.#refreshStack();
  }

  /** Stops syncing (the board is gone or I am no longer a member); the copy in IndexedDB stays. */
  disconnect(): void {
    this.provider.disconnect();
  }

  /** Takes back my latest board edit, or the latest removal still held for its Undo. */
  undo(): void {
    if (this.readOnly) return;
    const latestHeld = [...this.held].reduce<[string, HeldRemoval] | null>(
      (latest, entry) => (!latest || entry[1].seq > latest[1].seq ? entry : latest),
      null,
    );
    const top = this.undoManager.undoStack.at(-1)?.meta.get('seq') as number | undefined;
    if (latestHeld && latestHeld[1].seq > (top ?? 0)) this.#release(latestHeld[0], false);
    else this.undoManager.undo();
  }

  redo(): void {
    if (!this.readOnly) this.undoManager.redo();
  }

  destroy(): void {
    this.#commitHeld();
    for (const cleanup of this.#cleanups) cleanup();
    this.undoManager.destroy();
    this.provider.destroy();
    void this.#persistence.destroy();
    this.doc.destroy();
  }
}
