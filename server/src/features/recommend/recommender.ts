import type { Sql } from '#server/db/sql.js';
import { PaperIndex } from './paper-index.js';
import { libraryCount, paperTexts, papersAfter, type PaperText } from './recommend.repository.js';

/**
 * Papers read per query while building or catching up; between pages other requests get the event loop
 * (tokenising 500 papers takes ~20–50 ms).
 */
const PAGE = 500;
/** A ranking looks for papers added meanwhile (on any node) at most this often. */
const CATCH_UP_MS = 1000;
/**
 * How often the index's size is compared with the library's. Papers get their `seq` before their import
 * commits, so two imports committing in the other order can hide a paper from the catch-up by `seq`;
 * a count that disagrees rebuilds the index in the background (the old one keeps answering meanwhile).
 */
const RECOUNT_MS = 10 * 60_000;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The node's "more like this" index: built from the `papers` table in the background after start-up
 * (`main.ts`) or on first use, whichever comes first (a ranking waits for it; the demo's 240 papers take
 * milliseconds, 100,000 about 30 s from the table, see docs/benchmarks.md), then kept current by
 * reading the papers added since (by `seq`, through its index) before a ranking, at most once a second.
 * Every node keeps its own, rebuilt from the database: nothing depends on which node imported a paper.
 */
export class Recommender {
  private index: PaperIndex | null = null;
  private building: Promise<PaperIndex> | null = null;
  private catchingUp: Promise<void> | null = null;
  private watermark: string | null = null;
  private lastCatchUp = 0;
  private lastRecount = 0;
  private closed = false;

  constructor(
    private readonly sql: Sql,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The index, current within a second: built on first use, caught up with new papers. */
  async current(): Promise<PaperIndex> {
    const index = this.index ?? (await this.build());
    if (this.clock() - this.lastCatchUp >= CATCH_UP_MS) await this.catchUp();
    if (this.clock() - this.lastRecount >= RECOUNT_MS) void this.recount();
    return this.index ?? index;
  }

  /** Builds the index now (after start-up, in the background) unless it is built or being built. */
  async warm(): Promise<void> {
    if (!this.index) await this.build();
  }

  /** Makes sure these papers are indexed (new papers of a feed run, or one asked for by id). */
  async include(ids: string[]): Promise<PaperIndex> {
    const index = await this.current();
    const missing = ids.filter((id) => index.indexOf(id) === undefined);
    if (missing.length > 0) index.add(await paperTexts(this.sql, missing));
    return index;
  }

  /** Stops background work (a rebuild in flight is dropped). */
  close(): void {
    this.closed = true;
  }

  private build(): Promise<PaperIndex> {
    this.building ??= this.load()
      .then(({ index, watermark }) => {
        this.index = index;
        this.watermark = watermark;
        this.lastCatchUp = this.lastRecount = this.clock();
        return index;
      })
      .finally(() => {
        this.building = null;
      });
    return this.building;
  }

  private async load(): Promise<{ index: PaperIndex; watermark: string | null }> {
    const index = new PaperIndex();
    let watermark: string | null = null;
    for (;;) {
      const page = await papersAfter(this.sql, watermark, PAGE);
      index.add(page);
      if (page.length > 0) watermark = page[page.length - 1].seq;
      if (page.length < PAGE || this.closed) break;
      await yieldToEventLoop();
    }
    index.vectors();
    return { index, watermark };
  }

  private catchUp(): Promise<void> {
    this.catchingUp ??= (async () => {
      try {
        for (;;) {
          const page: PaperText[] = await papersAfter(this.sql, this.watermark, PAGE);
          this.index?.add(page);
          if (page.length > 0) this.watermark = page[page.length - 1].seq;
          if (page.length < PAGE) break;
        }
        this.lastCatchUp = this.clock();
      } finally {
        this.catchingUp = null;
      }
    })();
    return this.catchingUp;
  }

  private async recount(): Promise<void> {
    this.lastRecount = this.clock();
    const count = await libraryCount(this.sql).catch(() => null);
    if (count === null || this.closed || !this.index || count === this.index.size || this.building) return;
    const fresh = await this.load().catch(() => null);
    if (!fresh || this.closed) return;
    this.index = fresh.index;
    this.watermark = fresh.watermark;
  }
}
