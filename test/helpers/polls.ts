import { expect } from 'vitest';
import type { Poll } from '#shared/schemas/polls.js';
import type { Injector, TestUser } from './factories.js';

/** A time `days` days and `hours` hours from now, on a whole minute, as the poll routes take it. */
export const ahead = (days: number, hours = 0) =>
  new Date(Math.floor((Date.now() + days * 86_400_000 + hours * 3_600_000) / 60_000) * 60_000).toISOString();

/**
 * The availability poll routes as `user` calls them on `app()` (a getter: suites build their app in
 * `beforeAll`). The plain forms answer the response; `createPoll`, `answered` and `read` fail the test
 * unless the route succeeds.
 */
export function pollRequests(app: () => Injector) {
  const headers = (user: TestUser | null): Record<string, string> => (user ? { cookie: user.cookie } : {});

  const create = (user: TestUser | null, boardId: string, payload: object) =>
    app().inject({ method: 'POST', url: `/api/boards/${boardId}/polls`, headers: headers(user), payload });

  const answer = (user: TestUser, boardId: string, pollId: string, answers: Record<string, string>) =>
    app().inject({
      method: 'PUT',
      url: `/api/boards/${boardId}/polls/${pollId}/answer`,
      headers: headers(user),
      payload: { answers },
    });

  const pick = (user: TestUser, boardId: string, pollId: string, payload: object) =>
    app().inject({
      method: 'POST',
      url: `/api/boards/${boardId}/polls/${pollId}/pick`,
      headers: headers(user),
      payload,
    });

  return {
    create,
    answer,
    pick,
    async createPoll(user: TestUser, boardId: string, payload: object): Promise<Poll> {
      const res = await create(user, boardId, payload);
      expect(res.statusCode, res.body).toBe(201);
      return res.json() as Poll;
    },
    async answered(user: TestUser, boardId: string, pollId: string, answers: Record<string, string>) {
      const res = await answer(user, boardId, pollId, answers);
      expect(res.statusCode, res.body).toBe(200);
      return res.json() as { answers: Record<string, string> };
    },
    async read(user: TestUser, boardId: string, pollId: string): Promise<Poll> {
      const res = await app().inject({ url: `/api/boards/${boardId}/polls/${pollId}`, headers: headers(user) });
      expect(res.statusCode, res.body).toBe(200);
      return res.json() as Poll;
    },
  };
}
