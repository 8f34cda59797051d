import type { FeedRun, NewWatch, Watch } from '#shared/schemas/feeds.js';
import * as api from '#client/lib/api.js';
import { LatestRead } from '#client/lib/latest-read.svelte.js';

/**
 * A board's watches and the recent runs of them (Settings tab). Adding and deleting answer at once;
 * runs happen once a day, so they are read when the page opens (and on Retry), not followed live.
 */
export class WatchesState {
  watches = $state.raw<Watch[]>([]);
  runs = $state.raw<FeedRun[]>([]);
  loaded = $state(false);

  readonly #read = new LatestRead();
  /** A read is under way. */
  get loading(): boolean {
    return this.#read.loading;
  }
  /** Why loading failed. */
  get error(): string | null {
    return this.#read.error;
  }

  constructor(readonly boardId: string) {}

  load(): Promise<void> {
    return this.#read.run(async (signal) => {
      const list = await api.listWatches(this.boardId, signal);
      this.watches = list.items;
      this.runs = list.runs;
      this.loaded = true;
    });
  }

  /** Adds a watch (owners); rejects with `ApiError` (a 400 names its field). */
  async add(body: NewWatch): Promise<Watch> {
    const watch = await api.addWatch(this.boardId, body);
    this.watches = [...this.watches, watch];
    return watch;
  }

  /** Deletes a watch (owners); its runs stay listed. */
  async remove(watchId: string): Promise<void> {
    await api.deleteWatch(this.boardId, watchId);
    this.watches = this.watches.filter((watch) => watch.id !== watchId);
  }

  /** The runs of one watch, newest first. */
  runsOf(watchId: string): FeedRun[] {
    return this.runs.filter((run) => run.watchId === watchId);
  }

  dispose(): void {
    this.#read.abort();
  }
}
