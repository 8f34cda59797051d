import net from 'node:net';
import path from 'node:path';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { ErrorObject } from 'ajv';
import envSchema from 'env-schema';
import { DEFAULT_BOARD_DOC_MAX_BYTES } from '#shared/protocol/close-codes.js';
import { DEFAULT_NOTE_DOC_MAX_BYTES } from '#shared/protocol/notes.js';
import { parseFeedList, type FeedSpec } from '#server/feed-spec.js';

/** Validated runtime configuration, read once from the environment. */
export interface Config {
  port: number;
  host: string;
  databaseUrl: string | null;
  /**
   * Redis (`redis:` or `rediss:` URL) for the bus between nodes and socket.io's adapter; null: the bus is
   * PostgreSQL's LISTEN/NOTIFY.
   */
  redisUrl: string | null;
  /**
   * Names the bus's channel and socket.io's stream and channels in Redis (`<prefix>:bus`, …), so that
   * deployments sharing one Redis do not hear each other; tests give each pair of nodes its own.
   */
  redisPrefix: string;
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
  /**
   * Addresses of the reverse proxies whose `X-Forwarded-For`/`-Proto`/`-Host` are believed (IPs, CIDR
   * ranges, or `loopback`, `linklocal`, `uniquelocal`), as Fastify's `trustProxy`; empty: nobody's, and
   * the client IP is the peer's address.
   */
  trustProxy: string[];
  /** Limits of the sync server (`/yjs`). */
  sync: {
    /** Size limit of one board's document, bytes. */
    boardDocMaxBytes: number;
    /** Size limit of one card's note, bytes. */
    noteDocMaxBytes: number;
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
  /** Daily paper feeds (issue #19). */
  feeds: {
    /** Instance feeds (`FEEDS`). */
    specs: FeedSpec[];
    /** The UTC hour at which a day's feeds are fetched (the day before's papers, see docs/architecture.md). */
    hour: number;
    /** After downtime, at most this many days (the latest included) are caught up per feed. */
    backfillDays: number;
    /** Run the feed scheduler in this process (any number of nodes may: one claims each feed and day). */
    scheduler: boolean;
    tickSeconds: number;
    hfPapersApiUrl: string;
    /** Let watches fetch from loopback and private addresses (off: a board owner's URL cannot reach them). */
    allowPrivateUrls: boolean;
  };
  /** Chat notifications (issue #20). */
  webhooks: {
    /** Accept http, any host and loopback/private addresses (tests, a chat server on a private network). */
    allowPrivateUrls: boolean;
    /** How often the delivery job looks for due deliveries and reminders. */
    tickSeconds: number;
    /** How long one POST may take. */
    timeoutMs: number;
  };
}

/** Thrown for a bad environment value; `main` prints the message and exits. */
export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

const MiB = 1024 * 1024;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** A whole-number variable: its default, its bounds (inclusive) and what it is for. */
function int(fallback: number, minimum: number, maximum: number, description: string) {
  return Type.Integer({ default: fallback, minimum, maximum, description });
}

/**
 * Every environment variable Paperboard reads, with its type, default and bounds; the README's
 * configuration table documents the same list. Values arrive as strings: env-schema coerces numbers and
 * booleans. What a schema cannot say (URLs, origins, the From header, defaults computed from PUBLIC_URL)
 * is checked after it, in `loadConfig`.
 */
const EnvSchema = Type.Object(
  {
    PORT: int(3000, 0, 65535, 'HTTP port (0 picks a free one)'),
    HOST: Type.String({ default: '127.0.0.1', description: 'interface to listen on' }),
    DATABASE_URL: Type.Optional(
      Type.String({ description: 'postgres:// URL of a PostgreSQL (15 or newer); unset: the embedded one' }),
    ),
    REDIS_URL: Type.Optional(
      Type.String({ description: 'redis:// or rediss:// URL for the bus between nodes; unset: PostgreSQL NOTIFY' }),
    ),
    DATA_DIR: Type.String({ default: './data', description: 'embedded database, lock file, admin secret' }),
    PUBLIC_URL: Type.Optional(
      Type.String({ description: 'http(s) base URL used in links; unset: http://localhost:PORT' }),
    ),
    LOG_LEVEL: Type.String({ enum: LOG_LEVELS, default: 'info', description: 'pino log level' }),
    BODY_LIMIT_BYTES: int(5 * MiB, 1024, 100 * MiB, 'largest accepted request body (imports)'),
    SEED_DEMO: Type.Boolean({ default: true, description: 'import the demo library into an empty database' }),
    ARXIV_API_URL: Type.String({ default: 'https://export.arxiv.org/api/query', description: 'arXiv API endpoint' }),
    ARXIV_MIN_INTERVAL_MS: int(3000, 0, 60_000, 'minimum gap between arXiv requests'),
    CROSSREF_API_URL: Type.String({ default: 'https://api.crossref.org', description: 'Crossref API endpoint' }),
    SMTP_URL: Type.Optional(
      Type.String({ description: 'smtp:// or smtps:// server; unset: .eml files in DATA_DIR/outbox' }),
    ),
    MAIL_FROM: Type.Optional(
      Type.String({ description: 'From address; unset: Paperboard <paperboard@PUBLIC_URL host>' }),
    ),
    SESSION_SECRET: Type.Optional(
      Type.String({ minLength: 32, description: 'signs unsubscribe links; unset: a secret kept in DATA_DIR' }),
    ),
    DIGEST_SCHEDULER: Type.Boolean({ default: true, description: 'run the mail scheduler in this process' }),
    DIGEST_TICK_SECONDS: int(60, 1, 3600, 'how often the scheduler looks for due mail'),
    DIGEST_REMINDER_DAYS: int(2, 0, 30, 'presenters are reminded this many days before their session'),
    FEEDS: Type.Optional(
      Type.String({ description: 'instance feeds, comma-separated: hf-daily, arxiv:cs.LG+cs.CL, rss:<url>' }),
    ),
    FEEDS_HOUR: int(6, 0, 23, 'UTC hour at which the day before is fetched'),
    FEEDS_BACKFILL_DAYS: int(3, 1, 30, 'days caught up per feed after downtime'),
    FEEDS_SCHEDULER: Type.Boolean({ default: true, description: 'run the feed scheduler in this process' }),
    FEEDS_TICK_SECONDS: int(600, 1, 86_400, 'how often the feed scheduler looks for due runs'),
    FEEDS_ALLOW_PRIVATE_URLS: Type.Boolean({
      default: false,
      description: "let watches' feed URLs reach loopback and private addresses",
    }),
    WEBHOOKS_ALLOW_PRIVATE_URLS: Type.Boolean({
      default: false,
      description: 'let webhook URLs use http, any host and loopback or private addresses',
    }),
    WEBHOOKS_TICK_SECONDS: int(15, 1, 3600, 'how often webhook deliveries are sent'),
    HF_PAPERS_API_URL: Type.String({
      default: 'https://huggingface.co/api/daily_papers',
      description: 'Hugging Face daily papers API',
    }),
    AUTH_RATE_LIMIT_PER_IP: int(30, 1, 1_000_000, 'sign-in, sign-up and reset attempts per client IP per window'),
    AUTH_RATE_LIMIT_PER_EMAIL_IP: int(10, 1, 1_000_000, 'attempts per address from one IP per window'),
    AUTH_RATE_LIMIT_PER_EMAIL: int(50, 1, 1_000_000, 'attempts per address from all IPs per window'),
    AUTH_RATE_LIMIT_WINDOW_SECONDS: int(900, 1, 86_400, 'the window of the auth rate limits'),
    PASSWORD_HASH_COST: int(17, 10, 20, 'scrypt cost as log2(N)'),
    SESSION_TTL_DAYS: int(30, 1, 365, 'how long a session lasts'),
    PASSWORD_RESET_TTL_MINUTES: int(60, 5, 24 * 60, 'how long a password reset link works'),
    BOARDS_PER_HOUR: int(20, 1, 100_000, 'boards one user may create per hour'),
    IMPORT_PAPERS_PER_HOUR: int(5000, 1, 10_000_000, 'papers one user may import per hour (entries read)'),
    SOCKETS_PER_USER: int(20, 1, 10_000, 'open /yjs connections of one user on one node'),
    SOCKET_EVENTS_PER_SECOND: int(20, 1, 10_000, 'socket.io events one socket may send per second'),
    METRICS_TOKEN: Type.Optional(
      Type.String({ minLength: 32, description: 'bearer token for /metrics off this machine; unset: loopback only' }),
    ),
    ALLOWED_ORIGINS: Type.Optional(
      Type.String({ description: "comma-separated browser origins allowed besides PUBLIC_URL's" }),
    ),
    TRUST_PROXY: Type.Optional(
      Type.String({ description: 'comma-separated proxy addresses (IP, CIDR, loopback) whose X-Forwarded-* count' }),
    ),
    BOARD_DOC_MAX_BYTES: int(DEFAULT_BOARD_DOC_MAX_BYTES, 64 * 1024, 1024 * MiB, "size limit of one board's document"),
    NOTE_DOC_MAX_BYTES: int(DEFAULT_NOTE_DOC_MAX_BYTES, 16 * 1024, 64 * MiB, "size limit of one card's note"),
    SYNC_MAX_BUFFERED_BYTES: int(16 * MiB, MiB, 1024 * MiB, 'unread bytes after which a /yjs connection is cut off'),
  },
  // env-schema forces this on the schema it is given anyway (unknown variables are dropped, not refused).
  { additionalProperties: false },
);

type EnvValues = Static<typeof EnvSchema>;
type EnvName = keyof EnvValues;

/** Spellings accepted for booleans (any case) besides the `true` and `false` that the coercion knows. */
const BOOLEAN_WORDS = new Map([
  ...['1', 'true', 'yes', 'on'].map((word) => [word, 'true'] as const),
  ...['0', 'false', 'no', 'off'].map((word) => [word, 'false'] as const),
]);

/** The variables of the schema that are set; an empty variable counts as unset, so it gets the default. */
function schemaInput(env: Env): Record<string, string> {
  const input: Record<string, string> = {};
  for (const [name, schema] of Object.entries(EnvSchema.properties) as [string, TSchema][]) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    input[name] = schema.type === 'boolean' ? (BOOLEAN_WORDS.get(raw.toLowerCase()) ?? raw) : raw;
  }
  return input;
}

/** Validates the environment against `EnvSchema`, with the defaults filled in. */
function readEnv(env: Env): EnvValues {
  const input = schemaInput(env);
  try {
    // env: false — read only `env`, so that a test's environment is not mixed with the process's.
    return envSchema<EnvValues>({ schema: EnvSchema, data: input, env: false });
  } catch (err) {
    const errors = (err as { errors?: ErrorObject[] }).errors;
    if (!errors) throw err;
    // One message per variable (ajv reports all errors), in the schema's order.
    const messages = new Map<string, string>();
    for (const error of errors) {
      const name = error.instancePath.slice(1);
      if (!messages.has(name)) messages.set(name, describe(name as EnvName, error, input[name]));
    }
    throw new ConfigError([...messages.values()].join('; '));
  }
}

/** A validation error as a sentence naming the variable; only numbers and booleans are echoed (secrets never). */
function describe(name: EnvName, error: ErrorObject, raw: string | undefined): string {
  const schema: TSchema = EnvSchema.properties[name];
  switch (error.keyword) {
    case 'type':
      if (schema.type === 'integer') return `${name} must be a whole number, got "${raw}"`;
      if (schema.type === 'boolean') return `${name} must be true or false, got "${raw}"`;
      break;
    case 'minimum':
    case 'maximum':
      return `${name} must be between ${schema.minimum} and ${schema.maximum}, got ${raw}`;
    case 'enum':
      return `${name} must be one of ${(schema.enum as string[]).join(', ')}`;
    case 'minLength':
      return `${name} must be at least ${schema.minLength} characters long`;
  }
  return `${name} ${error.message ?? 'is not valid'}`;
}

/** Checks that a variable is a URL of one of these schemes; returns it without trailing slashes. */
function checkedUrl(name: string, raw: string, protocols: string[]): string {
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

const HTTP = ['http:', 'https:'];

/** A comma-separated list of http(s) origins (`https://a.example,http://localhost:5173`). */
function origins(name: string, list: string | undefined): string[] {
  const raw = list?.trim();
  if (!raw) return [];
  return raw.split(',').map((item) => {
    const value = item.trim();
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      throw new ConfigError(`${name} must be a comma-separated list of origins such as https://reading.example.org`);
    }
    if (!HTTP.includes(parsed.protocol) || parsed.origin !== value.replace(/\/$/, '')) {
      throw new ConfigError(`${name}: "${value}" is not an origin (scheme, host and port only, http or https)`);
    }
    return parsed.origin;
  });
}

/** proxy-addr's names for address ranges, accepted in `TRUST_PROXY` besides IPs and CIDR ranges. */
const NAMED_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

/**
 * `TRUST_PROXY`: a comma-separated list of the proxies' addresses (`172.30.0.10`, `10.0.0.0/8`,
 * `loopback`). No "trust everyone" and no hop count: either would let a client that reaches a node
 * directly choose its own IP, and so its rate-limit key.
 */
function trustedProxies(list: string | undefined): string[] {
  const raw = list?.trim();
  if (!raw) return [];
  return raw.split(',').map((item) => {
    const value = item.trim();
    if (NAMED_RANGES.includes(value)) return value;
    const [address, prefix, ...rest] = value.split('/');
    const family = net.isIP(address);
    const bits = family === 4 ? 32 : 128;
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits);
    if (family === 0 || !prefixOk || rest.length > 0) {
      throw new ConfigError(
        `TRUST_PROXY: "${value}" is not an IP address, a CIDR range or one of ${NAMED_RANGES.join(', ')}`,
      );
    }
    return value;
  });
}

function smtp(raw: string | undefined): string | null {
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

function redis(raw: string | undefined): string | null {
  if (!raw) return null;
  // Not echoed back: the URL may carry the Redis password.
  const example = 'e.g. redis://:password@redis.example.org:6379 or rediss://… for TLS';
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`REDIS_URL must be a URL, ${example}`);
  }
  if (!['redis:', 'rediss:'].includes(parsed.protocol) || !parsed.hostname) {
    throw new ConfigError(`REDIS_URL must use redis: or rediss: and name a host, ${example}`);
  }
  if (!/^\/?(\d+)?$/.test(parsed.pathname)) {
    throw new ConfigError(`REDIS_URL: the path can only be a database number (redis://host:6379/0), ${example}`);
  }
  return raw;
}

function mailFrom(raw: string | undefined, publicUrl: string): string {
  if (!raw) return `Paperboard <paperboard@${new URL(publicUrl).hostname}>`;
  // A bare address or "Name <address>"; no line breaks, which would inject headers.
  if (!/^[^\r\n<>@]*<[^\s<>@]+@[^\s<>@]+>$|^[^\s<>@]+@[^\s<>@]+$/.test(raw.trim())) {
    throw new ConfigError(`MAIL_FROM must be an address or "Name <address>", got "${raw}"`);
  }
  return raw.trim();
}

function feedList(raw: string | undefined): FeedSpec[] {
  try {
    return parseFeedList(raw);
  } catch (err) {
    throw new ConfigError(`FEEDS: ${(err as Error).message}`);
  }
}

/** Reads and validates the configuration; throws `ConfigError` naming the variable on a bad value. */
export function loadConfig(env: Env = process.env): Config {
  const e = readEnv(env);
  const publicUrl = checkedUrl('PUBLIC_URL', e.PUBLIC_URL ?? `http://localhost:${e.PORT || 3000}`, HTTP);
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL ? checkedUrl('DATABASE_URL', e.DATABASE_URL, ['postgres:', 'postgresql:']) : null,
    redisUrl: redis(e.REDIS_URL),
    redisPrefix: 'paperboard',
    dataDir: path.resolve(e.DATA_DIR),
    publicUrl,
    logLevel: e.LOG_LEVEL,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    arxivApiUrl: checkedUrl('ARXIV_API_URL', e.ARXIV_API_URL, HTTP),
    arxivMinIntervalMs: e.ARXIV_MIN_INTERVAL_MS,
    crossrefApiUrl: checkedUrl('CROSSREF_API_URL', e.CROSSREF_API_URL, HTTP),
    seedDemo: e.SEED_DEMO,
    passwordHashCost: e.PASSWORD_HASH_COST,
    sessionTtlDays: e.SESSION_TTL_DAYS,
    secureCookies: (e.PUBLIC_URL ?? '').startsWith('https:'),
    authRateLimit: {
      perIp: e.AUTH_RATE_LIMIT_PER_IP,
      perEmailIp: e.AUTH_RATE_LIMIT_PER_EMAIL_IP,
      perEmail: e.AUTH_RATE_LIMIT_PER_EMAIL,
      windowSeconds: e.AUTH_RATE_LIMIT_WINDOW_SECONDS,
    },
    smtpUrl: smtp(e.SMTP_URL),
    mailFrom: mailFrom(e.MAIL_FROM, publicUrl),
    sessionSecret: e.SESSION_SECRET ?? null,
    passwordResetTtlMinutes: e.PASSWORD_RESET_TTL_MINUTES,
    metricsToken: e.METRICS_TOKEN ?? null,
    quotas: {
      boardsPerHour: e.BOARDS_PER_HOUR,
      papersPerHour: e.IMPORT_PAPERS_PER_HOUR,
      socketsPerUser: e.SOCKETS_PER_USER,
      socketEventsPerSecond: e.SOCKET_EVENTS_PER_SECOND,
    },
    allowedOrigins: origins('ALLOWED_ORIGINS', e.ALLOWED_ORIGINS),
    trustProxy: trustedProxies(e.TRUST_PROXY),
    sync: {
      boardDocMaxBytes: e.BOARD_DOC_MAX_BYTES,
      noteDocMaxBytes: e.NOTE_DOC_MAX_BYTES,
      maxBufferedBytes: e.SYNC_MAX_BUFFERED_BYTES,
    },
    digest: {
      scheduler: e.DIGEST_SCHEDULER,
      tickSeconds: e.DIGEST_TICK_SECONDS,
      reminderDays: e.DIGEST_REMINDER_DAYS,
    },
    feeds: {
      specs: feedList(e.FEEDS),
      hour: e.FEEDS_HOUR,
      backfillDays: e.FEEDS_BACKFILL_DAYS,
      scheduler: e.FEEDS_SCHEDULER,
      tickSeconds: e.FEEDS_TICK_SECONDS,
      hfPapersApiUrl: checkedUrl('HF_PAPERS_API_URL', e.HF_PAPERS_API_URL, HTTP),
      allowPrivateUrls: e.FEEDS_ALLOW_PRIVATE_URLS,
    },
    webhooks: {
      allowPrivateUrls: e.WEBHOOKS_ALLOW_PRIVATE_URLS,
      tickSeconds: e.WEBHOOKS_TICK_SECONDS,
      timeoutMs: 10_000,
    },
  };
}
