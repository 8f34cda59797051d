import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Where a running server says how to reach it, for CLI commands that hand it their job. */
export interface ServerInfo {
  pid: number;
  url: string;
}

const SECRET_FILE = 'admin-secret';
const SERVER_FILE = 'server.json';

/**
 * The secret that authenticates CLI commands to the running server in embedded mode. Kept in the data
 * directory (mode 0600): whoever can read it can already open the database files.
 */
export function adminSecret(dataDir: string): string {
  const file = path.join(dataDir, SECRET_FILE);
  fs.mkdirSync(dataDir, { recursive: true });
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    const secret = crypto.randomBytes(32).toString('base64url');
    fs.writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
    return secret;
  }
}

/** Records where this server listens. */
export function writeServerInfo(dataDir: string, info: ServerInfo): void {
  fs.writeFileSync(path.join(dataDir, SERVER_FILE), JSON.stringify(info), { mode: 0o600 });
}

/** Where the server holding `dataDir` listens, if it said so. */
export function readServerInfo(dataDir: string): ServerInfo | null {
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
