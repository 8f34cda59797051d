import { Type, type Static } from '@sinclair/typebox';
import { Uuid } from './common.js';

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

export const UpdateBoardRequest = Type.Object(
  { name: Type.Optional(BoardName), description: Type.Optional(BoardDescription) },
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
  createdAt: Type.String(),
  updatedAt: Type.String(),
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
});
export type InvitePreview = Static<typeof InvitePreview>;

export const AcceptedInvite = Type.Object({ boardId: Uuid, role: RoleSchema });
