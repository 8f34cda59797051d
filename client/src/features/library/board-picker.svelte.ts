import type { BoardSummary } from '#shared/schemas/boards.js';
import * as api from '#client/lib/api.js';

/**
 * The boards a library page can nominate papers to: my boards, loaded once when a picker first opens,
 * and for each paper the boards that already show it (asked when its picker opens).
 */
export class BoardPicker {
  boards = $state.raw<BoardSummary[] | null>(null);
  error = $state<string | null>(null);
  /** Board ids showing each paper, by paper id; absent while unknown. */
  showing = $state.raw<Record<string, string[]>>({});
  #boardsLoad: Promise<void> | null = null;

  /** Loads my boards (once) and the boards that show `paperId`. */
  async open(paperId: string): Promise<void> {
    this.error = null;
    this.#boardsLoad ??= api.listBoards().then(
      (boards) => {
        this.boards = boards;
      },
      (error: unknown) => {
        this.#boardsLoad = null;
        throw error;
      },
    );
    try {
      const [, showing] = await Promise.all([this.#boardsLoad, api.getPaperBoards(paperId)]);
      // The server's answer comes from the projection, which trails a nomination made a moment ago here.
      // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a working value, not state
      const known = new Set([...(this.showing[paperId] ?? []), ...showing.boardIds]);
      this.showing = { ...this.showing, [paperId]: [...known] };
    } catch (error) {
      this.error = api.errorMessage(error);
    }
  }

  /** Nominates the paper to a board; resolves with the new card's id, or rejects with `ApiError`. */
  async add(paperId: string, boardId: string): Promise<string> {
    try {
      const added = await api.addPaperToBoard(boardId, paperId);
      this.#markShowing(paperId, boardId);
      return added.cardId;
    } catch (error) {
      // Already there (added meanwhile, e.g. by a teammate): show it as such. Any other refusal or a
      // failure leaves the paper as it was, so that adding it can be tried again.
      if (error instanceof api.ApiError && error.status === 409) this.#markShowing(paperId, boardId);
      throw error;
    }
  }

  #markShowing(paperId: string, boardId: string): void {
    const known = this.showing[paperId] ?? [];
    if (!known.includes(boardId)) this.showing = { ...this.showing, [paperId]: [...known, boardId] };
  }
}
