import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { ensureClientBuild } from '#server/client-build.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The entry point of the Paperboard server that the benchmarks start: the compiled build, what
 * `npm start` runs (plain Node, no TypeScript loader). {@link ensurePaperboardBuild} makes it current.
 */
export const PAPERBOARD_SERVER_SCRIPT = fileURLToPath(new URL('../../build/server/src/main.js', import.meta.url));

/** Compiles the server (and builds the client) where missing or stale, as `npm start` would. */
export async function ensurePaperboardBuild(progress: (message: string) => void): Promise<void> {
  const built = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      "import { ensureServerBuild } from './scripts/server-build.mjs'; ensureServerBuild();",
    ],
    { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (built.status !== 0) throw new Error(`compiling the server failed (exit code ${built.status})`);
  await ensureClientBuild(progress);
}

/** A TCP port that was free a moment ago (the OS picked it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A child process started by a benchmark, with the tail of its output for error messages. */
export interface ChildServer {
  child: ChildProcess;
  pid: number;
  /** The last few KB of stdout and stderr. */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

const OUTPUT_TAIL = 8192;

/**
 * Starts `node --import tsx <script>` (`node <script>` for a JavaScript file) with `env` and waits until
 * `readyUrl` answers any HTTP status. Throws with the process output if it exits or does not answer
 * within `timeoutMs`.
 */
export async function startNodeServer(
  script: string,
  env: NodeJS.ProcessEnv,
  readyUrl: string,
  timeoutMs = 120_000,
): Promise<ChildServer> {
  // BENCH_CPU_PROF=<dir>: each server writes a V8 CPU profile there when it exits (for finding hot spots).
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const loader = /\.[cm]?tsx?$/.test(script) ? ['--import', 'tsx'] : [];
  const child = spawn(process.execPath, [...profile, ...loader, script], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-OUTPUT_TAIL);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exited = code;
      resolve();
    }),
  );
  const server: ChildServer = {
    child,
    pid: child.pid ?? 0,
    output: () => tail,
    async stop(graceMs = 15_000) {
      if (exited !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exit;
      clearTimeout(timer);
    },
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited !== undefined) throw new Error(`${script} exited with ${exited} before it was ready:\n${tail}`);
    try {
      await fetch(readyUrl, { signal: AbortSignal.timeout(2000) });
      return server;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await server.stop(1000);
      throw new Error(`${script} did not answer ${readyUrl} within ${timeoutMs / 1000} s:\n${tail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
