import type { PaperHit, PaperSort } from '#shared/schemas/papers.js';
import { errorMessage, isAbort, searchPapers } from '#client/lib/api.js';
import { appendUnique, formatLibraryQuery, parseLibraryQuery } from './library-query.js';

/** How long typing must pause before a search is sent. */
const SEARCH_DEBOUNCE_MS = 200;
/** Typing that continues within this time of the last URL change replaces that history entry. */
const HISTORY_BURST_MS = 1500;
const PAGE_SIZE = 20;

/**
 * The library's search: query, sort, the loaded results and their paging, mirrored in the URL
 * (`?q=&sort=`) so that reload and the back button work. Answers to superseded searches are dropped.
 */
export class LibraryState {
  /** The text in the search box; searches follow it after a short pause. */
  query = $state('');
  /** The sort the user chose; without a query the list is by recency, or trending when chosen. */
  sortChoice = $state<PaperSort>('relevance');
  /** The tag filter ('' for none), applied at once. */
  tag = $state('');
  items = $state.raw<PaperHit[]>([]);
  nextCursor = $state<string | null>(null);
  /** A new search is in flight. */
  loading = $state(false);
  /** The next page is in flight. */
  loadingMore = $state(false);
  /** Why the last search failed; the list is not shown then. */
  error = $state<string | null>(null);
  /** Why loading the next page failed; the list stays. */
  moreError = $state<string | null>(null);
  /** The query the current `items` answer (which may lag behind `query` while typing). */
  shownQuery = $state('');
  /** The query the server searched instead of `shownQuery`, its typos corrected (null: as typed). */
  correctedQuery = $state<string | null>(null);
  /** The sort the current `items` are in. */
  shownSort = $state<PaperSort>('recent');
  /** The tag the current `items` are filtered by. */
  shownTag = $state('');
  /** At least one search has answered, so `items` can be trusted to say "nothing". */
  loaded = $state(false);

  hasQuery = $derived(this.query.trim() !== '');
  sort: PaperSort = $derived(this.hasQuery || this.sortChoice === 'trending' ? this.sortChoice : 'recent');

  #generation = 0;
  #controller: AbortController | null = null;
  #debounce: ReturnType<typeof setTimeout> | undefined;
  #lastUrlWrite = 0;

  #readUrl(): void {
    const { q, sort, tag } = parseLibraryQuery(window.location.search);
    this.query = q;
    this.sortChoice = sort;
    this.tag = tag;
  }

  /** Sets the query from the search box; the search runs once typing pauses. */
  setQuery(query: string): void {
    this.query = query;
    clearTimeout(this.#debounce);
    this.#debounce = setTimeout(() => this.#commit({ skipIfShown: true }), SEARCH_DEBOUNCE_MS);
  }

  /** Replaces the query and searches at once (a suggestion or a link, not typing). */
  searchFor(query: string): void {
    this.query = query;
    this.#commit({ newEntry: true });
  }

  setSort(sort: PaperSort): void {
    if (sort === this.sortChoice || (!this.hasQuery && sort === 'relevance')) return;
    this.sortChoice = sort;
    this.#commit({ newEntry: true });
  }

  /** Shows only papers with `tag` ('' shows all again). */
  setTag(tag: string): void {
    if (tag === this.tag) return;
    this.tag = tag;
    this.#commit({ newEntry: true });
  }

  /** Runs the search the URL describes, without touching history (start-up, back and forward). */
  syncFromUrl(): void {
    this.#readUrl();
    clearTimeout(this.#debounce);
    void this.search();
  }

  /** Searches again for the current query, e.g. after an import. */
  refresh(): Promise<void> {
    return this.search();
  }

  #commit(options: { newEntry?: boolean; skipIfShown?: boolean } = {}): void {
    clearTimeout(this.#debounce);
    this.#writeUrl(options.newEntry ?? false);
    // Typing a trailing space changes nothing that the server would see.
    const shown = this.query.trim() === this.shownQuery && this.sort === this.shownSort && this.tag === this.shownTag;
    if (options.skipIfShown && shown && this.loaded && !this.loading && !this.error) return;
    void this.search();
  }

  #writeUrl(newEntry: boolean): void {
    const { pathname, search, hash } = window.location;
    const url = `${pathname}${formatLibraryQuery({ q: this.query, sort: this.sortChoice, tag: this.tag })}${hash}`;
    if (url === `${pathname}${search}${hash}`) return;
    const now = Date.now();
    const replace = !newEntry && now - this.#lastUrlWrite < HISTORY_BURST_MS;
    this.#lastUrlWrite = now;
    if (replace) window.history.replaceState(null, '', url);
    else window.history.pushState(null, '', url);
  }

  /** Loads the first page for the current query and sort, superseding any search in flight. */
  async search(): Promise<void> {
    this.#controller?.abort();
    const controller = new AbortController();
    this.#controller = controller;
    const generation = ++this.#generation;
    const q = this.query.trim();
    const sort = this.sort;
    const tag = this.tag;
    this.loading = true;
    this.loadingMore = false;
    this.error = null;
    this.moreError = null;
    try {
      const page = await searchPapers({ q, sort, tag: tag || undefined, limit: PAGE_SIZE }, controller.signal);
      if (generation !== this.#generation) return;
      this.items = page.items;
      this.nextCursor = page.nextCursor;
      this.shownQuery = q;
      this.correctedQuery = page.correctedQuery ?? null;
      this.shownSort = sort;
      this.shownTag = tag;
      this.loaded = true;
    } catch (err) {
      if (generation !== this.#generation || isAbort(err)) return;
      this.error = errorMessage(err);
    } finally {
      if (generation === this.#generation) this.loading = false;
    }
  }

  /** Appends the next page, if there is one and nothing else is loading. */
  async loadMore(): Promise<void> {
    const cursor = this.nextCursor;
    if (!cursor || this.loading || this.loadingMore) return;
    const generation = this.#generation;
    const signal = this.#controller?.signal;
    this.loadingMore = true;
    this.moreError = null;
    try {
      const page = await searchPapers(
        { q: this.shownQuery, sort: this.shownSort, tag: this.shownTag || undefined, limit: PAGE_SIZE, cursor },
        signal,
      );
      if (generation !== this.#generation) return;
      this.items = appendUnique(this.items, page.items);
      this.nextCursor = page.nextCursor;
    } catch (err) {
      if (generation !== this.#generation || isAbort(err)) return;
      this.moreError = errorMessage(err);
    } finally {
      if (generation === this.#generation) this.loadingMore = false;
    }
  }

  /** Stops timers and requests; call when the page goes away. */
  dispose(): void {
    clearTimeout(this.#debounce);
    this.#controller?.abort();
    this.#generation++;
  }
}
