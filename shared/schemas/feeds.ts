import { Type, type Static } from '@sinclair/typebox';
import { Uuid } from './common.js';
import { ARXIV_CATEGORY_PATTERN, FEED_SOURCES, WATCH_LIMITS, type FeedSource } from '#shared/protocol/feeds.js';

export { ARXIV_CATEGORY_PATTERN, FEED_SOURCES, WATCH_LIMITS, type FeedSource };

const FeedSourceSchema = Type.Union(FEED_SOURCES.map((s) => Type.Literal(s)));
const Day = Type.String({ format: 'date', description: 'YYYY-MM-DD (UTC)' });

/** Body of `POST /api/boards/:boardId/watches`: `arxiv` needs categories or a query, `rss` a URL. */
export const NewWatch = Type.Object(
  {
    source: FeedSourceSchema,
    query: Type.Optional(Type.String({ minLength: 1, maxLength: WATCH_LIMITS.query })),
    categories: Type.Optional(
      Type.Array(Type.String({ pattern: ARXIV_CATEGORY_PATTERN }), { maxItems: WATCH_LIMITS.categories }),
    ),
    url: Type.Optional(Type.String({ minLength: 1, maxLength: WATCH_LIMITS.url })),
  },
  { additionalProperties: false },
);
export type NewWatch = Static<typeof NewWatch>;

/** One feed run: what it fetched and stored. `at` is when it was claimed. */
export const FeedRun = Type.Object({
  id: Type.String(),
  source: FeedSourceSchema,
  /** The feed: an instance feed's FEEDS entry (`hf-daily`, `arxiv:cs.LG+cs.CL`, `rss:<url>`) or `watch:<id>`. */
  feedKey: Type.String(),
  day: Day,
  /** `unchanged`: the source answered 304 Not Modified; `failed`: see `error` (tried again later, a few times). */
  status: Type.Union([
    Type.Literal('running'),
    Type.Literal('done'),
    Type.Literal('unchanged'),
    Type.Literal('failed'),
  ]),
  attempts: Type.Integer(),
  /** Items the source listed, before a watch's query. */
  fetched: Type.Integer(),
  /** Items a watch's query left out. */
  filtered: Type.Integer(),
  created: Type.Integer(),
  duplicates: Type.Integer(),
  errors: Type.Integer(),
  error: Type.Union([Type.String(), Type.Null()]),
  watchId: Type.Union([Uuid, Type.Null()]),
  boardId: Type.Union([Uuid, Type.Null()]),
  at: Type.String({ format: 'date-time' }),
  finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
export type FeedRun = Static<typeof FeedRun>;

/** A board's watch. */
export const Watch = Type.Object({
  id: Uuid,
  boardId: Uuid,
  source: FeedSourceSchema,
  query: Type.Union([Type.String(), Type.Null()]),
  categories: Type.Array(Type.String()),
  url: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
});
export type Watch = Static<typeof Watch>;

/** `GET /api/boards/:boardId/watches`: the watches and the recent runs of them, newest first. */
export const WatchList = Type.Object({ items: Type.Array(Watch), runs: Type.Array(FeedRun) });
export type WatchList = Static<typeof WatchList>;

/** Params of one watch. */
export const WatchParams = Type.Object({ boardId: Uuid, watchId: Uuid });

/** Query of `GET /api/feeds/runs`. */
export const FeedRunsQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    /** Only the runs of this board's watches (members). */
    boardId: Type.Optional(Uuid),
  },
  { additionalProperties: false },
);
export type FeedRunsQuery = Static<typeof FeedRunsQuery>;

/** `GET /api/feeds/runs`. */
export const FeedRunList = Type.Object({ items: Type.Array(FeedRun) });
export type FeedRunList = Static<typeof FeedRunList>;

/** Body of `POST /api/feeds/run` (the local CLI, with the admin secret): one feed, one day, by hand. */
export const RunFeedRequest = Type.Object(
  {
    feed: Type.String({ minLength: 1, maxLength: 2100, description: 'hf-daily, arxiv:cs.LG+cs.CL or rss:<url>' }),
    day: Day,
  },
  { additionalProperties: false },
);
export type RunFeedRequest = Static<typeof RunFeedRequest>;

/** `GET /api/papers/feed-days`: the latest days that have feed papers, newest first. */
export const FeedDayList = Type.Object({
  items: Type.Array(Type.Object({ day: Day, papers: Type.Integer() })),
});
export type FeedDayList = Static<typeof FeedDayList>;
