import fs from 'node:fs';
import path from 'node:path';

/** What the lock file says about the process holding the data directory. */
interface LockInfo {
  pid: number;
  startedAt: string;
}

/** Raised when another live process holds the data directory. */
export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LockInfo,
  ) {
    super(
      `Another Paperboard process (pid ${holder.pid}, started ${holder.startedAt}) is using ${dataDir}. ` +
        'The embedded database allows one process per data directory: stop it, or set DATA_DIR to another folder.',
    );
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reads the lock of a data directory; null when nobody (alive) holds it. */
export function readLock(dataDir: string): LockInfo | null {
  try {
    const info = JSON.parse(fs.readFileSync(path.join(dataDir, 'paperboard.lock'), 'utf8')) as LockInfo;
    return isAlive(info.pid) ? info : null;
  } catch {
    return null;
  }
}

/**
 * Takes the data directory for this process: one app runs its embedded PostgreSQL (and decides what
 * to do with a postmaster an earlier, killed app left running), so we create the lock file exclusively
 * and only take over a stale one.
 * Returns the release function.
 */
export function lockDataDir(dataDir: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'paperboard.lock');
  const info: LockInfo = { pid: process.pid, startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify(info), { flag: 'wx' });
      return () => {
        try {
          if (readLock(dataDir)?.pid === process.pid) fs.unlinkSync(file);
        } catch {
          // already gone: nothing to release
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readLock(dataDir);
      if (holder) throw new DataDirLockedError(dataDir, holder);
      fs.rmSync(file, { force: true }); // stale: its process is gone
    }
  }
  throw new Error(`Could not lock ${dataDir}`);
}
