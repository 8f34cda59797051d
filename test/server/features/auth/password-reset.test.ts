import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '#test/helpers/app.js';
import { signUp, type TestUser } from '#test/helpers/factories.js';
import { startSmtp, type TestSmtp } from '#test/helpers/mail.js';

const NEW_PASSWORD = 'a brand new passphrase';

let smtp: TestSmtp;
let t: TestApp;
beforeAll(async () => {
  smtp = await startSmtp();
  t = await buildTestApp({ smtpUrl: smtp.url, publicUrl: 'https://papers.example.org' });
});
afterAll(async () => {
  await t.close();
  await smtp.close();
});

function post(url: string, payload: object, headers: Record<string, string> = {}) {
  return t.app.inject({ method: 'POST', url, payload, headers });
}

/** Asks for a reset link and returns the token from the mail the SMTP server received. */
async function requestToken(user: TestUser): Promise<string> {
  const seen = new Set(smtp.to(user.user.email));
  const res = await post('/api/auth/forgot', { email: user.user.email.toUpperCase() });
  expect(res.statusCode).toBe(202);
  const mail = await smtp.waitFor((m) => m.to.includes(user.user.email.toLowerCase()) && !seen.has(m));
  const link = /https:\/\/papers\.example\.org\/reset#token=([\w-]+)/.exec(mail.parsed.text ?? '');
  expect(link, mail.parsed.text).not.toBeNull();
  return link![1];
}

async function login(user: TestUser, password: string) {
  return post('/api/auth/login', { email: user.user.email, password });
}

async function me(cookie: string) {
  return t.app.inject({ url: '/api/me', headers: { cookie } });
}

describe('forgot password', () => {
  it('answers the same for a known and an unknown address, and mails only the known one', async () => {
    const user = await signUp(t.app, 'Forgetful');
    const unknown = `nobody.${crypto.randomBytes(4).toString('hex')}@example.org`;
    const a = await post('/api/auth/forgot', { email: unknown });
    const b = await post('/api/auth/forgot', { email: user.user.email });
    expect(a.statusCode).toBe(202);
    expect(b.statusCode).toBe(202);
    expect(a.body).toBe(b.body);

    const mail = await smtp.waitFor((m) => m.to.includes(user.user.email.toLowerCase()));
    expect(smtp.to(unknown)).toHaveLength(0);
    expect(smtp.received.every((m) => !m.to.includes(unknown))).toBe(true);
    expect(mail.parsed.subject).toBe('Reset your Paperboard password');
    expect(mail.parsed.text).toMatch(/https:\/\/papers\.example\.org\/reset#token=[\w-]{43}/);
    // The database keeps only a hash of the token.
    const token = /#token=([\w-]+)/.exec(mail.parsed.text ?? '')![1];
    const rows = await t.db.sql<{ tokenHash: Buffer }[]>`
      select token_hash from password_resets where user_id = ${user.user.id}`;
    expect(rows).toHaveLength(1);
    expect(rows[0].tokenHash.equals(crypto.createHash('sha256').update(token).digest())).toBe(true);
  });

  it.each([
    [{ email: 'not an email' }, 'email'],
    [{}, 'email'],
    [{ email: 'a@example.org', extra: 1 }, 'extra'],
  ])('refuses %o with a 400 naming the field', async (payload, field) => {
    const res = await post('/api/auth/forgot', payload);
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toContain(field);
  });
});

describe('reset password', () => {
  it('sets the new password with the mailed link and signs out every session', async () => {
    const user = await signUp(t.app, 'Resetter');
    const elsewhere = (await login(user, user.password)).cookies.find((c) => c.name === 'pb_session')!;
    const token = await requestToken(user);

    const res = await post('/api/auth/reset', { token, password: NEW_PASSWORD }, { cookie: user.cookie });
    expect(res.statusCode, res.body).toBe(204);
    expect((await me(user.cookie)).statusCode).toBe(401);
    expect((await me(`pb_session=${elsewhere.value}`)).statusCode).toBe(401);
    expect((await login(user, user.password)).statusCode).toBe(401);
    expect((await login(user, NEW_PASSWORD)).statusCode).toBe(200);
  });

  it('refuses a link used once already, with a 400 naming the token', async () => {
    const user = await signUp(t.app, 'Twice');
    const token = await requestToken(user);
    expect((await post('/api/auth/reset', { token, password: NEW_PASSWORD })).statusCode).toBe(204);
    const again = await post('/api/auth/reset', { token, password: 'yet another passphrase' });
    expect(again.statusCode).toBe(400);
    expect(again.json().message).toContain('token');
    expect((await login(user, NEW_PASSWORD)).statusCode).toBe(200);
  });

  it('refuses an expired link', async () => {
    const user = await signUp(t.app, 'Too Late');
    const token = await requestToken(user);
    await t.db.sql`update password_resets set expires_at = now() - interval '1 second' where user_id = ${user.user.id}`;
    const res = await post('/api/auth/reset', { token, password: NEW_PASSWORD });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toContain('token');
    expect((await login(user, user.password)).statusCode).toBe(200);
  });

  it('voids the older links of the account once one is used', async () => {
    const user = await signUp(t.app, 'Many Links');
    const first = await requestToken(user);
    const second = await requestToken(user);
    expect((await post('/api/auth/reset', { token: second, password: NEW_PASSWORD })).statusCode).toBe(204);
    expect((await post('/api/auth/reset', { token: first, password: 'yet another passphrase' })).statusCode).toBe(400);
  });

  it.each([
    [{ password: NEW_PASSWORD }, 'token'],
    [{ token: 'short', password: NEW_PASSWORD }, 'token'],
    [{ token: 'x'.repeat(43), password: 'short' }, 'password'],
    [{ token: 'x'.repeat(43) }, 'password'],
  ])('refuses %o with a 400 naming the field', async (payload, field) => {
    const res = await post('/api/auth/reset', payload);
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toContain(field);
  });

  it('refuses a token that was never issued', async () => {
    const res = await post('/api/auth/reset', {
      token: crypto.randomBytes(32).toString('base64url'),
      password: NEW_PASSWORD,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toContain('token');
  });
});

describe('rate limits', () => {
  it('limits reset requests per address like logins, with the same answer for unknown addresses', async () => {
    const limited = await buildTestApp({
      smtpUrl: smtp.url,
      authRateLimit: { perIp: 100, perEmailIp: 2, perEmail: 100, windowSeconds: 900 },
    });
    try {
      for (const email of ['limited@example.org', 'limited.unknown@example.org']) {
        const codes: number[] = [];
        for (let i = 0; i < 3; i++) {
          codes.push(
            (await limited.app.inject({ method: 'POST', url: '/api/auth/forgot', payload: { email } })).statusCode,
          );
        }
        expect(codes).toEqual([202, 202, 429]);
      }
    } finally {
      await limited.close();
    }
  });
});
