import { LatestRead } from '#client/lib/latest-read.svelte.js';
import type { ProjectedCard } from '#shared/schemas/cards.js';
import type { CreatePollRequest, PickRequest, Poll, PollAnswers } from '#shared/schemas/polls.js';
import * as api from '#client/lib/api.js';
import { followBoard, type AppSocket } from '#client/lib/socket.js';
import { pollOrder } from './polls-format.js';

/** How long a burst of answers waits to cost one re-read of the poll. */
const REFRESH_DELAY_MS = 150;

/**
 * A board's availability polls (the Schedule tab's section), with the board's cards for the paper titles
 * and the "Find a time" form, loaded together and kept live from socket.io: `poll:opened` and
 * `poll:answered` re-read that poll (the events carry counts, the grid needs the answers), `poll:closed`
 * re-reads it or drops a deleted one; everything is read again at every join of the room. Actions
 * reject with `ApiError` and leave the state as it was.
 */
export class PollsState {
  polls = $state.raw<Poll[]>([]);
  cards = $state.raw<ProjectedCard[]>([]);
  loaded = $state(false);

  /** Open polls, newest first, and the latest decided ones. */
  lists = $derived(pollOrder(this.polls));

  readonly #read = new LatestRead();
  /** A read is under way. */
  get loading(): boolean {
    return this.#read.loading;
  }
  /** Why loading failed. */
  get error(): string | null {
    return this.#read.error;
  }
  #stopSocket: (() => void) | null = null;
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, not state
  #timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(readonly boardId: string) {}

  /** The paper title of a card on the board, or null. */
  cardTitle(cardId: string | null): string | null {
    if (cardId === null) return null;
    const card = this.cards.find((c) => c.id === cardId);
    return card ? (card.paper?.title ?? 'Untitled paper') : null;
  }

  /** The open poll of a card, if any (the newest). */
  openPollOf(cardId: string): Poll | null {
    return this.lists.open.find((poll) => poll.cardId === cardId) ?? null;
  }

  load(): Promise<void> {
    return this.#read.run(async (signal) => {
      // Open polls asked for apart: a list of every poll (the newest 100) could leave an old open one out.
      const [open, closed, board] = await Promise.all([
        api.listPolls(this.boardId, signal, 'open'),
        api.listPolls(this.boardId, signal, 'closed'),
        api.getBoardCards(this.boardId, {}, signal),
      ]);
      this.polls = [...open, ...closed];
      this.cards = board.cards;
      this.loaded = true;
    });
  }

  /** Proposes times (owners); the poll shows at once. */
  async create(body: CreatePollRequest): Promise<Poll> {
    const poll = await api.createPoll(this.boardId, body);
    this.#put(poll);
    return poll;
  }

  /** Saves my answers; the poll is then read again for the counts. */
  async saveAnswers(pollId: string, answers: PollAnswers): Promise<void> {
    const saved = await api.answerPoll(this.boardId, pollId, { answers });
    this.#update(pollId, (poll) => ({ ...poll, myAnswers: saved.answers }));
    await this.#refresh(pollId);
  }

  /** Picks a slot (owners): the session is scheduled and the poll shows its decision. */
  async pick(pollId: string, body: PickRequest): Promise<void> {
    this.#put(await api.pickPollSlot(this.boardId, pollId, body));
  }

  /** Deletes a poll (owners). */
  async remove(pollId: string): Promise<void> {
    await api.deletePoll(this.boardId, pollId);
    this.polls = this.polls.filter((poll) => poll.id !== pollId);
  }

  /** Joins the board's room and follows its polls; returns the function that stops (also {@link dispose}). */
  follow(socket: AppSocket): () => void {
    const onOpened: Parameters<typeof socket.on<'poll:opened'>>[1] = ({ boardId, pollId }) => {
      if (boardId === this.boardId) this.#refreshSoon(pollId);
    };
    const onAnswered: Parameters<typeof socket.on<'poll:answered'>>[1] = ({ boardId, pollId }) => {
      if (boardId === this.boardId) this.#refreshSoon(pollId);
    };
    const onClosed: Parameters<typeof socket.on<'poll:closed'>>[1] = ({ boardId, pollId, slotId }) => {
      if (boardId !== this.boardId) return;
      if (slotId === null) this.polls = this.polls.filter((poll) => poll.id !== pollId);
      else this.#refreshSoon(pollId);
    };
    const stop = followBoard(
      socket,
      this.boardId,
      { 'poll:opened': onOpened, 'poll:answered': onAnswered, 'poll:closed': onClosed },
      // Whatever happened before this join (even between the first read and the first join) is read again.
      { onJoined: () => void this.load() },
    );
    this.#stopSocket = () => {
      this.#stopSocket = null;
      stop();
      for (const timer of this.#timers.values()) clearTimeout(timer);
      this.#timers.clear();
    };
    return this.#stopSocket;
  }

  dispose(): void {
    this.#stopSocket?.();
    this.#read.abort();
  }

  #refreshSoon(pollId: string): void {
    const pending = this.#timers.get(pollId);
    if (pending) clearTimeout(pending);
    this.#timers.set(
      pollId,
      setTimeout(() => {
        this.#timers.delete(pollId);
        void this.#refresh(pollId);
      }, REFRESH_DELAY_MS),
    );
  }

  async #refresh(pollId: string): Promise<void> {
    try {
      const poll = await api.getPoll(this.boardId, pollId);
      // A poll for a card added since the cards were read: read them again for its title.
      if (poll.cardId !== null && !this.cards.some((c) => c.id === poll.cardId)) {
        this.cards = (await api.getBoardCards(this.boardId, {})).cards;
      }
      this.#put(poll);
    } catch (err) {
      // Deleted meanwhile: drop it. Anything else: the shown poll stays; the next join reads all again.
      if (err instanceof api.ApiError && err.status === 404) {
        this.polls = this.polls.filter((poll) => poll.id !== pollId);
      }
    }
  }

  /** Adds or replaces a poll. */
  #put(poll: Poll): void {
    const others = this.polls.filter((p) => p.id !== poll.id);
    this.polls = [poll, ...others];
  }

  #update(pollId: string, change: (poll: Poll) => Poll): void {
    this.polls = this.polls.map((poll) => (poll.id === pollId ? change(poll) : poll));
  }
}
