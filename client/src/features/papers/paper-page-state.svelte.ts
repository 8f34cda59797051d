import type { PaperOnBoard } from '#shared/schemas/cards.js';
import type { Paper } from '#shared/schemas/papers.js';
import { isUuid } from '#shared/protocol/uuid.js';
import * as api from '#client/lib/api.js';

/** How often, and how far apart, the page asks again for a board it has just added the paper to. */
const REFRESH_TRIES = 10;
const REFRESH_GAP_MS = 300;

/**
 * One paper's page: the paper, and (signed in) the boards of mine that show it. An id that cannot name
 * a paper is "not found" at once, without asking the server.
 */
export class PaperPageState {
  paper = $state.raw<Paper | null>(null);
  /** `missing`: no paper has this id (or the id is not one). */
  status = $state<'loading' | 'loaded' | 'missing' | 'failed'>('loading');
  error = $state<string | null>(null);
  /** My boards showing the paper; null while unknown. */
  boards = $state.raw<PaperOnBoard[] | null>(null);
  boardsError = $state<string | null>(null);
  #abort = new AbortController();

  constructor(readonly paperId: string) {}

  /** Loads the paper and, when `signedIn`, my boards that show it. */
  async load(signedIn: boolean): Promise<void> {
    if (!isUuid(this.paperId)) {
      this.status = 'missing';
      return;
    }
    this.status = 'loading';
    this.error = null;
    try {
      this.paper = await api.getPaper(this.paperId, this.#abort.signal);
      this.status = 'loaded';
    } catch (err) {
      if (api.isAbort(err)) return;
      if (err instanceof api.ApiError && (err.status === 404 || err.status === 400)) this.status = 'missing';
      else {
        this.status = 'failed';
        this.error = api.errorMessage(err);
      }
      return;
    }
    if (signedIn) await this.loadBoards();
  }

  /** Asks again which of my boards show the paper. */
  async loadBoards(): Promise<void> {
    this.boardsError = null;
    try {
      this.boards = (await api.getPaperBoards(this.paperId, this.#abort.signal)).boards;
    } catch (err) {
      if (!api.isAbort(err)) this.boardsError = api.errorMessage(err);
    }
  }

  /**
   * After the paper was added to `boardId`: the list comes from the server's projection, which follows
   * the board a moment later, so it is asked again until it shows the board (or a few tries have passed).
   */
  async added(boardId: string): Promise<void> {
    for (let i = 0; i < REFRESH_TRIES && !this.#abort.signal.aborted; i++) {
      await this.loadBoards();
      if (this.boards?.some((b) => b.boardId === boardId)) return;
      await new Promise((resolve) => setTimeout(resolve, REFRESH_GAP_MS));
    }
  }

  /** Stops the requests in flight (the page is leaving). */
  dispose(): void {
    this.#abort.abort();
  }
}
