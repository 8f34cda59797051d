import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '#server/app.js';
import { seedDemoAccount } from '#server/bootstrap/demo.js';
import { redactUrl } from '#server/plugins/log-redaction.js';
import { buildTestApp, testConfig, type TestApp } from '#test/helpers/app.js';
import { addMember, createBoard, signUp, type TestUser } from '#test/helpers/factories.js';

// What the server must not give away: secrets in logged URLs, metrics to strangers, members' addresses
// to other members, the board behind a dead invitation, the demo account to the world.
let t: TestApp;
let owner: TestUser;
let viewer: TestUser;
let boardId: string;

beforeAll(async () => {
  t = await buildTestApp({ metricsToken: 'm'.repeat(40) });
  owner = await signUp(t.app, 'Owner Ona');
  viewer = await signUp(t.app, 'Viewer Vic');
  boardId = (await createBoard(t.app, owner, 'Private reading group')).id;
  await addMember(t.app, owner, boardId, viewer, 'viewer');
});
afterAll(() => t.close());

describe('logs', () => {
  it('never hold invitation tokens, calendar tokens or unsubscribe signatures', async () => {
    let logged = '';
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logged += chunk.toString();
        done();
      },
    });
    const app = await buildApp({ config: testConfig(), sql: t.db.sql, logger: { level: 'info', stream } });
    try {
      const secrets = ['invitesecret0123456789', 'calendarsecret0123456789', 'signaturesecret0123456789'];
      await app.inject({ url: `/api/invites/${secrets[0]}`, headers: { cookie: owner.cookie } });
      await app.inject({ url: `/api/boards/${boardId}/calendar.ics?token=${secrets[1]}` });
      await app.inject({ url: `/api/unsubscribe?user=${owner.user.id}&list=digest&sig=${secrets[2]}` });
      expect(logged).toContain('incoming request');
      for (const secret of secrets) expect(logged).not.toContain(secret);
      expect(logged).toContain('[redacted]');
    } finally {
      await app.close();
    }
    expect(redactUrl('/api/invites/abc/accept?x=1')).toBe('/api/invites/[redacted]/accept?x=1');
    expect(redactUrl('/a?Token=1&b=2&sig=3')).toBe('/a?Token=[redacted]&b=2&sig=[redacted]');
  });
});

describe('/metrics', () => {
  it('answers loopback, or a scraper with METRICS_TOKEN, and nobody else', async () => {
    expect((await t.app.inject({ url: '/metrics' })).statusCode).toBe(200); // inject comes from 127.0.0.1
    const stranger = await t.app.inject({ url: '/metrics', remoteAddress: '203.0.113.9' });
    expect(stranger.statusCode).toBe(403);
    const wrong = await t.app.inject({
      url: '/metrics',
      remoteAddress: '203.0.113.9',
      headers: { authorization: `Bearer ${'x'.repeat(40)}` },
    });
    expect(wrong.statusCode).toBe(403);
    const scraper = await t.app.inject({
      url: '/metrics',
      remoteAddress: '203.0.113.9',
      headers: { authorization: `Bearer ${'m'.repeat(40)}` },
    });
    expect(scraper.statusCode).toBe(200);
    expect(scraper.body).toContain('http_requests_total');
  });
});

describe("members' addresses", () => {
  it('are shown to owners, and to each member their own only', async () => {
    const asOwner = (await t.app.inject({ url: `/api/boards/${boardId}`, headers: { cookie: owner.cookie } })).json();
    expect(asOwner.members.map((m: { email?: string }) => m.email).sort()).toEqual(
      [owner.user.email, viewer.user.email].sort(),
    );
    const asViewer = (await t.app.inject({ url: `/api/boards/${boardId}`, headers: { cookie: viewer.cookie } })).json();
    const byId = new Map(asViewer.members.map((m: { userId: string; email?: string }) => [m.userId, m.email]));
    expect(byId.get(viewer.user.id)).toBe(viewer.user.email);
    expect(byId.get(owner.user.id)).toBeUndefined();
    expect(JSON.stringify(asViewer)).not.toContain(owner.user.email);
  });
});

describe('a dead invitation', () => {
  it('reveals nothing of its board once revoked or used up', async () => {
    const create = async (payload: object) =>
      (
        await t.app.inject({
          method: 'POST',
          url: `/api/boards/${boardId}/invites`,
          headers: { cookie: owner.cookie },
          payload,
        })
      ).json() as { id: string; token: string };
    const stranger = await signUp(t.app, 'Stranger Sam');
    const preview = (token: string) =>
      t.app.inject({ url: `/api/invites/${token}`, headers: { cookie: stranger.cookie } });

    const revoked = await create({ role: 'viewer' });
    expect((await preview(revoked.token)).json().boardName).toBe('Private reading group');
    await t.app.inject({
      method: 'DELETE',
      url: `/api/boards/${boardId}/invites/${revoked.id}`,
      headers: { cookie: owner.cookie },
    });
    const afterRevoke = await preview(revoked.token);
    expect(afterRevoke.statusCode).toBe(410);
    expect(afterRevoke.body).not.toContain('Private reading group');

    const once = await create({ role: 'viewer', maxUses: 1 });
    const joiner = await signUp(t.app, 'Joiner Jo');
    await t.app.inject({
      method: 'POST',
      url: `/api/invites/${once.token}/accept`,
      headers: { cookie: joiner.cookie },
    });
    const usedUp = await preview(once.token);
    expect(usedUp.statusCode).toBe(410);
    expect(usedUp.body).not.toContain(boardId);
  });
});

describe('the demo account', () => {
  it('is advertised only by a server listening on loopback, and keeps its password', async () => {
    const demoApp = await buildTestApp({ seedDemo: true });
    const exposed = await buildApp({ config: { ...demoApp.config, host: '0.0.0.0' }, sql: demoApp.db.sql });
    try {
      const demo = (await seedDemoAccount(demoApp.db.sql, demoApp.config))!;
      expect((await demoApp.app.inject('/api/instance')).json().demo).toEqual(demo);
      expect((await exposed.inject('/api/instance')).json().demo).toBeNull();

      const login = await demoApp.app.inject({ method: 'POST', url: '/api/auth/login', payload: demo });
      const cookie = `pb_session=${login.cookies.find((c) => c.name === 'pb_session')!.value}`;
      const change = await demoApp.app.inject({
        method: 'PATCH',
        url: '/api/me',
        headers: { cookie },
        payload: { currentPassword: demo.password, newPassword: 'locking everyone else out' },
      });
      expect(change.statusCode).toBe(403);
      expect(change.json().message).toMatch(/^newPassword: /);
      await demoApp.app.inject({ method: 'POST', url: '/api/auth/forgot', payload: { email: demo.email } });
      const [{ n }] = await demoApp.db.sql<{ n: number }[]>`select count(*)::int as n from password_resets`;
      expect(n).toBe(0);
      // Its name may still change: that locks nobody out.
      const rename = await demoApp.app.inject({
        method: 'PATCH',
        url: '/api/me',
        headers: { cookie },
        payload: { name: 'Visitor' },
      });
      expect(rename.statusCode).toBe(200);
    } finally {
      await exposed.close();
      await demoApp.close();
    }
  });
});
