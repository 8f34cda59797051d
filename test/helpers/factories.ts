import crypto from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import type { User } from '../../shared/schemas/auth.js';
import type { BoardSummary, Role } from '../../shared/schemas/boards.js';

/** A signed-up user and the cookie header that carries their session. */
export interface TestUser {
  user: User;
  cookie: string;
  password: string;
}

/** Signs up a new user with a unique email through the real route. */
export async function signUp(app: FastifyInstance, name = 'Test Reader'): Promise<TestUser> {
  const email = `${name.toLowerCase().replace(/\W+/g, '.')}.${crypto.randomBytes(4).toString('hex')}@example.org`;
  const password = 'correct horse battery';
  const res = await app.inject({ method: 'POST', url: '/api/auth/signup', payload: { email, password, name } });
  expect(res.statusCode, res.body).toBe(201);
  const setCookie = res.cookies.find((c) => c.name === 'pb_session');
  return { user: res.json().user, cookie: `pb_session=${setCookie!.value}`, password };
}

/** Creates a board owned by `owner`. */
export async function createBoard(
  app: FastifyInstance,
  owner: TestUser,
  name = 'Reading group',
): Promise<BoardSummary> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/boards',
    headers: { cookie: owner.cookie },
    payload: { name },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

/** Makes `member` join `boardId` with `role` through a real invitation. */
export async function addMember(app: FastifyInstance, owner: TestUser, boardId: string, member: TestUser, role: Role) {
  const inviteRole = role === 'owner' ? 'editor' : role;
  const invite = await app.inject({
    method: 'POST',
    url: `/api/boards/${boardId}/invites`,
    headers: { cookie: owner.cookie },
    payload: { role: inviteRole },
  });
  expect(invite.statusCode, invite.body).toBe(201);
  const accepted = await app.inject({
    method: 'POST',
    url: `/api/invites/${invite.json().token}/accept`,
    headers: { cookie: member.cookie },
  });
  expect(accepted.statusCode, accepted.body).toBe(200);
  if (role === 'owner') {
    const promoted = await app.inject({
      method: 'PATCH',
      url: `/api/boards/${boardId}/members/${member.user.id}`,
      headers: { cookie: owner.cookie },
      payload: { role: 'owner' },
    });
    expect(promoted.statusCode, promoted.body).toBe(200);
  }
}

/** The usual cast of a board test: four signed-up users, named after the role each will play. */
export interface Cast {
  owner: TestUser;
  editor: TestUser;
  viewer: TestUser;
  stranger: TestUser;
}

/** Signs up the cast of a board test. */
export async function signUpCast(app: FastifyInstance): Promise<Cast> {
  return {
    owner: await signUp(app, 'Owner'),
    editor: await signUp(app, 'Editor'),
    viewer: await signUp(app, 'Viewer'),
    stranger: await signUp(app, 'Stranger'),
  };
}
