import { Type, type Static } from '@sinclair/typebox';
import { Uuid } from './common.js';
import { POLL_LIMITS } from '#shared/protocol/polls.js';

export { POLL_LIMITS };

/** A member's answer for one slot: yes, "if need be", or no. */
export const POLL_ANSWERS = ['yes', 'maybe', 'no'] as const;
export type PollAnswer = (typeof POLL_ANSWERS)[number];

// One enum rather than a union of literals: a wrong value is reported as "must be equal to one of the
// allowed values" at the answer's own path.
const PollAnswerValue = Type.Unsafe<PollAnswer>({ type: 'string', enum: [...POLL_ANSWERS] });

const CardId = Type.String({ minLength: 1, maxLength: POLL_LIMITS.cardId });
const DateTime = Type.String({ format: 'date-time' });

/** Path parameters of one poll's routes. */
export const PollParams = Type.Object({ boardId: Uuid, pollId: Uuid });
export type PollParams = Static<typeof PollParams>;

/** Query of `GET /api/boards/:boardId/polls`. */
export const PollListQuery = Type.Object(
  { status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('closed')])) },
  { additionalProperties: false },
);
export type PollListQuery = Static<typeof PollListQuery>;

/** Body of `POST /api/boards/:boardId/polls`. */
export const CreatePollRequest = Type.Object(
  {
    /** A card on the board whose session the poll schedules; left out for a board session without a paper yet. */
    cardId: Type.Optional(CardId),
    /** 2–12 distinct times, each in the future and at most a year ahead; stored sorted. */
    slots: Type.Array(DateTime, { minItems: POLL_LIMITS.minSlots, maxItems: POLL_LIMITS.maxSlots }),
    /** Deadline for answers, in the future; the owner may still pick after it. */
    closesAt: Type.Optional(DateTime),
  },
  { additionalProperties: false },
);
export type CreatePollRequest = Static<typeof CreatePollRequest>;

/** Body of `PUT …/polls/:pollId/answer`: my whole answer, slot id → answer (slots left out are unanswered). */
export const AnswerRequest = Type.Object(
  {
    answers: Type.Record(Type.String({ maxLength: 64 }), PollAnswerValue, { maxProperties: POLL_LIMITS.maxSlots }),
  },
  { additionalProperties: false },
);
export type AnswerRequest = Static<typeof AnswerRequest>;

/** My answers to a poll: slot id → answer. */
export const PollAnswers = Type.Record(Type.String(), PollAnswerValue);
export type PollAnswers = Static<typeof PollAnswers>;

/** Answer of `PUT …/answer`. */
export const MyAnswers = Type.Object({ answers: PollAnswers });
export type MyAnswers = Static<typeof MyAnswers>;

/**
 * Body of `POST …/polls/:pollId/pick`: the slot and who presents. `cardId` is required for a poll
 * without a card (and must then be a card on the board); for a poll with one it may only repeat it.
 */
export const PickRequest = Type.Object(
  { slotId: Uuid, presenterId: Uuid, cardId: Type.Optional(CardId) },
  { additionalProperties: false },
);
export type PickRequest = Static<typeof PickRequest>;

/** One slot with its counts among current members. */
export const PollSlot = Type.Object({
  id: Uuid,
  at: DateTime,
  yes: Type.Integer(),
  maybe: Type.Integer(),
  no: Type.Integer(),
});
export type PollSlot = Static<typeof PollSlot>;

/** A member who answered, as the grid shows a row. */
export const Respondent = Type.Object({ id: Uuid, name: Type.String() });
export type Respondent = Static<typeof Respondent>;

/**
 * A poll. `answers` is every current member's answers by user id (answers are not secret);
 * `respondents` the members who answered at least one slot, first answer first. `best` is the slot
 * with the most yes, then the most "if need be", then the earliest; null while nobody has answered.
 * `answering` says whether answers are still taken (open and before `closesAt`).
 */
export const Poll = Type.Object({
  id: Uuid,
  boardId: Uuid,
  cardId: Type.Union([Type.String(), Type.Null()]),
  /** The card's paper, when the poll has a card still on the board whose paper is in the library. */
  paper: Type.Union([Type.Object({ id: Uuid, title: Type.String() }), Type.Null()]),
  status: Type.Union([Type.Literal('open'), Type.Literal('closed')]),
  answering: Type.Boolean(),
  closesAt: Type.Union([DateTime, Type.Null()]),
  slots: Type.Array(PollSlot),
  answers: Type.Record(Type.String(), PollAnswers),
  respondents: Type.Array(Respondent),
  best: Type.Union([Uuid, Type.Null()]),
  /** The caller's own answers ({} when none). */
  myAnswers: PollAnswers,
  pickedSlotId: Type.Union([Uuid, Type.Null()]),
  /** Once picked: the card scheduled (the poll's, or the one named at pick for a poll without a card). */
  pickedCardId: Type.Union([Type.String(), Type.Null()]),
  /** Once picked: who presents. */
  presenter: Type.Union([Respondent, Type.Null()]),
  createdBy: Type.Union([Uuid, Type.Null()]),
  createdAt: DateTime,
  closedAt: Type.Union([DateTime, Type.Null()]),
});
export type Poll = Static<typeof Poll>;

/** Answer of `GET /api/boards/:boardId/polls`: newest first. */
export const PollList = Type.Object({ items: Type.Array(Poll) });
export type PollList = Static<typeof PollList>;

/**
 * The slot a poll's answers favour: the most yes, then the most "if need be", then the fewest no, then
 * the earliest (slots are sorted by time, so the first of equals). Null when no slot has a yes or an
 * "if need be" (nobody answered, or nobody can come at any time): no time is offered as best then.
 */
export function bestSlot(slots: readonly { id: string; yes: number; maybe: number; no: number }[]): string | null {
  let best: (typeof slots)[number] | null = null;
  for (const slot of slots) {
    if (slot.yes + slot.maybe === 0) continue;
    const better =
      !best ||
      slot.yes > best.yes ||
      (slot.yes === best.yes && (slot.maybe > best.maybe || (slot.maybe === best.maybe && slot.no < best.no)));
    if (better) best = slot;
  }
  return best?.id ?? null;
}
