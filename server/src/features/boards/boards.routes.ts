import crypto from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { ErrorBody } from '#shared/schemas/common.js';
import {
  AcceptedInvite,
  BoardDetail,
  BoardParams,
  BoardSummary,
  CreateBoardRequest,
  CreateInviteRequest,
  CreatedInvite,
  Invite,
  InviteParams,
  InvitePreview,
  InviteTokenParams,
  Member,
  MemberParams,
  UpdateBoardRequest,
  UpdateMemberRequest,
} from '#shared/schemas/boards.js';
import { HttpError, conflict, notFound } from '#server/errors.js';
import { hashToken, requireUser } from '#server/features/auth/sessions.js';
import { authorize } from './authorization.js';
import { resolveMeeting } from '#server/features/schedule/meeting-slots.js';
import { createBoard } from './boards.service.js';
import { changePublicSettings, readPublicSettings } from '#server/features/public/public.service.js';
import {
  acceptInvite,
  changeMembership,
  deleteBoard,
  findBoardFor,
  findInviteByToken,
  findRole,
  insertInvite,
  listBoardsOf,
  listInvites,
  listMembers,
  revokeInvite,
  updateBoard,
} from './boards.repository.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 410: ErrorBody };
const DEFAULT_INVITE_DAYS = 14;

/**
 * Tells every node that a member's rights on a board changed (everyone's, when `userId` is null), so
 * that open realtime connections are re-authorised rather than keep the old role.
 */
async function announceMembership(app: FastifyInstance, boardId: string, userId: string | null): Promise<void> {
  await app.bus.publish({ kind: 'membership', node: app.bus.nodeId, boardId, userId });
}

/** Boards, memberships and invitations. */
export const boardRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['boards'];
  const limitBoards = app.limiter({
    name: 'quota:boards',
    max: app.config.quotas.boardsPerHour,
    windowSeconds: 3600,
    key: (request) => requireUser(request).id,
    refusal: (retryAfter) =>
      `boards created: at most ${app.config.quotas.boardsPerHour} an hour; try again in ${retryAfter} s`,
  });

  app.post(
    '/api/boards',
    { schema: { tags, body: CreateBoardRequest, response: { 201: BoardSummary, ...errors } } },
    async (request, reply) => {
      const user = requireUser(request);
      await limitBoards(request);
      const boardId = await createBoard(app.sql, {
        name: request.body.name.trim(),
        description: request.body.description?.trim() ?? '',
        ownerId: user.id,
      });
      return reply.status(201).send((await findBoardFor(app.sql, user.id, boardId))!);
    },
  );

  app.get(
    '/api/boards',
    { schema: { tags, response: { 200: Type.Array(BoardSummary), ...errors } } },
    async (request) => listBoardsOf(app.sql, requireUser(request).id),
  );

  app.get(
    '/api/boards/:boardId',
    { schema: { tags, params: BoardParams, response: { 200: BoardDetail, ...errors } } },
    async (request) => {
      const { user } = await authorize(request, request.params.boardId, 'board:read');
      const board = await findBoardFor(app.sql, user.id, request.params.boardId);
      if (!board) throw notFound('board');
      const members = await listMembers(app.sql, board.id);
      // Members meet by name; addresses are for the owners who manage the board (and one's own).
      if (board.role === 'owner') {
        return {
          board: { ...board, public: await readPublicSettings(app.sql, board.id, app.config.publicUrl) },
          members,
        };
      }
      return {
        board,
        members: members.map(({ email, ...member }) => (member.userId === user.id ? { ...member, email } : member)),
      };
    },
  );

  app.patch(
    '/api/boards/:boardId',
    { schema: { tags, params: BoardParams, body: UpdateBoardRequest, response: { 200: BoardSummary, ...errors } } },
    async (request) => {
      const { boardId } = request.params;
      const { name, description, meeting, public: publicPage } = request.body;
      // The public page is the owners' alone; the rest, editors' too.
      const { user, role } = await authorize(request, boardId, publicPage ? 'public:manage' : 'board:update');
      // First, as it may refuse (a taken slug): then nothing of the request is half done.
      if (publicPage) await changePublicSettings(app.sql, boardId, publicPage);
      if (name !== undefined || description !== undefined || meeting !== undefined) {
        await updateBoard(app.sql, boardId, {
          name: name?.trim(),
          description: description?.trim(),
          meeting: meeting ? resolveMeeting(meeting, new Date()) : meeting,
        });
      }
      await app.emitToBoard(boardId, 'board:changed', { boardId, deleted: false });
      const board = (await findBoardFor(app.sql, user.id, boardId))!;
      return role === 'owner'
        ? { ...board, public: await readPublicSettings(app.sql, boardId, app.config.publicUrl) }
        : board;
    },
  );

  app.delete(
    '/api/boards/:boardId',
    { schema: { tags, params: BoardParams, response: { 204: Type.Null(), ...errors } } },
    async (request, reply) => {
      const { boardId } = request.params;
      await authorize(request, boardId, 'board:delete');
      await deleteBoard(app.sql, boardId);
      // Before the membership message, which takes every socket out of the board's room.
      await app.emitToBoard(boardId, 'board:changed', { boardId, deleted: true });
      await announceMembership(app, boardId, null);
      return reply.status(204).send(null);
    },
  );

  app.patch(
    '/api/boards/:boardId/members/:userId',
    {
      schema: {
        tags,
        params: MemberParams,
        body: UpdateMemberRequest,
        response: { 200: Type.Array(Member), ...errors },
      },
    },
    async (request) => {
      const { boardId, userId } = request.params;
      await authorize(request, boardId, 'members:manage');
      const outcome = await changeMembership(app.sql, boardId, userId, request.body.role);
      if (outcome === 'not_member') throw notFound('member');
      if (outcome === 'last_owner')
        throw conflict('role: the last owner cannot be demoted; make someone else owner first');
      await announceMembership(app, boardId, userId);
      return listMembers(app.sql, boardId);
    },
  );

  app.delete(
    '/api/boards/:boardId/members/:userId',
    { schema: { tags, params: MemberParams, response: { 204: Type.Null(), ...errors } } },
    async (request, reply) => {
      const { boardId, userId } = request.params;
      const leaving = requireUser(request).id === userId;
      // Anyone may leave; removing someone else is for owners.
      await authorize(request, boardId, leaving ? 'board:read' : 'members:manage');
      const outcome = await changeMembership(app.sql, boardId, userId, null);
      if (outcome === 'not_member') throw notFound('member');
      if (outcome === 'last_owner')
        throw conflict('the last owner cannot leave; make someone else owner or delete the board');
      await announceMembership(app, boardId, userId);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/boards/:boardId/invites',
    { schema: { tags, params: BoardParams, body: CreateInviteRequest, response: { 201: CreatedInvite, ...errors } } },
    async (request, reply) => {
      const { user } = await authorize(request, request.params.boardId, 'invites:manage');
      const token = crypto.randomBytes(24).toString('base64url');
      const days = request.body.expiresInDays ?? DEFAULT_INVITE_DAYS;
      const invite = await insertInvite(app.sql, {
        boardId: request.params.boardId,
        tokenHash: hashToken(token),
        role: request.body.role,
        createdBy: user.id,
        expiresAt: new Date(Date.now() + days * 24 * 3600 * 1000),
        maxUses: request.body.maxUses ?? null,
      });
      return reply.status(201).send({ ...invite, token, url: `${app.config.publicUrl}/invite/${token}` });
    },
  );

  app.get(
    '/api/boards/:boardId/invites',
    { schema: { tags, params: BoardParams, response: { 200: Type.Array(Invite), ...errors } } },
    async (request) => {
      await authorize(request, request.params.boardId, 'invites:manage');
      return listInvites(app.sql, request.params.boardId);
    },
  );

  app.delete(
    '/api/boards/:boardId/invites/:inviteId',
    { schema: { tags, params: InviteParams, response: { 204: Type.Null(), ...errors } } },
    async (request, reply) => {
      await authorize(request, request.params.boardId, 'invites:manage');
      if (!(await revokeInvite(app.sql, request.params.boardId, request.params.inviteId))) throw notFound('invite');
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/invites/:token',
    { schema: { tags, params: InviteTokenParams, response: { 200: InvitePreview, ...errors } } },
    async (request) => {
      const user = requireUser(request);
      const invite = await findInviteByToken(app.sql, hashToken(request.params.token));
      if (!invite) throw notFound('invite');
      // A link that no longer admits anyone tells nothing about the board it was for.
      if (invite.revoked) {
        throw new HttpError(410, 'invite_revoked', 'this invitation was revoked; ask the board owner for a new one');
      }
      if (Date.parse(invite.expiresAt) <= Date.now()) {
        throw new HttpError(410, 'invite_expired', 'this invitation has expired; ask the board owner for a new one');
      }
      if (invite.maxUses !== null && invite.uses >= invite.maxUses) {
        throw new HttpError(410, 'invite_used_up', 'this invitation has been used as often as allowed');
      }
      return {
        boardId: invite.boardId,
        boardName: invite.boardName,
        role: invite.role,
        expiresAt: invite.expiresAt,
        invitedBy: invite.invitedBy,
        memberRole: await findRole(app.sql, user.id, invite.boardId),
      };
    },
  );

  app.post(
    '/api/invites/:token/accept',
    { schema: { tags, params: InviteTokenParams, response: { 200: AcceptedInvite, ...errors } } },
    async (request) => {
      const user = requireUser(request);
      const outcome = await acceptInvite(app.sql, hashToken(request.params.token), user.id);
      switch (outcome.status) {
        case 'joined':
        case 'already_member':
          return { boardId: outcome.boardId, role: outcome.role };
        case 'not_found':
          throw notFound('invite');
        case 'revoked':
          throw new HttpError(410, 'invite_revoked', 'this invitation was revoked; ask the board owner for a new one');
        case 'expired':
          throw new HttpError(410, 'invite_expired', 'this invitation has expired; ask the board owner for a new one');
        case 'used_up':
          throw new HttpError(410, 'invite_used_up', 'this invitation has been used as often as allowed');
      }
    },
  );
};
