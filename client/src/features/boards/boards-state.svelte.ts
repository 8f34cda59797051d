import { LatestRead } from '#client/lib/latest-read.svelte.js';
import type { BoardSummary, CreateBoardRequest } from '#shared/schemas/boards.js';
import { createBoard, listBoards } from '#client/lib/api.js';

/** The boards list: the signed-in user's boards, and creating one. */
export class BoardsState {
  boards = $state.raw<BoardSummary[]>([]);
  /** The list has answered at least once. */
  loaded = $state(false);
  /** The board created last from this page, to point it out in the list. */
  createdId = $state<string | null>(null);

  readonly #read = new LatestRead();
  /** A read is under way. */
  get loading(): boolean {
    return this.#read.loading;
  }
  /** Why loading failed; the list is not shown then. */
  get error(): string | null {
    return this.#read.error;
  }

  load(): Promise<void> {
    return this.#read.run(async (signal) => {
      this.boards = await listBoards(signal);
      this.loaded = true;
    });
  }

  /** Creates a board and puts it first in the list; rejects with `ApiError` when the server refuses. */
  async create(body: CreateBoardRequest): Promise<BoardSummary> {
    const board = await createBoard(body);
    this.boards = [board, ...this.boards.filter((b) => b.id !== board.id)];
    this.createdId = board.id;
    return board;
  }

  dispose(): void {
    this.#read.abort();
  }
}
