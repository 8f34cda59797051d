import path from 'node:path';
import { DEFAULT_BOARD_DOC_MAX_BYTES } from '../../shared/protocol/close-codes.js';

/** Validated runtime configuration, read once from the environment (ARCHITECTURE.md §7). */
export interface Config {
  port: number;
  host: string;
  databaseUrl: string | null;
  dataDir: string;
  publicUrl: string;
  logLevel: string;
  /** Largest accepted request body, in bytes (imports are the biggest). */
  bodyLimitBytes: number;
  arxivApiUrl: string;
  /** arXiv asks for at most one request every 3 seconds. */
  arxivMinIntervalMs: number;
  crossrefApiUrl: string;
  /** Seed the demo library, account and board on first start with an empty database. */
  seedDemo: boolean;
  /** scrypt cost as log2(N): 17 = 128 MiB of memory per hash (hashes of a lower cost are redone at sign-in). */
  passwordHashCost: number;
  sessionTtlDays: number;
  /** Set the Secure flag on cookies: on when PUBLIC_URL is https. */
  secureCookies: boolean;
  /**
   * Login, signup and reset attempts allowed per window: per client IP, per (email, client IP) — the
   * strict one — and per email from any IP (looser, so a stranger cannot lock an owner out everywhere).
   */
  authRateLimit: { perIp: number; perEmailIp: number; perEmail: number; windowSeconds: number };
  /** SMTP server for outgoing mail (`smtp:` or `smtps:` URL); null: mails go to `DATA_DIR/outbox` as .eml files. */
  smtpUrl: string | null;
  /** The From header of outgoing mail. */
  mailFrom: string;
  /**
   * Key of the HMAC that signs unsubscribe links; null: one is generated and kept in `DATA_DIR`. Nodes
   * sharing a database need the same key, so they must set `SESSION_SECRET`.
   */
  sessionSecret: string | null;
  /** How long a password reset link works. */
  passwordResetTtlMinutes: number;
  /** What one account may cost the server. */
  quotas: {
    /** Boards one user may create per hour. */
    boardsPerHour: number;
    /** Papers one user may import (entries read, or added one by one) per hour. */
    papersPerHour: number;
    /** Open `/yjs` connections of one user on one node. */
    socketsPerUser: number;
    /** socket.io events one socket may send per second (twice as many at once). */
    socketEventsPerSecond: number;
  };
  /** Bearer token that lets a scraper off this machine read `/metrics`; null: loopback only. */
  metricsToken: string | null;
  /** Browser origins besides PUBLIC_URL's that may use the API and the realtime connections. */
  allowedOrigins: string[];
  /** Limits of the sync server (`/yjs`). */
  sync: {
    /** Size limit of one board's document, bytes. */
    boardDocMaxBytes: number;
    /** Most bytes queued for one connection that does not read its socket (2× the document if more). */
    maxBufferedBytes: number;
  };
  digest: {
    /** Run the digest scheduler in this process (any number of nodes may: one claims each mail). */
    scheduler: boolean;
    /** How often the scheduler looks for mails that are due. */
    tickSeconds: number;
    /** Presenters are reminded this many days before their session (0: on the day). */
    reminderDays: number;
  };
}

/** Thrown for a bad environment value; `main` prints the message and exits. */
export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function url(env: Env, name: string, fallback: string, protocols: string[]): string {
  const raw = env[name] || fallback;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be a URL, got "${raw}"`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must use ${protocols.join(' or ')}, got "${parsed.protocol}"`);
  }
  return raw.replace(/\/+$/, '');
}

/** A comma-separated list of http(s) origins (`https://a.example,http://localhost:5173`). */
function origins(env: Env, name: string): string[] {
  const raw = env[name]?.trim();
  if (!raw) return [];
  return raw.split(',').map((item) => {
    const value = item.trim();
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      throw new ConfigError(`${name} must be a comma-separated list of origins such as https://reading.example.org`);
    }
    if (!['http:', 'https:'].includes(parsed.protocol) || parsed.origin !== value.replace(/\/$/, '')) {
      throw new ConfigError(`${name}: "${value}" is not an origin (scheme, host and port only, http or https)`);
    }
    return parsed.origin;
  });
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function smtp(env: Env): string | null {
  const raw = env.SMTP_URL;
  if (!raw) return null;
  // Not echoed back: the URL usually carries the SMTP password.
  const example = 'e.g. smtp://user:password@mail.example.org:587 or smtps://…:465';
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`SMTP_URL must be a URL, ${example}`);
  }
  if (!['smtp:', 'smtps:'].includes(parsed.protocol) || !parsed.hostname) {
    throw new ConfigError(`SMTP_URL must use smtp: or smtps: and name a host, ${example}`);
  }
  return raw;
}

function mailFrom(env: Env, publicUrl: string): string {
  const raw = env.MAIL_FROM;
  if (!raw) return `Paperboard <paperboard@${new URL(publicUrl).hostname}>`;
  // A bare address or "Name <address>"; no line breaks, which would inject headers.
  if (!/^[^\r\n<>@]*<[^\s<>@]+@[^\s<>@]+>$|^[^\s<>@]+@[^\s<>@]+$/.test(raw.trim())) {
    throw new ConfigError(`MAIL_FROM must be an address or "Name <address>", got "${raw}"`);
  }
  return raw.trim();
}

function secret(env: Env, name: string): string | null {
  const raw = env[name];
  if (!raw) return null;
  if (raw.length < 32) throw new ConfigError(`${name} must be at least 32 characters long`);
  return raw;
}

/** Reads and validates the configuration; throws `ConfigError` naming the variable on a bad value. */
export function loadConfig(env: Env = process.env): Config {
  const port = int(env, 'PORT', 3000, 0, 65535);
  const host = env.HOST || '127.0.0.1';
  const databaseUrl = env.DATABASE_URL ? url(env, 'DATABASE_URL', '', ['postgres:', 'postgresql:']) : null;
  const logLevel = env.LOG_LEVEL || 'info';
  const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
  if (!levels.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${levels.join(', ')}`);
  const publicUrl = url(env, 'PUBLIC_URL', `http://localhost:${port || 3000}`, ['http:', 'https:']);
  return {
    port,
    host,
    databaseUrl,
    dataDir: path.resolve(env.DATA_DIR || './data'),
    publicUrl,
    logLevel,
    bodyLimitBytes: int(env, 'BODY_LIMIT_BYTES', 5 * 1024 * 1024, 1024, 100 * 1024 * 1024),
    arxivApiUrl: url(env, 'ARXIV_API_URL', 'https://export.arxiv.org/api/query', ['http:', 'https:']),
    arxivMinIntervalMs: int(env, 'ARXIV_MIN_INTERVAL_MS', 3000, 0, 60_000),
    crossrefApiUrl: url(env, 'CROSSREF_API_URL', 'https://api.crossref.org', ['http:', 'https:']),
    seedDemo: bool(env, 'SEED_DEMO', true),
    passwordHashCost: int(env, 'PASSWORD_HASH_COST', 17, 10, 20),
    sessionTtlDays: int(env, 'SESSION_TTL_DAYS', 30, 1, 365),
    secureCookies: (env.PUBLIC_URL ?? '').startsWith('https:'),
    authRateLimit: {
      perIp: int(env, 'AUTH_RATE_LIMIT_PER_IP', 30, 1, 1_000_000),
      perEmailIp: int(env, 'AUTH_RATE_LIMIT_PER_EMAIL_IP', 10, 1, 1_000_000),
      perEmail: int(env, 'AUTH_RATE_LIMIT_PER_EMAIL', 50, 1, 1_000_000),
      windowSeconds: int(env, 'AUTH_RATE_LIMIT_WINDOW_SECONDS', 900, 1, 86_400),
    },
    smtpUrl: smtp(env),
    mailFrom: mailFrom(env, publicUrl),
    sessionSecret: secret(env, 'SESSION_SECRET'),
    passwordResetTtlMinutes: int(env, 'PASSWORD_RESET_TTL_MINUTES', 60, 5, 24 * 60),
    metricsToken: secret(env, 'METRICS_TOKEN'),
    quotas: {
      boardsPerHour: int(env, 'BOARDS_PER_HOUR', 20, 1, 100_000),
      papersPerHour: int(env, 'IMPORT_PAPERS_PER_HOUR', 5000, 1, 10_000_000),
      socketsPerUser: int(env, 'SOCKETS_PER_USER', 20, 1, 10_000),
      socketEventsPerSecond: int(env, 'SOCKET_EVENTS_PER_SECOND', 20, 1, 10_000),
    },
    allowedOrigins: origins(env, 'ALLOWED_ORIGINS'),
    sync: {
      boardDocMaxBytes: int(env, 'BOARD_DOC_MAX_BYTES', DEFAULT_BOARD_DOC_MAX_BYTES, 64 * 1024, 1024 * 1024 * 1024),
      maxBufferedBytes: int(env, 'SYNC_MAX_BUFFERED_BYTES', 16 * 1024 * 1024, 1024 * 1024, 1024 * 1024 * 1024),
    },
    digest: {
      scheduler: bool(env, 'DIGEST_SCHEDULER', true),
      tickSeconds: int(env, 'DIGEST_TICK_SECONDS', 60, 1, 3600),
      reminderDays: int(env, 'DIGEST_REMINDER_DAYS', 2, 0, 30),
    },
  };
}
