import { LatestRead } from '#client/lib/latest-read.svelte.js';
import type { ProjectedCard } from '#shared/schemas/cards.js';
import type { BallotRequest, OpenRoundRequest, Round } from '#shared/schemas/rounds.js';
import * as api from '#client/lib/api.js';
import { followBoard, type AppSocket } from '#client/lib/socket.js';
import { listOrder } from './rounds-format.js';

/**
 * A board's ballot rounds page: the rounds (with my ballots), and the board's columns and cards for
 * the titles and the "Open a round" form, loaded together and kept live from socket.io
 * (`round:opened`, `round:ballots`, `round:closed`; read again at every join of the room, so nothing
 * sent meanwhile is lost). Actions reject with `ApiError` and leave the state as it was.
 */
export class RoundsState {
  rounds = $state.raw<Round[]>([]);
  columns = $state.raw<{ id: string; title: string }[]>([]);
  cards = $state.raw<ProjectedCard[]>([]);
  loaded = $state(false);

  /** Open rounds first, closing soonest first; then closed ones, newest first. */
  ordered = $derived(listOrder(this.rounds));
  #titles: Record<string, string> = $derived(
    Object.fromEntries(this.cards.map((card) => [card.id, card.paper?.title ?? 'Untitled paper'])),
  );

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

  /** `withCards` false: the rounds only (the board's open-rounds banner needs no titles). */
  constructor(
    readonly boardId: string,
    private readonly options: { withCards: boolean } = { withCards: true },
  ) {}

  /** Rounds still taking ballots, closing soonest first. */
  get openRounds(): Round[] {
    return this.ordered.filter((round) => round.status === 'open');
  }

  /** A card's paper title, or what to say of a card no longer on the board. */
  title(cardId: string): string {
    return Object.hasOwn(this.#titles, cardId) ? this.#titles[cardId] : 'A card no longer on the board';
  }

  load(): Promise<void> {
    return this.#read.run(async (signal) => {
      const [rounds, board] = await Promise.all([
        api.listRounds(this.boardId, signal),
        this.options.withCards ? api.getBoardCards(this.boardId, {}, signal) : null,
      ]);
      this.rounds = rounds;
      if (board) {
        this.columns = board.columns;
        this.cards = board.cards;
      }
      this.loaded = true;
    });
  }

  /** Opens a round (owners) and shows it at once. */
  async open(body: OpenRoundRequest): Promise<Round> {
    const round = await api.openRound(this.boardId, body);
    this.#put(round);
    return round;
  }

  /** Saves my ballot; the round then shows it as mine. */
  async saveBallot(roundId: string, body: BallotRequest): Promise<void> {
    const ballot = await api.saveBallot(this.boardId, roundId, body);
    this.#update(roundId, (round) => ({ ...round, myBallot: ballot }));
  }

  /** Closes a round now (owners): it turns into its result. */
  async close(roundId: string): Promise<void> {
    this.#put(await api.closeRound(this.boardId, roundId));
  }

  /** Joins the board's room and follows its rounds; returns the function that stops (also {@link dispose}). */
  follow(socket: AppSocket): () => void {
    const onOpened: Parameters<typeof socket.on<'round:opened'>>[1] = ({ round }) => {
      if (round.boardId !== this.boardId || this.rounds.some((r) => r.id === round.id)) return;
      this.#put(round);
    };
    const onBallots: Parameters<typeof socket.on<'round:ballots'>>[1] = ({ roundId, ballotCount, voters }) => {
      this.#update(roundId, (round) => ({ ...round, ballotCount, voters }));
    };
    const onClosed: Parameters<typeof socket.on<'round:closed'>>[1] = ({ round }) => {
      if (round.boardId !== this.boardId) return;
      // The event leaves out my ballot and the ballots by member, and a long count: read the round itself.
      const mine = this.rounds.find((r) => r.id === round.id)?.myBallot ?? null;
      this.#put({ ...round, myBallot: mine });
      void this.#refresh(round.id);
    };
    const stop = followBoard(
      socket,
      this.boardId,
      { 'round:opened': onOpened, 'round:ballots': onBallots, 'round:closed': onClosed },
      // Whatever happened before this join (even between the first read and the first join) is read again.
      { onJoined: () => void this.load() },
    );
    this.#stopSocket = () => {
      this.#stopSocket = null;
      stop();
    };
    return this.#stopSocket;
  }

  dispose(): void {
    this.#stopSocket?.();
    this.#read.abort();
  }

  async #refresh(roundId: string): Promise<void> {
    try {
      this.#put(await api.getRound(this.boardId, roundId));
    } catch {
      // The event's round stays shown; the next join reads everything again.
    }
  }

  /** Adds or replaces a round. */
  #put(round: Round): void {
    const others = this.rounds.filter((r) => r.id !== round.id);
    this.rounds = [round, ...others];
  }

  #update(roundId: string, change: (round: Round) => Round): void {
    this.rounds = this.rounds.map((round) => (round.id === roundId ? change(round) : round));
  }
}
