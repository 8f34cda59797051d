import { LatestRead } from '#client/lib/latest-read.svelte.js';
import type { CalendarFeed, Schedule } from '#shared/schemas/schedule.js';
import * as api from '#client/lib/api.js';
import { followBoard, type AppSocket } from '#client/lib/socket.js';

/** How long a burst of live changes (a presenter and a date set one after the other) waits to cost one reload. */
const RELOAD_DELAY_MS = 150;

/**
 * A board's schedule page: its sessions and its calendar feed, loaded together, and loaded again when
 * someone assigns or clears a presenter ({@link follow}). `rotateFeed` rejects with `ApiError` and
 * keeps the current feed.
 */
export class ScheduleState {
  schedule = $state.raw<Schedule | null>(null);
  feed = $state.raw<CalendarFeed | null>(null);

  /** Loaded, and no session at all, past or upcoming. */
  empty = $derived(this.schedule !== null && this.schedule.upcoming.length === 0 && this.schedule.past.length === 0);

  /**
   * The feed's URL on this page's origin rather than the server's PUBLIC_URL (which defaults to
   * localhost): people reach the app at this address, so their calendar apps can too.
   */
  feedUrl = $derived(this.feed ? this.feed.url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]+/i, window.location.origin) : '');

  readonly #read = new LatestRead();
  /** A read is under way. */
  get loading(): boolean {
    return this.#read.loading;
  }
  /** Why loading failed. */
  get error(): string | null {
    return this.#read.error;
  }
  #reloadTimer: ReturnType<typeof setTimeout> | null = null;
  #stopSocket: (() => void) | null = null;

  constructor(readonly boardId: string) {}

  load(): Promise<void> {
    return this.#read.run(async (signal) => {
      const [schedule, feed] = await Promise.all([
        api.getSchedule(this.boardId, signal),
        api.getCalendarFeed(this.boardId, signal),
      ]);
      this.schedule = schedule;
      this.feed = feed;
    });
  }

  /** Replaces my feed's token: calendars subscribed to my old URL stop updating; other members' do not change. */
  async rotateFeed(): Promise<void> {
    this.feed = await api.rotateCalendarFeed(this.boardId);
  }

  /**
   * Joins the board's socket.io room and reloads the schedule, shortly, when a card's presenter or
   * session changes; returns the function that stops (also called by {@link dispose}).
   */
  follow(socket: AppSocket): () => void {
    // Changes made while not in the room (before connecting, or between a drop and the reconnect) were
    // missed: read the shown schedule anew. A failed load stays as it is, with its Retry.
    const onReconnect = () => {
      if (this.schedule && !this.loading) void this.load();
    };
    const onAssignment: Parameters<typeof socket.on<'assignment:changed'>>[1] = ({ boardId }) => {
      if (boardId !== this.boardId) return;
      if (this.#reloadTimer) clearTimeout(this.#reloadTimer);
      this.#reloadTimer = setTimeout(() => {
        this.#reloadTimer = null;
        void this.load();
      }, RELOAD_DELAY_MS);
    };
    // A board the user cannot read fails to load too, and the page says so: nothing to add on refusal.
    const stop = followBoard(
      socket,
      this.boardId,
      { 'assignment:changed': onAssignment },
      {
        onJoined: (first) => {
          if (!first) onReconnect();
        },
      },
    );
    this.#stopSocket = () => {
      this.#stopSocket = null;
      if (this.#reloadTimer) clearTimeout(this.#reloadTimer);
      this.#reloadTimer = null;
      stop();
    };
    return this.#stopSocket;
  }

  dispose(): void {
    this.#stopSocket?.();
    this.#read.abort();
  }
}
