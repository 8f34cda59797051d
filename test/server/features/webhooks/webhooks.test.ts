import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '#server/app.js';
import { testConfig } from '#test/helpers/app.js';
import { createTestDatabase } from '#test/helpers/db.js';
import {
  addMember,
  assignPresenter,
  createBoardWithMembers,
  placeCards,
  signUpCast,
  type Cast,
  type TestUser,
} from '#test/helpers/factories.js';
import { runWebhookJob } from '#server/features/webhooks/webhooks.service.js';
import type { Config } from '#server/config.js';
import type { Database } from '#server/db/connect.js';

/** A chat service on this machine: records each POST; `answers` by path (status codes, then 200). */
interface Received {
  path: string;
  contentType: string;
  body: Record<string, unknown>;
}
const received: Received[] = [];
const answers = new Map<string, number[]>();
let receiverUrl: string;
const receiver = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const path = req.url ?? '';
    received.push({
      path,
      contentType: req.headers['content-type'] ?? '',
      body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
    });
    const status = answers.get(path)?.shift() ?? 200;
    res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'no');
  });
});

const logLines: string[] = [];
let app: FastifyInstance;
let db: Database;
let config: Config;
let cast: Cast;
let owner: TestUser;

beforeAll(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  config = testConfig({ webhooks: { allowPrivateUrls: true, tickSeconds: 1, timeoutMs: 3000 } });
  db = await createTestDatabase();
  // Every log line of the app, to check that no webhook URL is ever written.
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString('utf8'));
      done();
    },
  });
  app = await buildApp({ config, sql: db.sql, logger: { level: 'debug', stream } });
  await app.ready();
  cast = await signUpCast(app);
  owner = cast.owner;
});
afterAll(async () => {
  await app.close();
  await db.close();
  fs.rmSync(config.dataDir, { recursive: true, force: true });
  await new Promise((resolve) => receiver.close(resolve));
});

const job = (now = new Date()) => runWebhookJob({ sql: db.sql, config, log: app.log }, now);
const secretPath = (name: string) => `/hooks/${name}-${Math.random().toString(36).slice(2)}SECRET`;
const ALL_EVENTS = [
  'nomination',
  'round.opened',
  'round.closing',
  'round.closed',
  'session.scheduled',
  'session.tomorrow',
];

async function addHook(boardId: string, kind: string, path: string, events = ALL_EVENTS) {
  const res = await app.inject({
    method: 'POST',
    url: `/api/boards/${boardId}/webhooks`,
    headers: { cookie: owner.cookie },
    payload: { kind, url: `${receiverUrl}${path}`, events },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; maskedUrl: string; status: string };
}

async function hooks(boardId: string) {
  const res = await app.inject({ url: `/api/boards/${boardId}/webhooks`, headers: { cookie: owner.cookie } });
  expect(res.statusCode).toBe(200);
  return res.json().items as { id: string; status: string; lastError: string | null; maskedUrl: string }[];
}

const to = (path: string) => received.filter((r) => r.path === path);

describe('webhook routes', () => {
  it('are for owners only: members get 403, strangers 404', async () => {
    const board = await createBoardWithMembers(app, owner, { editor: cast.editor, viewer: cast.viewer });
    const { id } = await addHook(board.id, 'slack', secretPath('roles'));
    for (const user of [cast.editor, cast.viewer]) {
      const list = await app.inject({ url: `/api/boards/${board.id}/webhooks`, headers: { cookie: user.cookie } });
      expect(list.statusCode).toBe(403);
      const del = await app.inject({
        method: 'DELETE',
        url: `/api/boards/${board.id}/webhooks/${id}`,
        headers: { cookie: user.cookie },
      });
      expect(del.statusCode).toBe(403);
    }
    const stranger = await app.inject({
      url: `/api/boards/${board.id}/webhooks`,
      headers: { cookie: cast.stranger.cookie },
    });
    expect(stranger.statusCode).toBe(404);
    const del = await app.inject({
      method: 'DELETE',
      url: `/api/boards/${board.id}/webhooks/${id}`,
      headers: { cookie: owner.cookie },
    });
    expect(del.statusCode).toBe(204);
    expect(await hooks(board.id)).toEqual([]);
  });

  it('name the field of a bad kind, event or URL', async () => {
    const board = await createBoardWithMembers(app, owner, {});
    const post = (payload: object) =>
      app.inject({
        method: 'POST',
        url: `/api/boards/${board.id}/webhooks`,
        headers: { cookie: owner.cookie },
        payload,
      });
    const url = `${receiverUrl}/x-hook-url`;
    expect((await post({ kind: 'irc', url, events: ['nomination'] })).json().message).toMatch(/kind/);
    expect((await post({ kind: 'slack', url, events: ['party'] })).json().message).toMatch(/events/);
    expect((await post({ kind: 'slack', url, events: [] })).json().message).toMatch(/events/);
    const ftp = await post({ kind: 'slack', url: 'ftp://files.example/hook', events: ['nomination'] });
    expect(ftp.statusCode).toBe(400);
    expect(ftp.json().message).toMatch(/^body\/url /);
    expect(ftp.body).not.toContain('files.example');
  });

  it('never answer the URL in full', async () => {
    const board = await createBoardWithMembers(app, owner, {});
    const path = secretPath('masked');
    const created = await addHook(board.id, 'discord', path);
    expect(created.maskedUrl).toBe(`${receiverUrl}/…/${path.slice(-4)}`);
    const answers = [
      JSON.stringify(created),
      JSON.stringify(await hooks(board.id)),
      (
        await app.inject({
          method: 'PATCH',
          url: `/api/boards/${board.id}/webhooks/${created.id}`,
          headers: { cookie: owner.cookie },
          payload: { enabled: true },
        })
      ).body,
    ];
    for (const body of answers) expect(body).not.toContain(path);
  });
});

describe('deliveries', () => {
  it('are queued by the request that causes them, which does not wait for the chat service', async () => {
    const board = await createBoardWithMembers(app, owner, {});
    const path = secretPath('queued');
    const hook = await addHook(board.id, 'slack', path);
    await placeCards(app, owner, board.id, 1);
    await vi.waitFor(async () => {
      const rows = await db.sql`select status, event from webhook_deliveries where webhook_id = ${hook.id}`;
      expect(rows).toEqual([{ status: 'pending', event: 'nomination' }]);
    });
    expect(to(path)).toEqual([]);
    await job();
    expect(to(path)).toHaveLength(1);
    const [row] = await db.sql`select status, attempts from webhook_deliveries where webhook_id = ${hook.id}`;
    expect(row).toEqual({ status: 'delivered', attempts: 1 });
  });

  it('reach each platform in its own format', async () => {
    const board = await createBoardWithMembers(app, owner, {});
    const paths = {
      slack: secretPath('slack'),
      discord: secretPath('discord'),
      mattermost: secretPath('mm'),
      teams: secretPath('teams'),
    };
    for (const [kind, path] of Object.entries(paths)) await addHook(board.id, kind, path, ['nomination']);
    await placeCards(app, owner, board.id, 1);
    await vi.waitFor(async () => {
      const [{ count }] = await db.sql`
        select count(*)::int as count from webhook_deliveries d join webhooks w on w.id = d.webhook_id
        where w.board_id = ${board.id}`;
      expect(count).toBe(4);
    });
    await job();
    for (const path of Object.values(paths)) {
      expect(to(path)).toHaveLength(1);
      expect(to(path)[0].contentType).toMatch(/^application\/json/);
    }
    const slack = to(paths.slack)[0].body as { text: string; blocks: { type: string }[] };
    expect(slack.text).toMatch(/^New nomination on Reading group: Paper 1/);
    expect(slack.blocks[0].type).toBe('header');
    const discord = to(paths.discord)[0].body as {
      embeds: { title: string; fields: { name: string; value: string }[] }[];
    };
    expect(discord.embeds[0].title).toMatch(/^Paper 1/);
    expect(discord.embeds[0].fields).toEqual([{ name: 'Nominated by', value: 'Owner', inline: true }]);
    const mattermost = to(paths.mattermost)[0].body as { text: string };
    expect(mattermost.text).toMatch(/^#### New nomination/);
    const teams = to(paths.teams)[0].body as { type: string; attachments: { content: { type: string } }[] };
    expect(teams.type).toBe('message');
    expect(teams.attachments[0].content.type).toBe('AdaptiveCard');
  });

  it('are retried with backoff after a 500, and the hook shows its last error until one goes through', async () => {
    const board = await createBoardWithMembers(app, owner, {});
    const path = secretPath('retry');
    answers.set(path, [500]);
    await addHook(board.id, 'mattermost', path, ['nomination']);
    await placeCards(app, owner, board.id, 1);
    const t0 = new Date(Date.now() + 1000);
    await vi.waitFor(async () => expect((await job(t0)).failed).toBe(1));
    expect(await hooks(board.id)).toMatchObject([{ status: 'failing', lastError: 'Mattermost answered 500' }]);
    await job(new Date(t0.getTime() + 30_000));
    expect(to(path)).toHaveLength(1);
    await job(new Date(t0.getTime() + 61_000));
    expect(to(path)).toHaveLength(2);
    expect(await hooks(board.id)).toMatchObject([{ status: 'active', lastError: null }]);
  });

  it('disable a hook after five failures in a row; an owner re-enables it', async () => {
    const board = await createBoardWithMembers(app, owner, {});
    const path = secretPath('broken');
    answers.set(path, [503, 503, 503, 503, 503, 503]);
    const hook = await addHook(board.id, 'teams', path, ['nomination']);
    await placeCards(app, owner, board.id, 1);
    const t0 = new Date(Date.now() + 1000);
    await vi.waitFor(async () => expect((await job(t0)).failed).toBe(1));
    let at = t0.getTime();
    for (const wait of [60_000, 5 * 60_000, 30 * 60_000]) {
      at += wait + 1000;
      expect((await job(new Date(at))).failed).toBe(1);
    }
    at += 2 * 3600_000 + 1000;
    expect((await job(new Date(at))).disabled).toBe(1);
    expect(to(path)).toHaveLength(5);
    expect(await hooks(board.id)).toMatchObject([{ status: 'disabled', lastError: 'Teams answered 503' }]);
    // Disabled: nothing more is sent, and new events are not queued for it.
    await job(new Date(at + 7 * 3600_000));
    expect(to(path)).toHaveLength(5);
    const res = await app.inject({
      method: 'PATCH',
      url: `/api/boards/${board.id}/webhooks/${hook.id}`,
      headers: { cookie: owner.cookie },
      payload: { enabled: true },
    });
    expect(res.json()).toMatchObject({ status: 'active', failures: 0 });
    // The webhook URL appeared in no log line, while the webhook id did.
    const log = logLines.join('');
    expect(log).toContain(hook.id);
    expect(log).not.toContain(path);
    expect(log).not.toContain(path.slice(1));
  });

  it('tell of rounds opened, closing within a day (once) and closed with their winners', async () => {
    const board = await createBoardWithMembers(app, owner, { editor: cast.editor });
    const path = secretPath('rounds');
    await addHook(board.id, 'discord', path, ['round.opened', 'round.closing', 'round.closed']);
    const cards = await placeCards(app, owner, board.id, 2);
    const opened = await app.inject({
      method: 'POST',
      url: `/api/boards/${board.id}/rounds`,
      headers: { cookie: owner.cookie },
      payload: {
        method: 'approval',
        candidates: { cardIds: cards },
        closesAt: new Date(Date.now() + 30 * 3600_000).toISOString(),
      },
    });
    expect(opened.statusCode, opened.body).toBe(201);
    await job();
    expect(to(path).map((r) => (r.body as { content: string }).content)).toEqual([
      'A ballot round opened on Reading group',
    ]);
    const later = new Date(Date.now() + 7 * 3600_000);
    await job(later);
    await job(new Date(later.getTime() + 60_000));
    expect(to(path)).toHaveLength(2);
    expect((to(path)[1].body as { content: string }).content).toBe(
      'A ballot round on Reading group closes within a day',
    );
    await app.inject({
      method: 'PUT',
      url: `/api/boards/${board.id}/rounds/${opened.json().id}/ballot`,
      headers: { cookie: cast.editor.cookie },
      payload: { approve: [cards[1]] },
    });
    const closed = await app.inject({
      method: 'POST',
      url: `/api/boards/${board.id}/rounds/${opened.json().id}/close`,
      headers: { cookie: owner.cookie },
    });
    expect(closed.statusCode, closed.body).toBe(200);
    await job(new Date(later.getTime() + 120_000));
    const last = to(path)[2].body as { embeds: { fields: { name: string; value: string }[] }[] };
    expect(last.embeds[0].fields[0]).toMatchObject({ name: 'Winner', value: expect.stringMatching(/^Paper 2 /) });
  });

  it('tell of sessions scheduled, moved, and the day before (once)', async () => {
    const board = await createBoardWithMembers(app, owner, {});
    await addMember(app, owner, board.id, cast.viewer, 'viewer');
    const path = secretPath('sessions');
    await addHook(board.id, 'slack', path, ['session.scheduled', 'session.tomorrow']);
    const [cardId] = await placeCards(app, owner, board.id, 1);
    const sessionAt = new Date(Date.now() + 3 * 86_400_000);
    await assignPresenter(app, owner, { boardId: board.id, cardId }, cast.viewer, sessionAt);
    await assignPresenter(
      app,
      owner,
      { boardId: board.id, cardId },
      cast.viewer,
      new Date(sessionAt.getTime() + 3600_000),
    );
    await job();
    expect(to(path).map((r) => (r.body as { text: string }).text)).toEqual([
      expect.stringMatching(/^Session scheduled on Reading group: Paper 1/),
      expect.stringMatching(/^Session moved on Reading group: Paper 1/),
    ]);
    const dayBefore = new Date(sessionAt.getTime() - 12 * 3600_000);
    await job(dayBefore);
    await job(new Date(dayBefore.getTime() + 60_000));
    expect(to(path)).toHaveLength(3);
    const reminder = to(path)[2].body as { text: string; blocks: unknown[] };
    expect(reminder.text).toMatch(/^Session tomorrow on Reading group/);
    expect(JSON.stringify(reminder.blocks)).toContain('Viewer');
    expect(JSON.stringify(reminder.blocks)).not.toMatch(/@example\.org/);
  });
});
