import { IndexeddbPersistence } from 'y-indexeddb';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { CLOSE_CODES } from '#shared/protocol/close-codes.js';
import { NOTE_ROOT, noteRoom } from '#shared/protocol/notes.js';
import { webSocketOrigin } from '#client/lib/board-socket.js';

/** What the note's status line shows. */
export type NoteStatus = 'connecting' | 'saved' | 'offline' | 'full' | 'refused';

/**
 * One card's note in the browser: its own Yjs document (`<boardId>/notes/<cardId>`), synced over
 * y-websocket and kept in IndexedDB like the board's, so that what is written offline survives a reload
 * and merges on reconnect. The text is `doc.getText('markdown')`.
 */
export class NoteSession {
  readonly doc = new Y.Doc();
  readonly provider: WebsocketProvider;
  status = $state<NoteStatus>('connecting');
  /** True once the note has content from IndexedDB or the server (the editor waits for one of them). */
  ready = $state(false);
  readonly #persistence: IndexeddbPersistence;
  readonly #cleanups: (() => void)[] = [];

  constructor(boardId: string, cardId: string, userId: string) {
    const room = noteRoom(boardId, cardId);
    this.#persistence = new IndexeddbPersistence(`paperboard:${userId}:${room}`, this.doc);
    this.provider = new WebsocketProvider(`${webSocketOrigin()}/yjs`, room, this.doc, { maxBackoffTime: 5000 });
    // A first real awareness state (clock 1), so that the others see this tab at once (see BoardDocument).
    this.provider.awareness.setLocalState({});
    void this.#persistence.whenSynced.then(() => {
      this.ready = true;
    });
    const refresh = () => {
      if (this.status === 'full' || this.status === 'refused') return;
      if (!navigator.onLine) this.status = 'offline';
      else if (this.provider.wsconnected && this.provider.synced) this.status = 'saved';
      else this.status = 'connecting';
    };
    this.provider.on('status', refresh);
    this.provider.on('sync', (synced: boolean) => {
      if (synced) this.ready = true;
      refresh();
    });
    this.provider.on('closed', ({ code }: { code: number }) => {
      // 4400–4499: the server would refuse again; the provider stops.
      this.status = code === CLOSE_CODES.boardFull.code ? 'full' : 'refused';
    });
    const offline = () => {
      this.provider.disconnect();
      refresh();
    };
    const online = () => {
      this.provider.connect();
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

  /** The note's Markdown, the root the editor binds to. */
  get text(): Y.Text {
    return this.doc.getText(NOTE_ROOT);
  }

  destroy(): void {
    for (const cleanup of this.#cleanups) cleanup();
    this.provider.destroy();
    void this.#persistence.destroy();
    this.doc.destroy();
  }
}
