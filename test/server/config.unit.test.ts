import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '#server/config.js';

describe('configuration', () => {
  it('has working defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      databaseUrl: null,
      redisUrl: null,
      publicUrl: 'http://localhost:3000',
    });
    expect(config.dataDir).toMatch(/\/data$/);
  });

  it.each([
    ['PORT', 'abc', /PORT must be a whole number/],
    ['PORT', '70000', /PORT must be between 0 and 65535/],
    ['DATABASE_URL', 'mysql://x', /DATABASE_URL must use postgres: or postgresql:/],
    ['DATABASE_URL', 'not a url', /DATABASE_URL must be a URL/],
    ['PUBLIC_URL', 'ftp://example.org', /PUBLIC_URL must use http: or https:/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL must be one of/],
    ['SEED_DEMO', 'maybe', /SEED_DEMO must be true or false/],
    ['BODY_LIMIT_BYTES', '10', /BODY_LIMIT_BYTES must be between/],
  ])('refuses %s=%s with a message naming the variable', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });
});

describe('mail configuration', () => {
  it('reads the defaults', () => {
    const config = loadConfig({ PUBLIC_URL: 'https://papers.example.org' });
    expect(config).toMatchObject({
      smtpUrl: null,
      mailFrom: 'Paperboard <paperboard@papers.example.org>',
      sessionSecret: null,
      digest: { scheduler: true, tickSeconds: 60, reminderDays: 2 },
    });
  });

  it.each([
    [{ SMTP_URL: 'http://user:hunter2@mail.example.org' }, 'SMTP_URL'],
    [{ SMTP_URL: 'not a url with hunter2' }, 'SMTP_URL'],
    [{ MAIL_FROM: 'Paperboard <no-reply@example.org>\r\nBcc: all@example.org' }, 'MAIL_FROM'],
    [{ SESSION_SECRET: 'too short' }, 'SESSION_SECRET'],
    [{ DIGEST_REMINDER_DAYS: '-1' }, 'DIGEST_REMINDER_DAYS'],
    [{ DIGEST_TICK_SECONDS: '0' }, 'DIGEST_TICK_SECONDS'],
    [{ DIGEST_SCHEDULER: 'maybe' }, 'DIGEST_SCHEDULER'],
  ])('stops start-up on %o with a message naming the variable', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
    // An SMTP URL usually carries a password: it is never echoed.
    expect(() => loadConfig(env)).not.toThrow(/hunter2/);
  });
});

describe('proxy configuration', () => {
  it('trusts no proxy unless TRUST_PROXY names one', () => {
    expect(loadConfig({}).trustProxy).toEqual([]);
    expect(loadConfig({ TRUST_PROXY: ' 172.30.0.10, 10.0.0.0/8,loopback, fd00::/8 ' }).trustProxy).toEqual([
      '172.30.0.10',
      '10.0.0.0/8',
      'loopback',
      'fd00::/8',
    ]);
  });

  it.each(['true', '1', '*', 'proxy', '10.0.0.0/33', '10.0.0.1/8/8', 'fd00::/129'])(
    'refuses TRUST_PROXY=%s with a message naming the variable',
    (value) => {
      expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(ConfigError);
      expect(() => loadConfig({ TRUST_PROXY: value })).toThrow('TRUST_PROXY');
    },
  );
});

describe('Redis configuration', () => {
  it.each(['redis://127.0.0.1:6379', 'rediss://:secret@redis.example.org:6380/2', 'redis://redis'])(
    'takes REDIS_URL=%s as it is',
    (url) => {
      expect(loadConfig({ REDIS_URL: url }).redisUrl).toBe(url);
    },
  );

  it.each([
    ['http://:hunter2@redis.example.org', /REDIS_URL must use redis: or rediss:/],
    ['redis://:hunter2@redis.example.org/cache', /REDIS_URL: the path can only be a database number/],
    ['not a url with hunter2', /REDIS_URL must be a URL/],
    ['redis://:hunter2@', /REDIS_URL must be a URL|name a host/],
  ])('stops start-up on REDIS_URL=%s with a message naming it', (url, message) => {
    expect(() => loadConfig({ REDIS_URL: url })).toThrow(ConfigError);
    expect(() => loadConfig({ REDIS_URL: url })).toThrow(message);
    // A Redis URL may carry a password: it is never echoed.
    expect(() => loadConfig({ REDIS_URL: url })).not.toThrow(/hunter2/);
  });
});
