import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { readLock } from './lock.js';

/** Where a running server says how to reach it, for CLI commands that hand it their job. */
interface ServerInfo {
  pid: number;
  url: string;
}

const SECRET_FILE = 'admin-secret';
const SERVER_FILE = 'server.json';

/**
 * A random secret kept in the data directory under `name` (mode 0600), created on first use: whoever
 * can read it can already open the database files.
 */
export function dataDirSecret(dataDir: string, name: string): string {
  const file = path.join(dataDir, name);
  fs.mkdirSync(dataDir, { recursive: true });
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    const secret = crypto.randomBytes(32).toString('base64url');
    try {
      fs.writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
    } catch {
      // Another process created it between our read and write: theirs wins.
      return fs.readFileSync(file, 'utf8').trim();
    }
    return secret;
  }
}

/** The secret that authenticates CLI commands to the running server in embedded mode. */
export function adminSecret(dataDir: string): string {
  return dataDirSecret(dataDir, SECRET_FILE);
}

/**
 * In embedded mode, the running server that holds the data directory, with the secret to call it: a
 * CLI command must hand it its job, since only one process runs the embedded PostgreSQL. Null when the CLI may open
 * the database itself (real PostgreSQL, or nobody holds the directory). Throws when the directory is
 * held by a process that has not said where it listens (still starting, or not a server).
 */
export function serverHoldingDataDir(config: {
  databaseUrl: string | null;
  dataDir: string;
}): (ServerInfo & { secret: string }) | null {
  const holder = config.databaseUrl ? null : readLock(config.dataDir);
  if (!holder) return null;
  const server = readServerInfo(config.dataDir);
  if (!server || server.pid !== holder.pid) {
    throw new Error(
      `the data directory is held by pid ${holder.pid}, which is not answering as a Paperboard server yet`,
    );
  }
  return { ...server, secret: adminSecret(config.dataDir) };
}

/** Records where this server listens. */
export function writeServerInfo(dataDir: string, info: ServerInfo): void {
  fs.writeFileSync(path.join(dataDir, SERVER_FILE), JSON.stringify(info), { mode: 0o600 });
}

/** Where the server holding `dataDir` listens, if it said so. */
function readServerInfo(dataDir: string): ServerInfo | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(dataDir, SERVER_FILE), 'utf8')) as ServerInfo;
  } catch {
    return null;
  }
}

/** Forgets the server info on shutdown. */
export function removeServerInfo(dataDir: string): void {
  fs.rmSync(path.join(dataDir, SERVER_FILE), { force: true });
}

/** Constant-time comparison of a presented secret. */
export function secretMatches(expected: string, presented: string | undefined): boolean {
  if (!presented) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(presented);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}
