import fs from 'node:fs';
import path from 'node:path';

const STOP_TIMEOUT_MS = 30_000;

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
export async function stopPostmaster(pid: number, log: (message: string) => void): Promise<void> {
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
export function runningPostmaster(cluster: string): number | null {
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
export async function stopOrphan(cluster: string, log: (message: string) => void): Promise<void> {
  const pid = runningPostmaster(cluster);
  if (pid === null) return;
  log(`stopping the embedded PostgreSQL left running by an earlier process (pid ${pid})`);
  await stopPostmaster(pid, log);
}
