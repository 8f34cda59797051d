import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';

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
 * Starts `node --import tsx <script>` with `env` and waits until `readyUrl` answers any HTTP status.
 * Throws with the process output if it exits or does not answer within `timeoutMs`.
 */
export async function startNodeServer(
  script: string,
  env: NodeJS.ProcessEnv,
  readyUrl: string,
  timeoutMs = 120_000,
): Promise<ChildServer> {
  // BENCH_CPU_PROF=<dir>: each server writes a V8 CPU profile there when it exits (for finding hot spots).
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', script], {
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

/** CPU time (user + system) and resident memory of a process, from /proc (Linux only). */
export interface ProcessUsage {
  cpuSeconds: number;
  rssBytes: number;
}

// USER_HZ: the unit of utime/stime in /proc/<pid>/stat; 100 on every Linux architecture Node runs on.
const CLOCK_TICKS_PER_SECOND = 100;
const PAGE_BYTES = 4096;

/** The usage of `pid` now, or null when /proc cannot tell (not Linux, or the process is gone). */
export function processUsage(pid: number): ProcessUsage | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces; the fields after its closing parenthesis do not.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): utime is field 14, stime 15, rss (pages) 24.
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    const rssPages = Number(fields[21]);
    return { cpuSeconds: (utime + stime) / CLOCK_TICKS_PER_SECOND, rssBytes: rssPages * PAGE_BYTES };
  } catch {
    return null;
  }
}

/** CPU (percent of one core) and peak resident memory of a process over a measured interval. */
export interface UsageSummary {
  cpuPercent: number;
  peakRssBytes: number;
}

/** Samples a process's memory every `intervalMs` and its CPU time at the start and the end. */
export function sampleProcess(pid: number, intervalMs = 250): { stop(): UsageSummary } {
  const started = performance.now();
  const first = processUsage(pid);
  let peak = first?.rssBytes ?? 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, processUsage(pid)?.rssBytes ?? 0);
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      const last = processUsage(pid);
      const seconds = (performance.now() - started) / 1000;
      peak = Math.max(peak, last?.rssBytes ?? 0);
      const cpu = first && last && seconds > 0 ? ((last.cpuSeconds - first.cpuSeconds) / seconds) * 100 : Number.NaN;
      return { cpuPercent: cpu, peakRssBytes: peak };
    },
  };
}
