import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, ConfigError } from '#server/config.js';
import { buildTestApp, type TestApp } from '#test/helpers/app.js';
import { createBoard, signUp, type TestUser } from '#test/helpers/factories.js';
import { baseUrl, connectSocket, joinBoard } from '#test/helpers/socket.js';
import { openRawSocket } from '#test/helpers/yjs.js';

// A page of another origin — even another origin of the same site — must not use a member's cookie on
// the realtime connections. Pages of the app's own origin (PUBLIC_URL, ALLOWED_ORIGINS, or the origin
// the request's Host names) may.
let t: TestApp;
let member: TestUser;
let boardId: string;

beforeAll(async () => {
  t = await buildTestApp({
    publicUrl: 'https://reading.example.org',
    allowedOrigins: ['https://mirror.example.org'],
  });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  member = await signUp(t.app, 'Member');
  boardId = (await createBoard(t.app, member, 'Guarded')).id;
});

afterAll(async () => {
  await t.close();
});

async function syncStatus(origin: string | null): Promise<number | 'open'> {
  const opened = await openRawSocket(t.app, boardId, member.cookie, origin ? { origin } : {});
  if ('status' in opened) return opened.status;
  opened.socket.close();
  return 'open';
}

describe('the Origin of realtime connections', () => {
  it('refuses /yjs upgrades from a foreign origin with 403, before anything else', async () => {
    expect(await syncStatus('https://evil.example')).toBe(403);
    expect(await syncStatus('https://other.example.org')).toBe(403); // same site, other origin
    expect(await syncStatus('null')).toBe(403); // sandboxed frames and file: pages
  });

  it('accepts /yjs upgrades from PUBLIC_URL, ALLOWED_ORIGINS, the request’s own host, or no Origin', async () => {
    expect(await syncStatus('https://reading.example.org')).toBe('open');
    expect(await syncStatus('https://mirror.example.org')).toBe('open');
    expect(await syncStatus(baseUrl(t.app))).toBe('open');
    expect(await syncStatus(null)).toBe('open');
  });

  it('refuses the socket.io handshake from a foreign origin, and admits the app’s own', async () => {
    await expect(connectSocket(t.app, member, { origin: 'https://evil.example' })).rejects.toThrow();
    const own = await connectSocket(t.app, member, { origin: 'https://reading.example.org' });
    try {
      expect(await joinBoard(own, boardId)).toEqual({ ok: true });
    } finally {
      own.close();
    }
  });

  it('answers the socket.io polling handshake of a foreign origin with 403', async () => {
    const res = await fetch(`${baseUrl(t.app)}/socket.io/?EIO=4&transport=polling`, {
      headers: { origin: 'https://evil.example', cookie: member.cookie },
    });
    expect(res.status).toBe(403);
  });

  it('lets pages connect only to their own origin and the configured ones (CSP connect-src)', async () => {
    const csp = (await t.app.inject('/api/instance')).headers['content-security-policy'] as string;
    const connect = csp.split(/;\s*/).find((d) => d.startsWith('connect-src'));
    expect(connect).toBe("connect-src 'self' wss://reading.example.org wss://mirror.example.org");
  });

  it('puts the same security headers on socket.io’s own answers', async () => {
    const res = await fetch(`${baseUrl(t.app)}/socket.io/?EIO=4&transport=polling`, {
      headers: { cookie: member.cookie },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const refused = await fetch(`${baseUrl(t.app)}/socket.io/?EIO=4&transport=polling`, {
      headers: { origin: 'https://evil.example', cookie: member.cookie },
    });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(refused.headers.get('permissions-policy')).toContain('camera=()');
  });

  it('asks browsers to keep to https when the public URL is https', async () => {
    const res = await t.app.inject('/api/instance');
    expect(res.headers['strict-transport-security']).toBe('max-age=15552000');
  });

  it('reads ALLOWED_ORIGINS as a list of origins and refuses anything else by name', () => {
    expect(loadConfig({ ALLOWED_ORIGINS: 'https://a.example, http://localhost:5173' }).allowedOrigins).toEqual([
      'https://a.example',
      'http://localhost:5173',
    ]);
    expect(() => loadConfig({ ALLOWED_ORIGINS: 'https://a.example/path' })).toThrow(ConfigError);
    expect(() => loadConfig({ ALLOWED_ORIGINS: 'ftp://a.example' })).toThrow(/ALLOWED_ORIGINS/);
  });
});
