import type { BoardSuggestion } from '#shared/schemas/recommend.js';
import * as api from '#client/lib/api.js';
import { joinBoardRoom, type AppSocket } from '#client/lib/socket.js';

/**
 * A board's Suggested lane: the open suggestions from the server, read again whenever the room says
 * the lane changed (`suggestions:changed`: a feed run, a dismissal or its undo, a nomination) and after
 * every join of the room. Nominating and dismissing hide the paper at once and put it back if the
 * server refuses.
 */
export class SuggestionsState {
  items = $state.raw<BoardSuggestion[] | null>(null);
  error = $state<string | null>(null);
  /** Papers being nominated or dismissed: hidden from `visible` until the lane is read again. */
  #pending = $state.raw<readonly string[]>([]);
  #controller: AbortController | null = null;
  #stopSocket: (() => void) | null = null;

  constructor(readonly boardId: string) {}

  /** The suggestions on screen. */
  get visible(): BoardSuggestion[] {
    return (this.items ?? []).filter((s) => !this.#pending.includes(s.paper.id));
  }

  /** Reads the lane. */
  async load(): Promise<void> {
    this.#controller?.abort();
    const controller = new AbortController();
    this.#controller = controller;
    try {
      const list = await api.getSuggestions(this.boardId, controller.signal);
      if (this.#controller !== controller) return;
      this.items = list.items;
      this.error = null;
    } catch (error) {
      if (!api.isAbort(error) && this.#controller === controller) this.error = api.errorMessage(error);
    }
  }

  /** Puts the paper on the board (its first column); it leaves the lane. */
  async nominate(paperId: string): Promise<void> {
    this.#hide(paperId, true);
    try {
      await api.addPaperToBoard(this.boardId, paperId);
    } finally {
      this.#hide(paperId, false);
      await this.load();
    }
  }

  /** Dismisses the suggestion for everyone; `restore` takes it back. */
  async dismiss(paperId: string): Promise<void> {
    this.#hide(paperId, true);
    try {
      await api.dismissSuggestion(this.boardId, paperId);
      this.items = (this.items ?? []).filter((s) => s.paper.id !== paperId);
    } finally {
      this.#hide(paperId, false);
    }
  }

  /** Brings a dismissed suggestion back. */
  async restore(paperId: string): Promise<void> {
    await api.restoreSuggestion(this.boardId, paperId);
    await this.load();
  }

  /** Follows the board's room; returns the function that stops (also {@link dispose}). */
  follow(socket: AppSocket): () => void {
    const onChanged: Parameters<typeof socket.on<'suggestions:changed'>>[1] = ({ boardId }) => {
      if (boardId === this.boardId) void this.load();
    };
    socket.on('suggestions:changed', onChanged);
    const leave = joinBoardRoom(this.boardId, { onJoined: () => void this.load() });
    this.#stopSocket = () => {
      this.#stopSocket = null;
      leave();
      socket.off('suggestions:changed', onChanged);
    };
    return this.#stopSocket;
  }

  dispose(): void {
    this.#stopSocket?.();
    this.#controller?.abort();
  }

  #hide(paperId: string, hidden: boolean): void {
    const others = this.#pending.filter((id) => id !== paperId);
    this.#pending = hidden ? [...others, paperId] : others;
  }
}
