import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '#test/helpers/app.js';
import { createBoard, placeCards, signUp, type TestUser } from '#test/helpers/factories.js';

// Every route of the API, driven with hostile values in its path parameters, query and body, by a
// signed-in member of boards of their own: the answers are 2xx–4xx, never 5xx, and nothing of another
// user's changes.
let t: TestApp;
let attacker: TestUser;
let victim: TestUser;
let attackerBoard: string;
let attackerCard: string;
let victimBoard: string;

interface Operation {
  method: string;
  path: string;
  params: string[];
  query: Record<string, { type?: string }>;
  body: { properties?: Record<string, { type?: string }> } | null;
}

/** The API's operations, from its own OpenAPI document. */
function operations(): Operation[] {
  const doc = t.app.swagger() as {
    paths: Record<
      string,
      Record<
        string,
        {
          parameters?: { in: string; name: string; schema?: { type?: string } }[];
          requestBody?: { content: Record<string, { schema: Operation['body'] }> };
        }
      >
    >;
  };
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const query: Operation['query'] = {};
      const params: string[] = [];
      for (const p of op.parameters ?? []) {
        if (p.in === 'query') query[p.name] = p.schema ?? {};
        if (p.in === 'path') params.push(p.name);
      }
      ops.push({
        method: method.toUpperCase(),
        path,
        params,
        query,
        body: op.requestBody?.content['application/json']?.schema ?? null,
      });
    }
  }
  return ops;
}

const hostileText = fc.oneof(
  fc.constantFrom(
    '\u0000',
    'a\u0000b',
    '-'.repeat(400),
    '- '.repeat(300),
    '"'.repeat(200),
    "'; drop table users; --",
    '../../etc/passwd',
    '%00',
    '\uD800',
    '\uFEFF',
    'x'.repeat(20_000),
    '1e400',
    '-1',
    '9223372036854775808',
    '00000000-0000-0000-0000-000000000000',
    // JSON Schema's "uuid" format takes the URN form, which PostgreSQL's uuid type refuses.
    'urn:uuid:123e4567-e89b-12d3-a456-426614174000',
    '<script>alert(1)</script>',
    'null',
    '',
    ' ',
  ),
  fc.string({ unit: 'binary', maxLength: 60 }),
);
const hostileValue = fc.oneof(
  hostileText,
  fc.constantFrom(1e308, -1, 0, 2 ** 63, Number.MAX_SAFE_INTEGER + 2, 1.5, true, null),
  fc.array(hostileText, { maxLength: 3 }),
  fc.dictionary(hostileText, hostileText, { maxKeys: 3 }),
);
/** Path parameter values: hostile text, or ids of the attacker's own board and card (deeper handlers). */
const paramValue = fc.oneof(hostileText, fc.constant('OWN_BOARD'), fc.constant('OWN_CARD'));

/** A path segment for any string: an unpaired surrogate, which cannot be percent-encoded, becomes U+FFFD. */
function pathSegment(value: string): string {
  return encodeURIComponent(
    value.replace(/[\uD800-\uDFFF]/g, (c, i: number, all: string) => {
      const pairedHigh = c <= '\uDBFF' && /[\uDC00-\uDFFF]/.test(all[i + 1] ?? '');
      const pairedLow = c >= '\uDC00' && /[\uD800-\uDBFF]/.test(all[i - 1] ?? '');
      return pairedHigh || pairedLow ? c : '\uFFFD';
    }),
  );
}

function cursorOf(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Everything of the victim's that an attacker must not be able to change. */
async function victimState() {
  const sql = t.db.sql;
  return {
    user: await sql`select id, email, name, password_hash from users where id = ${victim.user.id}`,
    sessions: await sql`select token_hash from sessions where user_id = ${victim.user.id} order by token_hash`,
    boards: await sql`select * from boards where id = ${victimBoard}`,
    members: await sql`select user_id, role from board_members where board_id = ${victimBoard} order by user_id`,
    cards:
      await sql`select card_id, column_id, position from board_cards where board_id = ${victimBoard} order by card_id`,
    votes: await sql`select * from votes where board_id = ${victimBoard} order by card_id, user_id`,
    updates: await sql`select count(*)::int as n from board_updates where board_id = ${victimBoard}`,
  };
}

beforeAll(async () => {
  t = await buildTestApp();
  attacker = await signUp(t.app, 'Mallory');
  victim = await signUp(t.app, 'Victor');
  attackerBoard = (await createBoard(t.app, attacker, 'Mallory board')).id;
  [attackerCard] = await placeCards(t.app, attacker, attackerBoard, 1);
  victimBoard = (await createBoard(t.app, victim, 'Victor board')).id;
  const [victimCard] = await placeCards(t.app, victim, victimBoard, 2);
  await t.app.inject({
    method: 'PUT',
    url: `/api/boards/${victimBoard}/cards/${victimCard}/vote`,
    headers: { cookie: victim.cookie },
    payload: {},
  });
}, 60_000);

afterAll(() => t.close());

describe('hostile input', () => {
  it('is answered with a 4xx (or a success), never a 5xx, and leaves other users’ data alone (fuzz)', async () => {
    const before = await victimState();
    const failures: string[] = [];
    const ops = operations();
    let requests = 0;
    // Every route is reached (a broken operation list would make this test pass vacuously).
    expect(ops.length).toBeGreaterThan(40);
    for (const op of ops) {
      // Signing out or changing the attacker's password would only end the run's own session.
      if (op.path === '/api/auth/logout') continue;
      await fc.assert(
        fc.asyncProperty(
          fc.array(paramValue, { minLength: op.params.length, maxLength: op.params.length }),
          fc.dictionary(fc.constantFrom(...Object.keys(op.query), 'extra'), hostileValue, { maxKeys: 4 }),
          fc.option(
            fc.oneof(
              fc.dictionary(fc.constantFrom(...Object.keys(op.body?.properties ?? {}), 'extra'), hostileValue, {
                maxKeys: 5,
              }),
              hostileValue,
            ),
          ),
          async (params, query, body) => {
            let url = op.path;
            op.params.forEach((name, i) => {
              const value =
                params[i] === 'OWN_BOARD' ? attackerBoard : params[i] === 'OWN_CARD' ? attackerCard : params[i];
              url = url.replace(`{${name}}`, pathSegment(String(value)));
            });
            const search = new URLSearchParams();
            for (const [key, value] of Object.entries(query)) {
              search.set(key, typeof value === 'string' ? value : JSON.stringify(value));
            }
            const res = await t.app.inject({
              method: op.method as 'GET',
              url: `${url}?${search}`,
              headers: { cookie: attacker.cookie, 'content-type': 'application/json' },
              ...(op.method === 'GET' || op.method === 'DELETE' || body === null
                ? {}
                : { payload: JSON.stringify(body) }),
            });
            requests++;
            if (res.statusCode >= 500) {
              failures.push(
                `${op.method} ${url}?${search} ${JSON.stringify(body)?.slice(0, 200)} → ${res.statusCode} ${res.body}`,
              );
            }
            // Recorded rather than failed here, so that every route gets all its runs; asserted below.
            return true;
          },
        ),
        { numRuns: 15 },
      );
    }
    // Every route got all its random runs (a value the test itself cannot send must not end one early).
    expect(requests).toBe(ops.filter((op) => op.path !== '/api/auth/logout').length * 15);
    // Then every field of every route, one at a time, with each of the values that broke something once.
    const nasty: unknown[] = [
      '\u0000',
      'a\u0000b',
      '-'.repeat(400),
      '9223372036854775808',
      'x'.repeat(20_000),
      '\uD800',
      'urn:uuid:123e4567-e89b-12d3-a456-426614174000',
      '1',
      {},
      [],
      1e308,
      -1,
      null,
      true,
    ];
    for (const op of ops) {
      if (op.path === '/api/auth/logout') continue;
      const url = op.path.replace(/\{[^}]+\}/g, (name) => (name.includes('card') ? attackerCard : attackerBoard));
      const fields = [
        ...Object.keys(op.query).map((key) => ['query', key] as const),
        ...Object.keys(op.body?.properties ?? {}).map((key) => ['body', key] as const),
      ];
      for (const name of op.params) {
        // A lone surrogate cannot be put in a URL at all (encodeURIComponent throws): not sent.
        for (const value of nasty.filter((v): v is string => typeof v === 'string' && v !== '\uD800')) {
          const target = op.path.replace(/\{[^}]+\}/g, (p) =>
            p === `{${name}}` ? encodeURIComponent(value) : p.includes('card') ? attackerCard : attackerBoard,
          );
          const res = await t.app.inject({
            method: op.method as 'GET',
            url: target,
            headers: { cookie: attacker.cookie },
          });
          requests++;
          if (res.statusCode >= 500)
            failures.push(`${op.method} ${target.slice(0, 120)} → ${res.statusCode} ${res.body}`);
        }
      }
      for (const [part, key] of fields) {
        for (const value of nasty) {
          const search =
            part === 'query'
              ? `?${new URLSearchParams({ [key]: typeof value === 'string' ? value : JSON.stringify(value) })}`
              : '';
          const res = await t.app.inject({
            method: op.method as 'GET',
            url: `${url}${search}`,
            headers: { cookie: attacker.cookie, 'content-type': 'application/json' },
            ...(part === 'body' ? { payload: JSON.stringify({ [key]: value }) } : {}),
          });
          requests++;
          if (res.statusCode >= 500) {
            failures.push(
              `${op.method} ${url}${search.slice(0, 80)} ${part === 'body' ? JSON.stringify({ [key]: value }).slice(0, 80) : ''} → ${res.statusCode} ${res.body}`,
            );
          }
        }
      }
    }
    expect(failures).toEqual([]);
    expect(requests).toBeGreaterThan(ops.length * 10);
    expect(await victimState()).toEqual(before);
  }, 240_000);

  it('refuses cursors PostgreSQL would choke on, and a query of dashes, with 400 or an answer', async () => {
    const get = (url: string) => t.app.inject({ url, headers: { cookie: attacker.cookie } });
    for (const cursor of [
      { sort: 'recent', at: '1', seq: '1' },
      { sort: 'recent', at: '2026-01-01T00:00:00Z', seq: '99999999999999999999' },
      { sort: 'recent', at: '2026-01-01T00:00:00Z', seq: '9223372036854775808' },
      { sort: 'relevance', rank: 1, seq: '9223372036854775808' },
    ]) {
      const res = await get(`/api/papers?sort=${cursor.sort}&q=a&cursor=${cursorOf(cursor)}`);
      expect(res.statusCode, JSON.stringify(cursor)).toBe(400);
      expect(res.json().message).toMatch(/cursor/);
    }
    const trending = await get(
      `/api/papers?sort=trending&cursor=${cursorOf({ sort: 'trending', asOf: 'June', score: 1, at: '2026-01-01T00:00:00Z', seq: '1' })}`,
    );
    expect(trending.statusCode).toBe(400);
    for (const q of ['-'.repeat(400), '- '.repeat(200), '-('.repeat(200), 'vision ---transformer']) {
      expect((await get(`/api/papers?q=${encodeURIComponent(q)}`)).statusCode, q.slice(0, 10)).toBe(200);
    }
    const nul = await get(`/api/papers?q=${encodeURIComponent('a\u0000b')}`);
    expect(nul.statusCode).toBe(400);
    expect(nul.json().message).toBe('querystring/q must not contain NUL characters or unpaired surrogates');
    const named = await t.app.inject({
      method: 'POST',
      url: '/api/boards',
      headers: { cookie: attacker.cookie },
      payload: { name: 'Bad\u0000name' },
    });
    expect(named.statusCode).toBe(400);
    expect(named.json().message).toBe('body/name must not contain NUL characters or unpaired surrogates');
  });
});
