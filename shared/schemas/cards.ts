import { Type, type Static } from '@sinclair/typebox';
import { RoleSchema } from './boards.js';
import { Uuid } from './common.js';
import { Paper } from './papers.js';
import { Presenter } from './schedule.js';
import { CardTally } from './votes.js';

/** A column of a board as projected from its document. */
const ProjectedColumn = Type.Object({ id: Type.String(), title: Type.String(), position: Type.Integer() });
type ProjectedColumn = Static<typeof ProjectedColumn>;

/** A card as projected from the document, with its paper joined in (null when the paper is missing). */
export const ProjectedCard = Type.Object({
  id: Type.String(),
  columnId: Type.String(),
  position: Type.Integer(),
  paperId: Type.String(),
  paper: Type.Union([Paper, Type.Null()]),
  /** True when the card's paperId names no paper of the library. */
  missingPaper: Type.Boolean(),
  addedBy: Type.String(),
  addedAt: Type.String(),
  commentCount: Type.Integer(),
  votes: CardTally,
  /** The dots the caller gave this card (1 for an upvote, 0 when none). */
  myDots: Type.Integer(),
  /** Who presents the card's paper, and when; null while unassigned. */
  assignment: Type.Union([
    Type.Object({ presenter: Presenter, sessionAt: Type.String({ format: 'date-time' }) }),
    Type.Null(),
  ]),
});
export type ProjectedCard = Static<typeof ProjectedCard>;

/**
 * Query of `GET /api/boards/:boardId/cards`. `abstracts=false` sends every paper's abstract as an empty
 * string: the board screen shows abstracts only in a card's panel, which fetches the paper, and the
 * answer for a board of hundreds of papers shrinks several times over.
 */
export const BoardCardsQuery = Type.Object(
  { abstracts: Type.Optional(Type.Boolean({ default: true })) },
  { additionalProperties: false },
);
export type BoardCardsQuery = Static<typeof BoardCardsQuery>;

/** `GET /api/boards/:boardId/cards`: the board's columns and cards in display order. */
export const BoardCards = Type.Object({ columns: Type.Array(ProjectedColumn), cards: Type.Array(ProjectedCard) });
export type BoardCards = Static<typeof BoardCards>;

/** Body of `POST /api/boards/:boardId/cards`: nominate a library paper; the first column when `columnId` is omitted. */
export const AddCardRequest = Type.Object(
  {
    paperId: Uuid,
    columnId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type AddCardRequest = Static<typeof AddCardRequest>;

/** Answer of `POST /api/boards/:boardId/cards`. */
export const AddedCard = Type.Object({ cardId: Type.String(), columnId: Type.String() });
export type AddedCard = Static<typeof AddedCard>;

/** One of the caller's boards showing a paper: where its card is and how many votes it has. */
export const PaperOnBoard = Type.Object({
  boardId: Uuid,
  boardName: Type.String(),
  /** The caller's role on that board. */
  role: RoleSchema,
  cardId: Type.String(),
  columnId: Type.String(),
  columnTitle: Type.String(),
  votes: CardTally,
});
export type PaperOnBoard = Static<typeof PaperOnBoard>;

/**
 * `GET /api/papers/:paperId/boards`: the caller's boards that already show the paper, as ids (the board
 * picker's question) and with the card's column and votes (the paper page's), most recently changed first.
 */
export const PaperBoards = Type.Object({ boardIds: Type.Array(Type.String()), boards: Type.Array(PaperOnBoard) });
export type PaperBoards = Static<typeof PaperBoards>;
