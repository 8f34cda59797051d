import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '#test/helpers/app.js';
import { addMember, createBoard, signUp, type TestUser } from '#test/helpers/factories.js';

// Every board route tried as each kind of caller, on a fresh board per cell (some routes destroy).
type Caller = 'anonymous' | 'nonMember' | 'viewer' | 'editor' | 'owner';
const CALLERS: Caller[] = ['anonymous', 'nonMember', 'viewer', 'editor', 'owner'];

interface Fixture {
  boardId: string;
  inviteId: string;
  target: TestUser;
  cardId: string;
  /** A library paper, not yet on the board, in its Suggested lane. */
  paperId: string;
  /** A library paper whose suggestion was dismissed. */
  suggestedId: string;
  /** An open availability poll for the card, and its first slot. */
  pollId: string;
  slotId: string;
  /** A watch of the board. */
  watchId: string;
  /** A webhook of the board. */
  webhookId: string;
}

interface RouteCase {
  name: string;
  request(f: Fixture): { method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT'; url: string; payload?: object };
  expected: Record<Caller, number>;
}

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();
const ownerOnly = (ok: number) => ({ anonymous: 401, nonMember: 404, viewer: 403, editor: 403, owner: ok });
const editors = (ok: number) => ({ anonymous: 401, nonMember: 404, viewer: 403, editor: ok, owner: ok });
const members = (ok: number) => ({ anonymous: 401, nonMember: 404, viewer: ok, editor: ok, owner: ok });

const ROUTES: RouteCase[] = [
  { name: 'GET board', request: (f) => ({ method: 'GET', url: `/api/boards/${f.boardId}` }), expected: members(200) },
  {
    name: 'GET cards',
    request: (f) => ({ method: 'GET', url: `/api/boards/${f.boardId}/cards` }),
    expected: members(200),
  },
  {
    name: 'POST card',
    request: (f) => ({ method: 'POST', url: `/api/boards/${f.boardId}/cards`, payload: { paperId: f.paperId } }),
    expected: editors(201),
  },
  {
    name: 'PATCH board',
    request: (f) => ({ method: 'PATCH', url: `/api/boards/${f.boardId}`, payload: { name: 'Renamed' } }),
    expected: editors(200),
  },
  {
    name: 'DELETE board',
    request: (f) => ({ method: 'DELETE', url: `/api/boards/${f.boardId}` }),
    expected: ownerOnly(204),
  },
  {
    name: 'POST invite',
    request: (f) => ({ method: 'POST', url: `/api/boards/${f.boardId}/invites`, payload: { role: 'viewer' } }),
    expected: ownerOnly(201),
  },
  {
    name: 'GET invites',
    request: (f) => ({ method: 'GET', url: `/api/boards/${f.boardId}/invites` }),
    expected: ownerOnly(200),
  },
  {
    name: 'DELETE invite',
    request: (f) => ({ method: 'DELETE', url: `/api/boards/${f.boardId}/invites/${f.inviteId}` }),
    expected: ownerOnly(204),
  },
  {
    name: 'PATCH member',
    request: (f) => ({
      method: 'PATCH',
      url: `/api/boards/${f.boardId}/members/${f.target.user.id}`,
      payload: { role: 'editor' },
    }),
    expected: ownerOnly(200),
  },
  {
    name: 'DELETE other member',
    request: (f) => ({ method: 'DELETE', url: `/api/boards/${f.boardId}/members/${f.target.user.id}` }),
    expected: ownerOnly(204),
  },
  {
    name: 'PUT vote',
    request: (f) => ({ method: 'PUT', url: `/api/boards/${f.boardId}/cards/${f.cardId}/vote`, payload: {} }),
    expected: editors(200),
  },
  {
    name: 'DELETE vote',
    request: (f) => ({ method: 'DELETE', url: `/api/boards/${f.boardId}/cards/${f.cardId}/vote` }),
    expected: editors(200),
  },
  {
    name: 'GET voting',
    request: (f) => ({ method: 'GET', url: `/api/boards/${f.boardId}/voting` }),
    expected: members(200),
  },
  {
    name: 'PATCH voting',
    request: (f) => ({ method: 'PATCH', url: `/api/boards/${f.boardId}/voting`, payload: { dotsPerMember: 4 } }),
    expected: ownerOnly(200),
  },
  {
    name: 'GET activity',
    request: (f) => ({ method: 'GET', url: `/api/boards/${f.boardId}/activity` }),
    expected: members(200),
  },
  {
    // Viewers may only volunteer themselves (test/server/features/schedule/schedule.test.ts); the target is another member.
    name: 'PUT assignment of another member',
    request: (f) => ({
      method: 'PUT',
      url: `/api/boards/${f.boardId}/cards/${f.cardId}/assignment`,
      payload: { presenterId: f.target.user.id, sessionAt: '2030-01-01T18:00:00.000Z' },
    }),
    expected: editors(200),
  },
  {
    name: 'DELETE assignment',
    request: (f) => ({ method: 'DELETE', url: `/api/boards/${f.boardId}/cards/${f.cardId}/assignment` }),
    expected: members(204),
  },
  {
    name: 'GET schedule',
    request: (f) => ({ method: 'GET', url: `/api/boards/${f.boardId}/schedule` }),
    expected: members(200),
  },
  {
    name: 'GET schedule suggestion',
    request: (f) => ({ method: 'GET', url: `/api/boards/${f.boardId}/schedule/suggest?cardId=${f.cardId}` }),
    expected: members(200),
  },
  {
    name: 'GET calendar',
    request: (f) => ({ method: 'GET', url: `/api/boards/${f.boardId}/calendar` }),
    expected: members(200),
  },
  {
    name: 'POST calendar rotate (my own feed)',
    request: (f) => ({ method: 'POST', url: `/api/boards/${f.boardId}/calendar/rotate` }),
    expected: members(200),
  },
  {
    // Viewers give their own session feedback too (authorization.ts, `feedback:self`); the card has no
    // session yet, so interest is what may be given.
    name: 'PUT my feedback',
    request: (f) => ({
      method: 'PUT',
      url: `/api/boards/${f.boardId}/cards/${f.cardId}/feedback`,
      payload: { interest: 3 },
    }),
    expected: members(200),
  },
  {
    name: 'GET card feedback',
    request: (f) => ({ method: 'GET', url: `/api/boards/${f.boardId}/cards/${f.cardId}/feedback` }),
    expected: members(200),
  },
  {
    name: 'GET note settings',
    request: (f) => ({ method: 'GET', url: `/api/boards/${f.boardId}/cards/${f.cardId}/note` }),
    expected: members(200),
  },
  {
    name: 'PUT note public',
    request: (f) => ({
      method: 'PUT',
      url: `/api/boards/${f.boardId}/cards/${f.cardId}/note`,
      payload: { public: true },
    }),
    expected: ownerOnly(200),
  },
  {
    name: 'GET board feedback',
    request: (f) => ({ method: 'GET', url: `/api/boards/${f.boardId}/feedback` }),
    expected: members(200),
  },
  {
    name: 'GET export',
    request: (f) => ({ method: 'GET', url: `/api/boards/${f.boardId}/export?format=csv` }),
    expected: members(200),
  },
  {
    name: 'POST poll',
    request: (f) => ({
      method: 'POST',
      url: `/api/boards/${f.boardId}/polls`,
      payload: { slots: [inDays(1), inDays(2)] },
    }),
    expected: ownerOnly(201),
  },
  {
    name: 'GET polls',
    request: (f) => ({ method: 'GET', url: `/api/boards/${f.boardId}/polls` }),
    expected: members(200),
  },
  {
    name: 'GET poll',
    request: (f) => ({ method: 'GET', url: `/api/boards/${f.boardId}/polls/${f.pollId}` }),
    expected: members(200),
  },
  {
    name: 'PUT poll answer',
    request: (f) => ({
      method: 'PUT',
      url: `/api/boards/${f.boardId}/polls/${f.pollId}/answer`,
      payload: { answers: { [f.slotId]: 'yes' } },
    }),
    expected: editors(200),
  },
  {
    name: 'POST poll pick',
    request: (f) => ({
      method: 'POST',
      url: `/api/boards/${f.boardId}/polls/${f.pollId}/pick`,
      payload: { slotId: f.slotId, presenterId: f.target.user.id },
    }),
    expected: ownerOnly(200),
  },
  {
    name: 'DELETE poll',
    request: (f) => ({ method: 'DELETE', url: `/api/boards/${f.boardId}/polls/${f.pollId}` }),
    expected: ownerOnly(204),
  },
  {
    name: 'GET watches',
    request: (f) => ({ method: 'GET', url: `/api/boards/${f.boardId}/watches` }),
    expected: members(200),
  },
  {
    name: 'POST watch',
    request: (f) => ({ method: 'POST', url: `/api/boards/${f.boardId}/watches`, payload: { source: 'hf-daily' } }),
    expected: ownerOnly(201),
  },
  {
    name: 'DELETE watch',
    request: (f) => ({ method: 'DELETE', url: `/api/boards/${f.boardId}/watches/${f.watchId}` }),
    expected: ownerOnly(204),
  },
  {
    name: 'GET recommendations',
    request: (f) => ({ method: 'GET', url: `/api/boards/${f.boardId}/recommendations` }),
    expected: members(200),
  },
  {
    name: 'GET suggestions',
    request: (f) => ({ method: 'GET', url: `/api/boards/${f.boardId}/suggestions` }),
    expected: members(200),
  },
  {
    name: 'DELETE suggestion',
    request: (f) => ({ method: 'DELETE', url: `/api/boards/${f.boardId}/suggestions/${f.paperId}` }),
    expected: editors(204),
  },
  {
    name: 'POST suggestion restore',
    request: (f) => ({ method: 'POST', url: `/api/boards/${f.boardId}/suggestions/${f.suggestedId}/restore` }),
    expected: editors(204),
  },
  {
    name: 'PATCH board public page',
    request: (f) => ({
      method: 'PATCH',
      url: `/api/boards/${f.boardId}`,
      payload: { public: { enabled: true, slug: `matrix-${crypto.randomBytes(4).toString('hex')}` } },
    }),
    expected: ownerOnly(200),
  },
  {
    name: 'GET webhooks',
    request: (f) => ({ method: 'GET', url: `/api/boards/${f.boardId}/webhooks` }),
    expected: ownerOnly(200),
  },
  {
    name: 'POST webhook',
    request: (f) => ({
      method: 'POST',
      url: `/api/boards/${f.boardId}/webhooks`,
      payload: { kind: 'slack', url: 'https://hooks.slack.com/services/T0/B0/matrix', events: ['nomination'] },
    }),
    expected: ownerOnly(201),
  },
  {
    name: 'PATCH webhook',
    request: (f) => ({
      method: 'PATCH',
      url: `/api/boards/${f.boardId}/webhooks/${f.webhookId}`,
      payload: { enabled: true },
    }),
    expected: ownerOnly(200),
  },
  {
    name: 'DELETE webhook',
    request: (f) => ({ method: 'DELETE', url: `/api/boards/${f.boardId}/webhooks/${f.webhookId}` }),
    expected: ownerOnly(204),
  },
];

let t: TestApp;
const users = {} as Record<Exclude<Caller, 'anonymous'> | 'target', TestUser>;
let paperId: string;
let dismissedId: string;

beforeAll(async () => {
  t = await buildTestApp();
  for (const name of ['nonMember', 'viewer', 'editor', 'owner', 'target'] as const)
    users[name] = await signUp(t.app, name);
  const paper = await t.app.inject({
    method: 'POST',
    url: '/api/papers',
    headers: { cookie: users.owner.cookie },
    payload: { title: 'A paper for the matrix', abstract: 'Nominated by whoever may.' },
  });
  paperId = paper.json().id;
  const other = await t.app.inject({
    method: 'POST',
    url: '/api/papers',
    headers: { cookie: users.owner.cookie },
    payload: { title: 'A dismissed suggestion for the matrix' },
  });
  dismissedId = other.json().id;
});
afterAll(() => t.close());

async function freshBoard(): Promise<Fixture> {
  const board = await createBoard(t.app, users.owner);
  await addMember(t.app, users.owner, board.id, users.viewer, 'viewer');
  await addMember(t.app, users.owner, board.id, users.editor, 'editor');
  await addMember(t.app, users.owner, board.id, users.target, 'viewer');
  const invite = await t.app.inject({
    method: 'POST',
    url: `/api/boards/${board.id}/invites`,
    headers: { cookie: users.owner.cookie },
    payload: { role: 'editor' },
  });
  // A card in the board's projection, as the sync server writes it, for the vote routes.
  const cardId = `card-${crypto.randomBytes(4).toString('hex')}`;
  await t.db.sql`
    insert into board_cards (board_id, card_id, raw_paper_id, column_id, position, added_by, added_at)
    values (${board.id}, ${cardId}, 'no-paper', 'column', 0, ${users.owner.user.id}, now())`;
  const [poll] = await t.db.sql<{ id: string }[]>`
    insert into polls (board_id, card_id, created_by) values (${board.id}, ${cardId}, ${users.owner.user.id})
    returning id`;
  const [slot] = await t.db.sql<{ id: string }[]>`
    insert into poll_slots (poll_id, at) values (${poll.id}, ${inDays(3)}) returning id`;
  const [watch] = await t.db.sql<{ id: string }[]>`
    insert into board_watches (board_id, source) values (${board.id}, 'hf-daily') returning id`;
  await t.db.sql`
    insert into board_suggestions (board_id, paper_id, score, dismissed_at)
    values (${board.id}, ${paperId}, 0.5, null), (${board.id}, ${dismissedId}, 0.5, now())`;
  const [webhook] = await t.db.sql<{ id: string }[]>`
    insert into webhooks (board_id, kind, url, events)
    values (${board.id}, 'slack', 'https://hooks.slack.com/services/T0/B0/x', '{nomination}') returning id`;
  return {
    webhookId: webhook.id,
    watchId: watch.id,
    boardId: board.id,
    inviteId: invite.json().id,
    suggestedId: dismissedId,
    target: users.target,
    cardId,
    paperId,
    pollId: poll.id,
    slotId: slot.id,
  };
}

describe('role × route matrix', () => {
  for (const route of ROUTES) {
    for (const caller of CALLERS) {
      it(`${route.name} as ${caller} answers ${route.expected[caller]}`, async () => {
        const fixture = await freshBoard();
        const { method, url, payload } = route.request(fixture);
        const headers = caller === 'anonymous' ? {} : { cookie: users[caller].cookie };
        const res = await t.app.inject({ method, url, payload, headers });
        expect(res.statusCode, res.body).toBe(route.expected[caller]);
        if (res.statusCode >= 400) expect(res.json()).toHaveProperty('error');
      });
    }
  }

  it('answers an unknown board exactly like a board the caller does not belong to', async () => {
    const fixture = await freshBoard();
    for (const route of ROUTES) {
      const real = route.request(fixture);
      const unknown = route.request({ ...fixture, boardId: crypto.randomUUID() });
      const asStranger = await t.app.inject({ ...real, headers: { cookie: users.nonMember.cookie } });
      const asOwnerUnknown = await t.app.inject({ ...unknown, headers: { cookie: users.owner.cookie } });
      expect(asStranger.statusCode, route.name).toBe(404);
      expect(asOwnerUnknown.statusCode, route.name).toBe(404);
      expect(asStranger.json(), route.name).toEqual(asOwnerUnknown.json());
    }
  });

  it('lists boards only to signed-in users, and only their own', async () => {
    const fixture = await freshBoard();
    expect((await t.app.inject('/api/boards')).statusCode).toBe(401);
    const mine = await t.app.inject({ url: '/api/boards', headers: { cookie: users.nonMember.cookie } });
    expect(mine.json().map((b: { id: string }) => b.id)).not.toContain(fixture.boardId);
    const viewers = await t.app.inject({ url: '/api/boards', headers: { cookie: users.viewer.cookie } });
    expect(viewers.json().find((b: { id: string }) => b.id === fixture.boardId)).toMatchObject({ role: 'viewer' });
  });
});
