import type { CalendarFeed, Schedule } from '../../../../shared/schemas/schedule.js';
import * as api from '../../lib/api.js';

/**
 * A board's schedule page: its sessions and its calendar feed, loaded together. `rotateFeed` rejects
 * with `ApiError` and keeps the current feed.
 */
export class ScheduleState {
  schedule = $state.raw<Schedule | null>(null);
  feed = $state.raw<CalendarFeed | null>(null);
  loading = $state(false);
  /** Why loading failed. */
  error = $state<string | null>(null);

  /** Loaded, and no session at all, past or upcoming. */
  empty = $derived(this.schedule !== null && this.schedule.upcoming.length === 0 && this.schedule.past.length === 0);

  /**
   * The feed's URL on this page's origin rather than the server's PUBLIC_URL (which defaults to
   * localhost): people reach the app at this address, so their calendar apps can too.
   */
  feedUrl = $derived(this.feed ? this.feed.url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]+/i, window.location.origin) : '');

  #controller: AbortController | null = null;

  constructor(readonly boardId: string) {}

  async load(): Promise<void> {
    this.#controller?.abort();
    const controller = new AbortController();
    this.#controller = controller;
    this.loading = true;
    this.error = null;
    try {
      const [schedule, feed] = await Promise.all([
        api.getSchedule(this.boardId, controller.signal),
        api.getCalendarFeed(this.boardId, controller.signal),
      ]);
      this.schedule = schedule;
      this.feed = feed;
    } catch (err) {
      if (api.isAbort(err)) return;
      this.error = api.errorMessage(err);
    } finally {
      if (this.#controller === controller) this.loading = false;
    }
  }

  /** Replaces the feed's token (owners only): calendars subscribed to the old URL stop updating. */
  async rotateFeed(): Promise<void> {
    this.feed = await api.rotateCalendarFeed(this.boardId);
  }

  dispose(): void {
    this.#controller?.abort();
  }
}
