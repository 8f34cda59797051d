import { Type, type Static } from '@sinclair/typebox';
import { Paper } from './papers.js';
import { CardTally } from './votes.js';
import { Presenter } from './schedule.js';
import { FeedbackSummary } from './feedback.js';

/** Formats of `GET /api/boards/:boardId/export`. */
const EXPORT_FORMATS = ['markdown', 'csv', 'bibtex', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Query of `GET /api/boards/:boardId/export`. */
export const ExportQuery = Type.Object(
  { format: Type.Union(EXPORT_FORMATS.map((f) => Type.Literal(f))) },
  { additionalProperties: false },
);
export type ExportQuery = Static<typeof ExportQuery>;

/** One card of the exported reading list; `paper` is null when the card's paper is not in the library. */
export const ExportedCard = Type.Object({
  cardId: Type.String(),
  paper: Type.Union([Paper, Type.Null()]),
  votes: CardTally,
  presenter: Type.Union([Presenter, Type.Null()]),
  sessionAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  /** Members who attended the session, the average rating and interest with their counts (of current members). */
  feedback: FeedbackSummary,
  /** The card's note as Markdown, null when it has none (or an empty one). */
  note: Type.Union([Type.String(), Type.Null()]),
});
export type ExportedCard = Static<typeof ExportedCard>;

/** The `json` export: the board's reading list, column by column in board order. */
export const BoardExport = Type.Object({
  board: Type.Object({ id: Type.String(), name: Type.String() }),
  exportedAt: Type.String({ format: 'date-time' }),
  columns: Type.Array(Type.Object({ id: Type.String(), title: Type.String(), cards: Type.Array(ExportedCard) })),
});
export type BoardExport = Static<typeof BoardExport>;
