import type { BoardSummary, CreateBoardRequest } from '#shared/schemas/boards.js';
import { createBoard, errorMessage, isAbort, listBoards } from '#client/lib/api.js';

/** The boards list: the signed-in user's boards, and creating one. */
export class BoardsState {
  boards = $state.raw<BoardSummary[]>([]);
  /** The list has answered at least once. */
  loaded = $state(false);
  loading = $state(false);
  /** Why loading failed; the list is not shown then. */
  error = $state<string | null>(null);
  /** The board created last from this page, to point it out in the list. */
  createdId = $state<string | null>(null);

  #controller: AbortController | null = null;

  async load(): Promise<void> {
    this.#controller?.abort();
    const controller = new AbortController();
    this.#controller = controller;
    this.loading = true;
    this.error = null;
    try {
      this.boards = await listBoards(controller.signal);
      this.loaded = true;
    } catch (err) {
      if (isAbort(err)) return;
      this.error = errorMessage(err);
    } finally {
      if (this.#controller === controller) this.loading = false;
    }
  }

  /** Creates a board and puts it first in the list; rejects with `ApiError` when the server refuses. */
  async create(body: CreateBoardRequest): Promise<BoardSummary> {
    const board = await createBoard(body);
    this.boards = [board, ...this.boards.filter((b) => b.id !== board.id)];
    this.createdId = board.id;
    return board;
  }

  dispose(): void {
    this.#controller?.abort();
  }
}
