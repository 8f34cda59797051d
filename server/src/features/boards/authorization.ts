import type { FastifyRequest } from 'fastify';
import type { Sql } from '#server/db/sql.js';
import type { Role } from '#shared/schemas/boards.js';
import { forbidden, notFound } from '#server/errors.js';
import { requireUser } from '#server/features/auth/sessions.js';
import { findRole } from './boards.repository.js';

/** Everything a member may try to do on a board; every channel (REST, Yjs, socket.io) asks here. */
type BoardAction =
  | 'board:read'
  | 'board:update'
  | 'board:delete'
  | 'members:manage'
  | 'invites:manage'
  | 'board:write'
  | 'comments:moderate'
  | 'vote'
  | 'assign'
  | 'assign:self'
  | 'voting:manage'
  | 'rounds:vote'
  | 'rounds:manage'
  | 'feedback:self'
  | 'polls:answer'
  | 'polls:manage'
  | 'watches:manage'
  | 'suggestions:manage'
  | 'public:manage'
  | 'webhooks:manage';

/**
 * Viewers read the board and give their own session feedback (`feedback:self`: whether they attended, a
 * rating and takeaway, their interest): the issue has members mark whether they attended, and going to a
 * session is not editing the board, so viewers in the reading group count as much as editors there.
 */
const VIEWER: BoardAction[] = ['board:read', 'feedback:self'];
const EDITOR: BoardAction[] = [
  ...VIEWER,
  'board:update',
  'board:write',
  'vote',
  'assign',
  'assign:self',
  'rounds:vote',
  'polls:answer',
  // Dismissing a suggested paper hides it for everyone, like removing a card: an edit of the board.
  'suggestions:manage',
];
const OWNER: BoardAction[] = [
  ...EDITOR,
  'board:delete',
  'members:manage',
  'invites:manage',
  'comments:moderate',
  'voting:manage',
  'rounds:manage',
  'polls:manage',
  'watches:manage',
  // Publishing the board to strangers, and where it posts (webhook URLs are secrets), are the owners'.
  'public:manage',
  'webhooks:manage',
];

const PERMISSIONS: Record<Role, ReadonlySet<BoardAction>> = {
  viewer: new Set(VIEWER),
  editor: new Set(EDITOR),
  owner: new Set(OWNER),
};

/** Whether a role allows an action; no role (not a member) allows nothing. */
export function can(role: Role | null, action: BoardAction): boolean {
  return role !== null && PERMISSIONS[role].has(action);
}

/** The role of a user on a board, or null when not a member or the board does not exist. */
export function roleOf(sql: Sql, userId: string, boardId: string): Promise<Role | null> {
  return findRole(sql, userId, boardId);
}

/**
 * For route handlers: the signed-in user's role on the board if it allows `action`. Non-members get
 * 404 whether or not the board exists, so ids reveal nothing; members without the right get 403.
 */
export async function authorize(request: FastifyRequest, boardId: string, action: BoardAction) {
  const user = requireUser(request);
  const role = await roleOf(request.server.sql, user.id, boardId);
  if (!role) throw notFound('board');
  if (!can(role, action)) throw forbidden(`a board ${role} may not do this (${action})`);
  return { user, role };
}
