import { Type, type Static } from '@sinclair/typebox';
import { TimeZoneName, Uuid } from './common.js';
import { PublicSettings, PublicSettingsRequest } from './public.js';

export const ROLES = ['owner', 'editor', 'viewer'] as const;
/** A member's role on a board. */
export type Role = (typeof ROLES)[number];
/** A role as a schema, for answers that carry the caller's role. */
export const RoleSchema = Type.Union(ROLES.map((r) => Type.Literal(r)));
/** Roles an invitation may grant (ownership is handed over by changing a member's role). */
const InviteRoleSchema = Type.Union([Type.Literal('editor'), Type.Literal('viewer')]);

export const BOARD_LIMITS = { name: 100, description: 2000, inviteDays: 90, inviteUses: 1000 } as const;

const BoardName = Type.String({ minLength: 1, maxLength: BOARD_LIMITS.name, pattern: '\\S' });
const BoardDescription = Type.String({ maxLength: BOARD_LIMITS.description });

/** Path parameters of every board route. */
export const BoardParams = Type.Object({ boardId: Uuid });
export const MemberParams = Type.Object({ boardId: Uuid, userId: Uuid });
export const InviteParams = Type.Object({ boardId: Uuid, inviteId: Uuid });
export const InviteTokenParams = Type.Object({ token: Type.String({ minLength: 16, maxLength: 128 }) });

export const CreateBoardRequest = Type.Object(
  { name: BoardName, description: Type.Optional(BoardDescription) },
  { additionalProperties: false },
);
export type CreateBoardRequest = Static<typeof CreateBoardRequest>;

/** How often a board meets: every week, every two weeks, or once a month (on the same n-th weekday). */
export const MEETING_FREQUENCIES = ['weekly', 'biweekly', 'monthly'] as const;
export type MeetingFrequency = (typeof MEETING_FREQUENCIES)[number];
const MeetingFrequencySchema = Type.Union(MEETING_FREQUENCIES.map((f) => Type.Literal(f)));
const Weekday = Type.Integer({ minimum: 1, maximum: 7, description: 'ISO weekday: 1 Monday … 7 Sunday' });
const MeetingTime = Type.String({
  pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$',
  description: 'local time of day, HH:MM (24-hour clock)',
});
const LocalDate = Type.String({ format: 'date', description: 'a calendar day, YYYY-MM-DD' });

/**
 * A board's regular meeting as set by `PATCH /api/boards/:boardId`. `startsOn` (the first meeting, on
 * `weekday`) anchors the two-weekly and monthly rhythms; left out, it is the next such weekday, today
 * included, in `timeZone`.
 */
export const MeetingRequest = Type.Object(
  {
    weekday: Weekday,
    time: MeetingTime,
    timeZone: TimeZoneName,
    frequency: MeetingFrequencySchema,
    startsOn: Type.Optional(LocalDate),
  },
  { additionalProperties: false },
);
export type MeetingRequest = Static<typeof MeetingRequest>;

/** A board's regular meeting: where "Suggest" and "I'll present" take their session dates from. */
export const Meeting = Type.Object({
  weekday: Weekday,
  time: MeetingTime,
  timeZone: Type.String(),
  frequency: MeetingFrequencySchema,
  startsOn: LocalDate,
});
export type Meeting = Static<typeof Meeting>;

/**
 * Editors and owners change name, description and meeting (`null`: no regular meeting); owners alone
 * change the public page (`public`, see shared/schemas/public.ts).
 */
export const UpdateBoardRequest = Type.Object(
  {
    name: Type.Optional(BoardName),
    description: Type.Optional(BoardDescription),
    meeting: Type.Optional(Type.Union([MeetingRequest, Type.Null()])),
    public: Type.Optional(PublicSettingsRequest),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateBoardRequest = Static<typeof UpdateBoardRequest>;

/** A board in a list: with the caller's role. */
export const BoardSummary = Type.Object({
  id: Uuid,
  name: Type.String(),
  description: Type.String(),
  role: RoleSchema,
  memberCount: Type.Integer(),
  /** The regular meeting, or null when the board has none. */
  meeting: Type.Union([Meeting, Type.Null()]),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  /** The public page's settings: in the answers of `GET` and `PATCH /api/boards/:boardId`, to owners only. */
  public: Type.Optional(PublicSettings),
});
export type BoardSummary = Static<typeof BoardSummary>;

export const Member = Type.Object({
  userId: Uuid,
  name: Type.String(),
  /** Shown to the board's owners (and to each member for themselves); other members see names only. */
  email: Type.Optional(Type.String()),
  role: RoleSchema,
  joinedAt: Type.String(),
});
export type Member = Static<typeof Member>;

/** `GET /api/boards/:boardId`: the board, my role and the members. */
export const BoardDetail = Type.Object({ board: BoardSummary, members: Type.Array(Member) });
export type BoardDetail = Static<typeof BoardDetail>;

export const UpdateMemberRequest = Type.Object({ role: RoleSchema }, { additionalProperties: false });

export const CreateInviteRequest = Type.Object(
  {
    role: InviteRoleSchema,
    expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: BOARD_LIMITS.inviteDays })),
    maxUses: Type.Optional(Type.Integer({ minimum: 1, maximum: BOARD_LIMITS.inviteUses })),
  },
  { additionalProperties: false },
);
export type CreateInviteRequest = Static<typeof CreateInviteRequest>;

/** An invitation as listed to owners; the token itself is only shown once, at creation. */
export const Invite = Type.Object({
  id: Uuid,
  role: InviteRoleSchema,
  createdAt: Type.String(),
  expiresAt: Type.String(),
  maxUses: Type.Union([Type.Integer(), Type.Null()]),
  uses: Type.Integer(),
  revoked: Type.Boolean(),
});
export type Invite = Static<typeof Invite>;

export const CreatedInvite = Type.Intersect([Invite, Type.Object({ token: Type.String(), url: Type.String() })]);
export type CreatedInvite = Static<typeof CreatedInvite>;

/** What someone holding an invite link sees before accepting. */
export const InvitePreview = Type.Object({
  boardId: Uuid,
  boardName: Type.String(),
  role: InviteRoleSchema,
  expiresAt: Type.String(),
  /** Who made the link (null when their account is gone). */
  invitedBy: Type.Union([Type.String(), Type.Null()]),
  /** The caller's role on the board when they are a member already (accepting changes nothing). */
  memberRole: Type.Union([RoleSchema, Type.Null()]),
});
export type InvitePreview = Static<typeof InvitePreview>;

export const AcceptedInvite = Type.Object({ boardId: Uuid, role: RoleSchema });
