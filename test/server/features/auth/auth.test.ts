import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '#test/helpers/app.js';
import { signUp } from '#test/helpers/factories.js';
import { hashPassword } from '#server/features/auth/password.js';
import { loadConfig } from '#server/config.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(() => t.close());

function post(url: string, payload: object, headers: Record<string, string> = {}) {
  return t.app.inject({ method: 'POST', url, payload, headers });
}

describe('signup and sessions', () => {
  it('signs up, sets an HttpOnly SameSite=Lax session cookie and answers /api/me', async () => {
    const res = await post('/api/auth/signup', { email: 'Ada@Example.org', password: 'long enough pw', name: 'Ada' });
    expect(res.statusCode).toBe(201);
    expect(res.json().user).toMatchObject({ email: 'Ada@Example.org', name: 'Ada' });
    const cookie = res.cookies.find((c) => c.name === 'pb_session')!;
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.sameSite).toBe('Lax');
    expect(cookie.value.length).toBeGreaterThanOrEqual(43); // 32 random bytes, base64url
    const me = await t.app.inject({ url: '/api/me', headers: { cookie: `pb_session=${cookie.value}` } });
    expect(me.json().user.email).toBe('Ada@Example.org');
  });

  it('stores only a hash of the session token and a salted scrypt hash of the password', async () => {
    const a = await signUp(t.app, 'Hash Check');
    const token = a.cookie.split('=')[1];
    const sessions = await t.db.sql<
      { tokenHash: Buffer }[]
    >`select token_hash from sessions where user_id = ${a.user.id}`;
    expect(sessions).toHaveLength(1);
    expect(sessions[0].tokenHash.toString('base64url')).not.toBe(token);
    const [{ passwordHash }] = await t.db.sql<
      { passwordHash: string }[]
    >`select password_hash from users where id = ${a.user.id}`;
    expect(passwordHash).toMatch(/^scrypt\$\d+\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(passwordHash).not.toContain(a.password);
  });

  it('treats emails case-insensitively and refuses a second account', async () => {
    const res = await post('/api/auth/signup', { email: 'ADA@example.ORG', password: 'long enough pw', name: 'Ada 2' });
    expect(res.statusCode).toBe(409);
    expect(res.json().message).toContain('email');
    const login = await post('/api/auth/login', { email: 'ada@EXAMPLE.org', password: 'long enough pw' });
    expect(login.statusCode).toBe(200);
  });

  it.each([
    [{ email: 'not-an-email', password: 'long enough pw', name: 'X' }, 'email'],
    [{ email: 'x@example.org', password: 'short', name: 'X' }, 'password'],
    [{ email: 'x@example.org', password: 'long enough pw', name: '' }, 'name'],
    [{ email: 'x@example.org', password: 'long enough pw' }, 'name'],
  ])('refuses a bad signup with a 400 naming the field (%o)', async (payload, field) => {
    const res = await post('/api/auth/signup', payload);
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toContain(field);
  });

  it('gives the same answer for an unknown email and a wrong password', async () => {
    const unknown = await post('/api/auth/login', { email: 'nobody@example.org', password: 'whatever123' });
    const wrong = await post('/api/auth/login', { email: 'ada@example.org', password: 'whatever123' });
    expect(unknown.statusCode).toBe(401);
    expect(wrong.statusCode).toBe(401);
    expect(unknown.json()).toEqual(wrong.json());
  });

  it('answers GET /api/auth/session with the user, or null and 200 for nobody or a revoked session', async () => {
    const user = await signUp(t.app, 'Session Sam');
    const signedIn = await t.app.inject({ url: '/api/auth/session', headers: { cookie: user.cookie } });
    expect(signedIn.statusCode).toBe(200);
    expect(signedIn.json().user).toMatchObject({ id: user.user.id, name: 'Session Sam' });
    const nobody = await t.app.inject({ url: '/api/auth/session' });
    expect(nobody.statusCode).toBe(200);
    expect(nobody.json()).toEqual({ user: null });
    await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie: user.cookie } });
    const revoked = await t.app.inject({ url: '/api/auth/session', headers: { cookie: user.cookie } });
    expect(revoked.json()).toEqual({ user: null });
  });

  it('revokes the session on the server at logout', async () => {
    const a = await signUp(t.app, 'Logout');
    const out = await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie: a.cookie } });
    expect(out.statusCode).toBe(204);
    // The old cookie value no longer works even if a client kept it.
    const me = await t.app.inject({ url: '/api/me', headers: { cookie: a.cookie } });
    expect(me.statusCode).toBe(401);
  });

  it('renews a session that was last renewed more than a day ago', async () => {
    const a = await signUp(t.app, 'Sliding');
    await t.db.sql`update sessions set renewed_at = now() - interval '2 days', expires_at = now() + interval '1 hour'
      where user_id = ${a.user.id}`;
    const me = await t.app.inject({ url: '/api/me', headers: { cookie: a.cookie } });
    expect(me.statusCode).toBe(200);
    expect(me.cookies.find((c) => c.name === 'pb_session')?.value).toBe(a.cookie.split('=')[1]);
    const [{ expiresAt }] = await t.db.sql<
      { expiresAt: Date }[]
    >`select expires_at from sessions where user_id = ${a.user.id}`;
    expect(expiresAt.getTime()).toBeGreaterThan(Date.now() + 29 * 24 * 3600 * 1000);
  });

  it('refuses an expired session', async () => {
    const a = await signUp(t.app, 'Expired');
    await t.db.sql`update sessions set expires_at = now() - interval '1 second' where user_id = ${a.user.id}`;
    expect((await t.app.inject({ url: '/api/me', headers: { cookie: a.cookie } })).statusCode).toBe(401);
  });

  it('changes the password only with the current one, and signs out other sessions', async () => {
    const a = await signUp(t.app, 'Changer');
    const other = await post('/api/auth/login', { email: a.user.email, password: a.password });
    const otherCookie = `pb_session=${other.cookies.find((c) => c.name === 'pb_session')!.value}`;
    const wrong = await t.app.inject({
      method: 'PATCH',
      url: '/api/me',
      headers: { cookie: a.cookie },
      payload: { currentPassword: 'nope nope nope', newPassword: 'a brand new password' },
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().message).toContain('currentPassword');
    const ok = await t.app.inject({
      method: 'PATCH',
      url: '/api/me',
      headers: { cookie: a.cookie },
      payload: { currentPassword: a.password, newPassword: 'a brand new password', name: 'Renamed' },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().user.name).toBe('Renamed');
    expect((await t.app.inject({ url: '/api/me', headers: { cookie: otherCookie } })).statusCode).toBe(401);
    expect((await t.app.inject({ url: '/api/me', headers: { cookie: a.cookie } })).statusCode).toBe(200);
    const login = await post('/api/auth/login', { email: a.user.email, password: 'a brand new password' });
    expect(login.statusCode).toBe(200);
  });
});

describe('cross-site requests and headers', () => {
  it('refuses a state-changing request from another origin', async () => {
    const a = await signUp(t.app, 'Csrf');
    const evil = await t.app.inject({
      method: 'POST',
      url: '/api/boards',
      headers: { cookie: a.cookie, origin: 'https://evil.example' },
      payload: { name: 'Nope' },
    });
    expect(evil.statusCode).toBe(403);
    const evilReferer = await t.app.inject({
      method: 'POST',
      url: '/api/boards',
      headers: { cookie: a.cookie, referer: 'https://evil.example/page' },
      payload: { name: 'Nope' },
    });
    expect(evilReferer.statusCode).toBe(403);
    const own = await t.app.inject({
      method: 'POST',
      url: '/api/boards',
      headers: { cookie: a.cookie, origin: 'http://localhost:80', host: 'localhost:80' },
      payload: { name: 'Yes' },
    });
    expect(own.statusCode).toBe(201);
    const [{ n }] = await t.db.sql<{ n: number }[]>`select count(*)::int as n from boards where name = 'Nope'`;
    expect(n).toBe(0);
  });

  it('sets a content security policy and other security headers', async () => {
    const a = await signUp(t.app, 'Headers');
    const res = await t.app.inject('/api/papers');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('same-origin');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['permissions-policy']).toContain('camera=()');
    // Over plain http (localhost) there is no HSTS to pin a browser to https that is not there.
    expect(res.headers['strict-transport-security']).toBeUndefined();
    // Answers written straight to the socket (streamed import progress) carry them too.
    const streamed = await t.app.inject({
      method: 'POST',
      url: '/api/papers/import?format=arxiv',
      headers: { cookie: a.cookie, 'content-type': 'text/plain', accept: 'application/x-ndjson' },
      payload: 'not an id',
    });
    expect(streamed.headers['content-type']).toBe('application/x-ndjson');
    expect(streamed.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });
});

describe('stronger defaults', () => {
  it('makes a hash of a lower cost again at the next sign-in, and only with the right password', async () => {
    const stronger = await buildTestApp({ passwordHashCost: 11 });
    try {
      const email = `rehash.${Date.now()}@example.org`;
      const weak = await hashPassword('correct horse battery', 10);
      await stronger.db.sql`
        insert into users (email, email_key, name, password_hash) values (${email}, ${email}, 'Old Hash', ${weak})`;
      const stored = async () =>
        (await stronger.db.sql<{ h: string }[]>`select password_hash as h from users where email_key = ${email}`)[0].h;
      const login = (password: string) =>
        stronger.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } });
      expect((await login('wrong password')).statusCode).toBe(401);
      expect(await stored()).toBe(weak);
      expect((await login('correct horse battery')).statusCode).toBe(200);
      expect(await stored()).toMatch(/^scrypt\$11\$/);
      expect((await login('correct horse battery')).statusCode).toBe(200);
      expect(loadConfig({}).passwordHashCost).toBe(17);
    } finally {
      await stronger.close();
    }
  });

  it('names the session cookie __Host-… over https', async () => {
    const secure = await buildTestApp({ publicUrl: 'https://reading.example.org', secureCookies: true });
    try {
      const res = await secure.app.inject({
        method: 'POST',
        url: '/api/auth/signup',
        payload: { email: `host.${Date.now()}@example.org`, password: 'long enough pw', name: 'Host' },
      });
      expect(res.statusCode).toBe(201);
      const cookie = String(res.headers['set-cookie']);
      expect(cookie).toMatch(/^__Host-pb_session=[\w-]+; .*Path=\/; .*Secure/);
      expect(cookie).not.toMatch(/Domain=/i);
      const value = cookie.split(';')[0];
      expect((await secure.app.inject({ url: '/api/me', headers: { cookie: value } })).statusCode).toBe(200);
    } finally {
      await secure.close();
    }
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After past the per-email login limit, on any IP', async () => {
    const limited = await buildTestApp({
      authRateLimit: { perIp: 1000, perEmailIp: 1000, perEmail: 3, windowSeconds: 600 },
    });
    try {
      const attempt = (ip: string) =>
        limited.app.inject({
          method: 'POST',
          url: '/api/auth/login',
          remoteAddress: ip,
          payload: { email: 'target@example.org', password: 'guess guess' },
        });
      for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) expect((await attempt(ip)).statusCode).toBe(401);
      const blocked = await attempt('10.0.0.4');
      expect(blocked.statusCode).toBe(429);
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(blocked.headers['retry-after'])).toBeLessThanOrEqual(600);
    } finally {
      await limited.close();
    }
  });

  it('counts every spelling of one address against the same limit: spaces, invisible characters, case', async () => {
    const limited = await buildTestApp({
      authRateLimit: { perIp: 1000, perEmailIp: 1000, perEmail: 4, windowSeconds: 600 },
    });
    try {
      const eve = await signUp(limited.app, 'Eve Variant');
      const email = eve.user.email;
      const attempt = (spelling: string) =>
        limited.app.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { email: spelling, password: 'not her password' },
        });
      const spellings = [` ${email}`, `\ufeff${email}`, `${email}\n`, email.toUpperCase()];
      for (const spelling of spellings)
        expect((await attempt(spelling)).statusCode, JSON.stringify(spelling)).toBe(401);
      for (const spelling of [email, `\u200b${email}`]) {
        expect((await attempt(spelling)).statusCode, JSON.stringify(spelling)).toBe(429);
      }
      // Even with the right password, from another IP, no spelling escapes the address’s window.
      const ok = await limited.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        remoteAddress: '10.9.9.9',
        payload: { email: `\ufeff${email}`, password: eve.password },
      });
      expect(ok.statusCode).toBe(429); // still within the per-address window
    } finally {
      await limited.close();
    }
  });

  it('keys the strict limit on the address and the IP: a stranger guessing cannot lock the owner out', async () => {
    const limited = await buildTestApp({
      authRateLimit: { perIp: 1000, perEmailIp: 2, perEmail: 100, windowSeconds: 600 },
    });
    try {
      const owner = await signUp(limited.app, 'Owner Olga');
      const login = (ip: string, password: string) =>
        limited.app.inject({
          method: 'POST',
          url: '/api/auth/login',
          remoteAddress: ip,
          payload: { email: owner.user.email, password },
        });
      expect((await login('203.0.113.7', 'guess one')).statusCode).toBe(401);
      expect((await login('203.0.113.7', 'guess two')).statusCode).toBe(401);
      expect((await login('203.0.113.7', 'guess three')).statusCode).toBe(429);
      // The owner, elsewhere, signs in.
      expect((await login('198.51.100.20', owner.password)).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('keys the IP limit on the client behind a trusted proxy, and ignores X-Forwarded-For from anyone else', async () => {
    const limited = await buildTestApp({
      authRateLimit: { perIp: 1, perEmailIp: 100, perEmail: 100, windowSeconds: 600 },
      trustProxy: ['10.0.0.2'],
    });
    try {
      const signup = (peer: string, forwardedFor: string, i: number) =>
        limited.app.inject({
          method: 'POST',
          url: '/api/auth/signup',
          remoteAddress: peer,
          headers: { 'x-forwarded-for': forwardedFor },
          payload: { email: `p${i}@example.org`, password: 'long enough pw', name: 'P' },
        });
      // Two readers behind the proxy: each has an allowance of its own, not one for the proxy.
      expect((await signup('10.0.0.2', '203.0.113.1', 1)).statusCode).toBe(201);
      expect((await signup('10.0.0.2', '203.0.113.2', 2)).statusCode).toBe(201);
      expect((await signup('10.0.0.2', '203.0.113.1', 3)).statusCode).toBe(429);
      // A client that reaches the node directly cannot choose its IP with the header.
      expect((await signup('10.0.0.9', '203.0.113.3', 4)).statusCode).toBe(201);
      expect((await signup('10.0.0.9', '203.0.113.4', 5)).statusCode).toBe(429);
    } finally {
      await limited.close();
    }
  });

  it('limits signups per IP', async () => {
    const limited = await buildTestApp({
      authRateLimit: { perIp: 2, perEmailIp: 100, perEmail: 100, windowSeconds: 600 },
    });
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) {
        const res = await limited.app.inject({
          method: 'POST',
          url: '/api/auth/signup',
          remoteAddress: '10.1.1.1',
          payload: { email: `s${i}@example.org`, password: 'long enough pw', name: 'S' },
        });
        statuses.push(res.statusCode);
      }
      expect(statuses).toEqual([201, 201, 429]);
      const other = await limited.app.inject({
        method: 'POST',
        url: '/api/auth/signup',
        remoteAddress: '10.1.1.2',
        payload: { email: 's9@example.org', password: 'long enough pw', name: 'S' },
      });
      expect(other.statusCode).toBe(201);
    } finally {
      await limited.close();
    }
  });
});
