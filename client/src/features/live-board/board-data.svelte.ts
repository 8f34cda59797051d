import type { ActivityEntry } from '#shared/schemas/activity.js';
import type { Member } from '#shared/schemas/boards.js';
import type { ProjectedCard } from '#shared/schemas/cards.js';
import type { Paper } from '#shared/schemas/papers.js';
import type { AssignmentRequest } from '#shared/schemas/schedule.js';
import type { FeedbackSummary } from '#shared/schemas/feedback.js';
import type { CardTally, VotingSettings } from '#shared/schemas/votes.js';
import * as api from '#client/lib/api.js';
import { followBoard, type AppSocket } from '#client/lib/socket.js';
import { toasts } from '#client/lib/toasts.svelte.js';

/** What the server holds about a card beyond the document: votes and the presenter. */
export interface CardFacts {
  votes: CardTally;
  /** My dots on the card (1 for my upvote). */
  myDots: number;
  assignment: ProjectedCard['assignment'];
}

const NO_FACTS: CardFacts = { votes: { voters: 0, dots: 0 }, myDots: 0, assignment: null };
const ACTIVITY_SHOWN = 50;
/** Papers fetched at once for cards the projection does not know yet (added a moment ago). */
const PAPER_FETCHES = 4;

/**
 * The server-authoritative side of a board screen: the papers shown on cards, vote tallies and my
 * votes, presenters, the voting rules and the activity feed, kept live over socket.io. Votes are
 * optimistic: shown at once, rolled back with a toast (offering a retry) when the server refuses.
 */
export class BoardData {
  /** Papers by id; null for a paper the library does not have. */
  papers = $state.raw<Record<string, Paper | null>>({});
  facts = $state.raw<Record<string, CardFacts>>({});
  voting = $state.raw<VotingSettings | null>(null);
  activity = $state.raw<ActivityEntry[]>([]);
  /** Session feedback summaries (attendance, average rating and interest) of the cards that have any. */
  feedback = $state.raw<Record<string, FeedbackSummary>>({});
  /** The activity feed: read when first shown ({@link loadActivity}), then kept live. */
  activityState = $state<'unread' | 'loading' | 'loaded' | 'failed'>('unread');
  /** A read is under way (the first, or a refresh after a reconnect). */
  loading = $state(true);
  /** The board has been read once: a refresh keeps showing it. */
  loaded = $state(false);
  error = $state<string | null>(null);

  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a working value, not state
  #pendingPapers = new Set<string>();
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, not state
  #complete = new Set<string>();
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, not state
  #tallyVersions = new Map<string, number>();
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, not state
  #myVoteRequests = new Map<string, number>();
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, not state
  #feedbackVersions = new Map<string, number>();
  #controller = new AbortController();
  #stopSocket: (() => void) | null = null;

  constructor(
    readonly boardId: string,
    /** The board's members, for presenter names in live events. */
    private readonly members: () => Member[],
  ) {}

  /** The facts of a card (zero votes and no presenter when the server knows nothing of it). */
  factsOf(cardId: string): CardFacts {
    return this.facts[cardId] ?? NO_FACTS;
  }

  async load(): Promise<void> {
    this.loading = true;
    this.error = null;
    const signal = this.#controller.signal;
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a working copy, not state
    const versionsBefore = new Map(this.#tallyVersions);
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a working copy, not state
    const feedbackVersionsBefore = new Map(this.#feedbackVersions);
    try {
      const [cards, voting, feedback] = await Promise.all([
        api.getBoardCards(this.boardId, {}, signal),
        api.getVoting(this.boardId, signal),
        // The board shows without averages rather than not at all.
        api.getBoardFeedback(this.boardId, signal).catch((error: unknown) => {
          if (api.isAbort(error)) throw error;
          return null;
        }),
      ]);
      const papers = { ...this.papers };
      const facts: Record<string, CardFacts> = {};
      for (const card of cards.cards) {
        // A paper already read in full (its card was opened) keeps its abstract.
        if (!this.#complete.has(card.paperId)) papers[card.paperId] = card.paper;
        facts[card.id] = { votes: card.votes, myDots: card.myDots, assignment: card.assignment };
      }
      // Tallies of cards the projection has not caught up with yet.
      for (const [cardId, tally] of Object.entries(voting.tallies)) {
        facts[cardId] ??= { ...NO_FACTS, votes: tally };
      }
      // A tally that arrived while reading may be newer than what was read: it stays.
      for (const [cardId, version] of this.#tallyVersions) {
        if (versionsBefore.get(cardId) === version || !this.facts[cardId]) continue;
        facts[cardId] = { ...(facts[cardId] ?? NO_FACTS), votes: this.facts[cardId].votes };
      }
      if (feedback) {
        const summaries = { ...feedback.items };
        // A summary that arrived while reading may be newer than what was read: it stays.
        for (const [cardId, version] of this.#feedbackVersions) {
          if (feedbackVersionsBefore.get(cardId) === version) continue;
          if (this.feedback[cardId]) summaries[cardId] = this.feedback[cardId];
        }
        this.feedback = summaries;
      }
      this.papers = papers;
      this.facts = facts;
      this.voting = voting;
      if (!this.loaded) performance.mark('board:data-loaded');
      this.loaded = true;
      if (this.activityState === 'loaded') void this.loadActivity();
    } catch (error) {
      if (api.isAbort(error)) return;
      this.error = api.errorMessage(error);
    } finally {
      this.loading = false;
    }
  }

  /** Reads the latest activity (the feed is hidden until asked for, so the board loads without it). */
  async loadActivity(): Promise<void> {
    if (this.activityState === 'loading') return;
    this.activityState = 'loading';
    try {
      const page = await api.getActivity(this.boardId, undefined, this.#controller.signal);
      const live = this.activity.filter((entry) => !page.items.some((e) => e.id === entry.id));
      this.activity = [...live, ...page.items].slice(0, ACTIVITY_SHOWN);
      this.activityState = 'loaded';
    } catch (error) {
      if (api.isAbort(error)) return;
      this.activityState = 'failed';
    }
  }

  /** Fetches the papers of cards added since the projection was read, a few at a time. */
  ensurePapers(paperIds: readonly string[]): void {
    const missing = paperIds.filter((id) => !(id in this.papers) && !this.#pendingPapers.has(id));
    if (missing.length === 0 || this.loading) return;
    for (const id of missing) this.#pendingPapers.add(id);
    const queue = [...missing];
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        let paper: Paper | null = null;
        try {
          paper = await api.getPaper(id, this.#controller.signal);
        } catch (error) {
          if (api.isAbort(error)) return;
          // 404 (or an id that is not one): the card shows "paper not in the library".
          if (!(error instanceof api.ApiError && (error.status === 404 || error.status === 400))) {
            this.#pendingPapers.delete(id);
            continue;
          }
        }
        this.#pendingPapers.delete(id);
        if (paper) this.#complete.add(id);
        this.papers = { ...this.papers, [id]: paper };
      }
    };
    for (let i = 0; i < Math.min(PAPER_FETCHES, missing.length); i++) void worker();
  }

  /**
   * Reads a paper in full (the board's list leaves abstracts out) for a card's panel; once per paper.
   */
  async ensureFullPaper(paperId: string): Promise<void> {
    if (this.#complete.has(paperId) || this.#pendingPapers.has(paperId) || this.papers[paperId] === null) return;
    this.#pendingPapers.add(paperId);
    try {
      const paper = await api.getPaper(paperId, this.#controller.signal);
      this.#complete.add(paperId);
      this.papers = { ...this.papers, [paperId]: paper };
    } catch (error) {
      if (!api.isAbort(error)) toasts.error(`Could not load the paper: ${api.errorMessage(error)}`);
    } finally {
      this.#pendingPapers.delete(paperId);
    }
  }

  /**
   * Joins the board's socket.io room and follows its events; returns the function that stops. Events
   * sent before a join are not received: after a reconnect, and after the first join when the board
   * was read before it (`readFirst`, see BoardPage), everything is read anew.
   */
  follow(socket: AppSocket, { readFirst = false }: { readFirst?: boolean } = {}): () => void {
    const onJoined = (first: boolean) => {
      const read = (readFirst || !first) && !this.loading ? this.load() : Promise.resolve();
      // From here on the board is live and its reads are done (tests go offline only after it).
      if (first) void read.then(() => performance.mark('board:live'));
    };
    const onVotes: Parameters<typeof socket.on<'votes:changed'>>[1] = ({ boardId, cardId, tally, version }) => {
      if (boardId === this.boardId) this.#takeTally(cardId, tally, version);
    };
    const onVoting: Parameters<typeof socket.on<'voting:changed'>>[1] = ({ boardId }) => {
      if (boardId === this.boardId) void this.load();
    };
    const onAssignment: Parameters<typeof socket.on<'assignment:changed'>>[1] = (change) => {
      if (change.boardId !== this.boardId) return;
      const presenter = this.members().find((m) => m.userId === change.presenterId);
      this.#setFacts(change.cardId, {
        assignment:
          change.presenterId && change.sessionAt
            ? {
                presenter: { id: change.presenterId, name: presenter?.name ?? 'A member' },
                sessionAt: change.sessionAt,
              }
            : null,
      });
    };
    const onFeedback: Parameters<typeof socket.on<'feedback:changed'>>[1] = ({ boardId, cardId, summary, version }) => {
      if (boardId === this.boardId) this.takeFeedback(cardId, summary, version);
    };
    const onActivity: Parameters<typeof socket.on<'activity:new'>>[1] = (entry) => {
      if (entry.boardId !== this.boardId || this.activity.some((e) => e.id === entry.id)) return;
      this.activity = [entry, ...this.activity].slice(0, ACTIVITY_SHOWN);
    };
    this.#stopSocket = followBoard(
      socket,
      this.boardId,
      {
        'votes:changed': onVotes,
        'voting:changed': onVoting,
        'assignment:changed': onAssignment,
        'activity:new': onActivity,
        'feedback:changed': onFeedback,
      },
      {
        onRefused: () => {
          this.error = 'Live updates are unavailable for this board.';
        },
        onJoined,
      },
    );
    return this.#stopSocket;
  }

  #setFacts(cardId: string, change: Partial<CardFacts>): void {
    this.facts = { ...this.facts, [cardId]: { ...this.factsOf(cardId), ...change } };
  }

  /** The feedback summary of a card, or null when nobody gave any. */
  feedbackOf(cardId: string): FeedbackSummary | null {
    return this.feedback[cardId] ?? null;
  }

  /**
   * Shows a card's feedback summary unless a later one is already shown (a member's own answer and the
   * room's `feedback:changed` events travel apart). True when taken.
   */
  takeFeedback(cardId: string, summary: FeedbackSummary, version: number): boolean {
    if (version <= (this.#feedbackVersions.get(cardId) ?? 0)) return false;
    this.#feedbackVersions.set(cardId, version);
    this.feedback = { ...this.feedback, [cardId]: summary };
    return true;
  }

  /**
   * Shows a card's tally from the server unless a later one is already shown: my vote's answer and
   * the room's events travel apart, and the older of two tallies may arrive last. True when taken.
   */
  #takeTally(cardId: string, tally: CardTally, version: number): boolean {
    if (version <= (this.#tallyVersions.get(cardId) ?? 0)) return false;
    this.#tallyVersions.set(cardId, version);
    this.#setFacts(cardId, { votes: tally });
    return true;
  }

  /**
   * Votes for a card or takes the vote back (upvote mode), or sets my dots on it (dots mode, 0 to
   * take them back). Shown at once; the server's answer then sets the tally and my budget.
   */
  async setMyVote(cardId: string, dots: number): Promise<void> {
    const before = this.factsOf(cardId);
    const votingBefore = this.voting;
    const versionBefore = this.#tallyVersions.get(cardId);
    // Only my latest click on a card decides what it shows as mine, whatever order the answers come in.
    const request = (this.#myVoteRequests.get(cardId) ?? 0) + 1;
    this.#myVoteRequests.set(cardId, request);
    const latest = () => this.#myVoteRequests.get(cardId) === request;
    const delta = dots - before.myDots;
    this.#setFacts(cardId, {
      myDots: dots,
      votes: {
        voters: before.votes.voters + (dots > 0 ? 1 : 0) - (before.myDots > 0 ? 1 : 0),
        dots: before.votes.dots + delta,
      },
    });
    if (this.voting?.remainingDots != null) {
      this.voting = { ...this.voting, remainingDots: this.voting.remainingDots - delta };
    }
    try {
      const result =
        dots > 0
          ? await api.vote(this.boardId, cardId, this.voting?.mode === 'dots' ? dots : undefined)
          : await api.unvote(this.boardId, cardId);
      this.#takeTally(cardId, result.tally, result.version);
      if (!latest()) return;
      this.#setFacts(cardId, { myDots: result.myDots });
      if (this.voting) this.voting = { ...this.voting, remainingDots: result.remainingDots };
    } catch (error) {
      // Back to what the server said before, unless it has said something since.
      if (this.#tallyVersions.get(cardId) === versionBefore) this.#setFacts(cardId, { votes: before.votes });
      if (latest()) {
        this.#setFacts(cardId, { myDots: before.myDots });
        this.voting = votingBefore;
      }
      toasts.error(`Your vote was not counted: ${api.errorMessage(error)}`, () => void this.setMyVote(cardId, dots));
    }
  }

  /** Sets (or, with null, clears) a card's presenter and session (the server's choice when left out). */
  async assign(cardId: string, assignment: AssignmentRequest | null): Promise<boolean> {
    try {
      if (assignment) {
        const saved = await api.assignPresenter(this.boardId, cardId, assignment);
        this.#setFacts(cardId, { assignment: { presenter: saved.presenter, sessionAt: saved.sessionAt } });
      } else {
        await api.unassignPresenter(this.boardId, cardId);
        this.#setFacts(cardId, { assignment: null });
      }
      return true;
    } catch (error) {
      toasts.error(`The presenter was not saved: ${api.errorMessage(error)}`);
      return false;
    }
  }

  dispose(): void {
    this.#stopSocket?.();
    this.#controller.abort();
  }
}
