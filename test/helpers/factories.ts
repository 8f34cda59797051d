import crypto from 'node:crypto';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { expect, vi } from 'vitest';
import type { User } from '#shared/schemas/auth.js';
import type { BoardSummary, Role } from '#shared/schemas/boards.js';
import type { AddedCard, BoardCards } from '#shared/schemas/cards.js';
import type { ImportResult, Paper } from '#shared/schemas/papers.js';

/** A request as the factories make it. */
export interface InjectRequest {
  method?: InjectOptions['method'];
  url: string;
  headers?: Record<string, string>;
  payload?: object;
}

/**
 * What the factories need of the app: a Fastify instance (its `inject`), or `httpInjector` (see
 * helpers/process.ts) for a server running in a child process.
 */
export interface Injector {
  inject(request: InjectRequest): Promise<Pick<LightMyRequestResponse, 'statusCode' | 'body' | 'json' | 'cookies'>>;
}

/** A signed-up user and the cookie header that carries their session. */
export interface TestUser {
  user: User;
  cookie: string;
  password: string;
}

/** Signs up a new user with a unique email through the real route. */
export async function signUp(app: Injector, name = 'Test Reader'): Promise<TestUser> {
  const email = `${name.toLowerCase().replace(/\W+/g, '.')}.${crypto.randomBytes(4).toString('hex')}@example.org`;
  const password = 'correct horse battery';
  const res = await app.inject({ method: 'POST', url: '/api/auth/signup', payload: { email, password, name } });
  expect(res.statusCode, res.body).toBe(201);
  const setCookie = res.cookies.find((c) => c.name === 'pb_session');
  return { user: res.json().user, cookie: `pb_session=${setCookie!.value}`, password };
}

/** Creates a board owned by `owner`. */
export async function createBoard(app: Injector, owner: TestUser, name = 'Reading group'): Promise<BoardSummary> {
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
export async function addMember(app: Injector, owner: TestUser, boardId: string, member: TestUser, role: Role) {
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

/**
 * Creates a board owned by `owner` with `editor` and `viewer` (either may be left out) joined through real
 * invitations in those roles, the editor first: the board most role tests start from.
 */
export async function createBoardWithMembers(
  app: Injector,
  owner: TestUser,
  members: { editor?: TestUser; viewer?: TestUser },
  name?: string,
): Promise<BoardSummary> {
  const board = await createBoard(app, owner, name);
  if (members.editor) await addMember(app, owner, board.id, members.editor, 'editor');
  if (members.viewer) await addMember(app, owner, board.id, members.viewer, 'viewer');
  return board;
}

/** The usual cast of a board test: four signed-up users, named after the role each will play. */
export interface Cast {
  owner: TestUser;
  editor: TestUser;
  viewer: TestUser;
  stranger: TestUser;
}

/** Signs up the cast of a board test. */
export async function signUpCast(app: Injector): Promise<Cast> {
  return {
    owner: await signUp(app, 'Owner'),
    editor: await signUp(app, 'Editor'),
    viewer: await signUp(app, 'Viewer'),
    stranger: await signUp(app, 'Stranger'),
  };
}

/** Adds a paper to the library through the real route; its id. */
export async function addPaper(app: Injector, user: TestUser, title: string): Promise<string> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/papers',
    headers: { cookie: user.cookie },
    payload: { title },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id;
}

/**
 * Nominates a paper titled `title` (by two fixed authors; the stored one when the title is taken) to the
 * board as `user`; its card id. Does not wait for the projection (see {@link nominate}).
 */
export async function nominatePaper(
  app: Injector,
  user: TestUser,
  boardId: string,
  title: string,
  abstract = 'An abstract.',
): Promise<string> {
  const created = await app.inject({
    method: 'POST',
    url: '/api/papers',
    headers: { cookie: user.cookie },
    payload: { title, abstract, authors: ['Ada Lovelace', 'Alan Turing'] },
  });
  const paperId = created.statusCode === 201 ? created.json().id : created.json().existingId;
  const added = await app.inject({
    method: 'POST',
    url: `/api/boards/${boardId}/cards`,
    headers: { cookie: user.cookie },
    payload: { paperId },
  });
  expect(added.statusCode, added.body).toBe(201);
  return (added.json() as AddedCard).cardId;
}

/** The ids of the cards in the board's projection, which REST reads (votes, assignments, schedule). */
export async function projectedCardIds(app: Injector, user: TestUser, boardId: string): Promise<string[]> {
  const res = await app.inject({ url: `/api/boards/${boardId}/cards`, headers: { cookie: user.cookie } });
  expect(res.statusCode, res.body).toBe(200);
  return (res.json() as BoardCards).cards.map((card) => card.id);
}

/**
 * Nominates library papers onto a board through `POST /api/boards/:boardId/cards` (the first column),
 * and waits until the projection shows the new cards. Their ids, in the order of `paperIds`.
 */
export async function nominate(
  app: Injector,
  user: TestUser,
  boardId: string,
  ...paperIds: string[]
): Promise<string[]> {
  const cardIds: string[] = [];
  for (const paperId of paperIds) {
    const res = await app.inject({
      method: 'POST',
      url: `/api/boards/${boardId}/cards`,
      headers: { cookie: user.cookie },
      payload: { paperId },
    });
    expect(res.statusCode, res.body).toBe(201);
    cardIds.push((res.json() as AddedCard).cardId);
  }
  // The server rewrites the projection a moment after the edit is stored (vi.waitFor also works in hooks).
  await vi.waitFor(
    async () => {
      const projected = new Set(await projectedCardIds(app, user, boardId));
      expect(cardIds.filter((id) => !projected.has(id))).toEqual([]);
    },
    { timeout: 10_000, interval: 25 },
  );
  return cardIds;
}

/** Puts `n` new library papers on a board, as `user` nominating them; the card ids. */
export async function placeCards(app: Injector, user: TestUser, boardId: string, n: number): Promise<string[]> {
  const paperIds: string[] = [];
  for (let i = 0; i < n; i++) {
    paperIds.push(await addPaper(app, user, `Paper ${i + 1} ${crypto.randomBytes(4).toString('hex')}`));
  }
  return nominate(app, user, boardId, ...paperIds);
}

/** `user` votes for a card (upvote, or one dot); fails the test unless the vote is counted. */
export async function castVote(app: Injector, user: TestUser, boardId: string, cardId: string): Promise<void> {
  const res = await app.inject({
    method: 'PUT',
    url: `/api/boards/${boardId}/cards/${cardId}/vote`,
    headers: { cookie: user.cookie },
    payload: {},
  });
  expect(res.statusCode, res.body).toBe(200);
}

/** `by` (an owner or editor) makes `presenter` present a card at `sessionAt`; fails the test unless saved. */
export async function assignPresenter(
  app: Injector,
  by: TestUser,
  card: { boardId: string; cardId: string },
  presenter: TestUser,
  sessionAt: Date | string,
): Promise<void> {
  const res = await app.inject({
    method: 'PUT',
    url: `/api/boards/${card.boardId}/cards/${card.cardId}/assignment`,
    headers: { cookie: by.cookie },
    payload: { presenterId: presenter.user.id, sessionAt: new Date(sessionAt).toISOString() },
  });
  expect(res.statusCode, res.body).toBe(200);
}

/** Imports `text` in `format` with the session `cookie`; fails the test unless the import answers 200. */
export async function importAs(app: Injector, cookie: string, text: string, format: string): Promise<ImportResult> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/papers/import',
    headers: { cookie },
    payload: { text, format },
  });
  expect(res.statusCode).toBe(200);
  return res.json() as ImportResult;
}

/** A paper of the library as the API shows it; fails the test unless it is found. */
export async function readPaper(app: Injector, id: string): Promise<Paper> {
  const res = await app.inject({ method: 'GET', url: `/api/papers/${id}` });
  expect(res.statusCode).toBe(200);
  return res.json() as Paper;
}
