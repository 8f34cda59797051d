import { Type, type Static } from '@sinclair/typebox';
import { Uuid } from './common.js';

/** Upper bounds shared by validation and the database constraints. */
export const PAPER_LIMITS = {
  title: 1000,
  abstract: 20_000,
  authors: 500,
  authorName: 300,
  url: 2000,
  codeUrls: 20,
  tags: 30,
  tag: 64,
  searchQuery: 500,
  pageSize: 100,
} as const;

/** How much of a publication date is known: a BibTeX entry may give only a year, Crossref a year and month. */
export const DatePrecision = Type.Union([Type.Literal('year'), Type.Literal('month'), Type.Literal('day')]);
export type DatePrecision = Static<typeof DatePrecision>;

/** A paper as the API returns it. */
export const Paper = Type.Object(
  {
    id: Uuid,
    title: Type.String(),
    abstract: Type.String(),
    authors: Type.Array(Type.String()),
    arxivId: Type.Union([Type.String(), Type.Null()]),
    doi: Type.Union([Type.String(), Type.Null()]),
    url: Type.Union([Type.String(), Type.Null()]),
    codeUrls: Type.Array(Type.String()),
    tags: Type.Array(Type.String()),
    publishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    /** `year`: only the year of `publishedAt` is known (it is that year's 1 January); `month`: year and month. */
    publishedPrecision: DatePrecision,
    createdAt: Type.String({ format: 'date-time' }),
    /** The outside signal: the latest upvote count a feed reported (Hugging Face daily papers); null: none. */
    upvotes: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    /** The first day (YYYY-MM-DD, UTC) a feed listed the paper; null: no feed did. */
    feedDay: Type.Union([Type.String({ format: 'date' }), Type.Null()]),
  },
  { $id: 'Paper' },
);
export type Paper = Static<typeof Paper>;

/** Input for adding one paper by hand. Identifiers are normalised by the server. */
export const NewPaper = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: PAPER_LIMITS.title }),
    abstract: Type.Optional(Type.String({ maxLength: PAPER_LIMITS.abstract })),
    authors: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: PAPER_LIMITS.authorName }), {
        maxItems: PAPER_LIMITS.authors,
      }),
    ),
    arxivId: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
    doi: Type.Optional(Type.Union([Type.String({ maxLength: 300 }), Type.Null()])),
    url: Type.Optional(Type.Union([Type.String({ format: 'uri', maxLength: PAPER_LIMITS.url }), Type.Null()])),
    codeUrls: Type.Optional(
      Type.Array(Type.String({ format: 'uri', maxLength: PAPER_LIMITS.url }), { maxItems: PAPER_LIMITS.codeUrls }),
    ),
    tags: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: PAPER_LIMITS.tag }), { maxItems: PAPER_LIMITS.tags }),
    ),
    publishedAt: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
  },
  { additionalProperties: false },
);
export type NewPaper = Static<typeof NewPaper>;

/** A piece of highlighted text: `hit` marks words that matched the query. Rendered as text, never HTML. */
export const HighlightSegment = Type.Object({ text: Type.String(), hit: Type.Boolean() });
export type HighlightSegment = Static<typeof HighlightSegment>;

/** One search result: the paper plus highlighted title and abstract snippet. */
export const PaperHit = Type.Intersect([
  Paper,
  Type.Object({
    titleHighlight: Type.Array(HighlightSegment),
    snippet: Type.Array(HighlightSegment),
  }),
]);
export type PaperHit = Static<typeof PaperHit>;

/** `trending`: votes on the caller's boards against age, see docs/api.md. */
const PAPER_SORTS = ['relevance', 'recent', 'trending'] as const;
export type PaperSort = (typeof PAPER_SORTS)[number];

/** Query string of `GET /api/papers`. */
export const PaperSearchQuery = Type.Object(
  {
    q: Type.Optional(
      Type.String({
        maxLength: PAPER_LIMITS.searchQuery,
        description:
          'Words in web-search syntax (title, abstract, authors), or a whole arXiv id, DOI or their URL ' +
          '(that paper first); a plain query whose words find nothing is searched with its typos corrected.',
      }),
    ),
    tag: Type.Optional(Type.String({ minLength: 1, maxLength: PAPER_LIMITS.tag })),
    sort: Type.Optional(Type.Union(PAPER_SORTS.map((s) => Type.Literal(s)))),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: PAPER_LIMITS.pageSize, default: 20 })),
    cursor: Type.Optional(Type.String({ maxLength: 500 })),
    feedDay: Type.Optional(
      Type.String({
        format: 'date',
        description:
          'The "By day" view: the papers the instance feeds listed that day (UTC), most upvoted first; not with q, tag or sort.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type PaperSearchQuery = Static<typeof PaperSearchQuery>;

/** A page of search results; `nextCursor` is null on the last page. */
export const PaperPage = Type.Object({
  items: Type.Array(PaperHit),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
  total: Type.Optional(Type.Integer()),
  /** Present when the query's words found nothing: the query the items are for, its typos corrected. */
  correctedQuery: Type.Optional(Type.String()),
});
export type PaperPage = Static<typeof PaperPage>;

export const IMPORT_FORMATS = ['auto', 'trending', 'arxiv', 'bibtex', 'doi'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** Body of `POST /api/papers/import`. */
export const ImportRequest = Type.Object(
  {
    text: Type.String({ minLength: 1 }),
    format: Type.Optional(Type.Union(IMPORT_FORMATS.map((f) => Type.Literal(f)))),
  },
  { additionalProperties: false },
);
export type ImportRequest = Static<typeof ImportRequest>;

/** Outcome of an import: every input line ends up in exactly one of the three lists. */
export const ImportResult = Type.Object(
  {
    format: Type.Union(IMPORT_FORMATS.filter((f) => f !== 'auto').map((f) => Type.Literal(f))),
    created: Type.Array(Type.Object({ line: Type.Integer(), id: Uuid, title: Type.String() })),
    duplicates: Type.Array(
      Type.Object({ line: Type.Integer(), existingId: Uuid, title: Type.String(), reason: Type.String() }),
    ),
    errors: Type.Array(Type.Object({ line: Type.Integer(), message: Type.String() })),
  },
  { $id: 'ImportResult' },
);
export type ImportResult = Static<typeof ImportResult>;

/**
 * Progress of a long import, streamed as NDJSON when the client asks for `application/x-ndjson`. `total` is 0
 * while it is not known yet (reading BibTeX: the entries are counted once it is read).
 */
export interface ImportProgress {
  phase: 'parse' | 'fetch' | 'store';
  done: number;
  total: number;
}
