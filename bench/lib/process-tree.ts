/**
 * Memory and CPU of a server's whole process tree, from /proc (Linux only): the Node process, and in
 * embedded mode the PostgreSQL postmaster it started and the backends the postmaster forked.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';

/** One process, as its /proc/<pid>/stat shows it. */
export interface ProcessStat {
  pid: number;
  ppid: number;
  /** The command name (field 2, without its parentheses; at most 15 characters). */
  comm: string;
  /** Field 3: R, S, D, Z (zombie: exited, not yet reaped) … */
  state: string;
  /** User + system CPU time of all its threads (fields 14 and 15), in clock ticks. */
  cpuTicks: number;
  /** Start time after boot (field 22), in clock ticks: with the pid, tells a process from a later one with its pid. */
  startTicks: number;
}

/** Parses /proc/<pid>/stat; null if it does not look like one. */
export function parseStat(pid: number, text: string): ProcessStat | null {
  const open = text.indexOf('(');
  // The command name may contain spaces and parentheses; the fields after its last ')' do not.
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const fields = text.slice(close + 2).split(' ');
  // fields[0] is field 3 (state), so field n is fields[n - 3].
  const ppid = Number(fields[1]);
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const startTicks = Number(fields[19]);
  if (![ppid, utime, stime, startTicks].every(Number.isFinite)) return null;
  return { pid, ppid, comm: text.slice(open + 1, close), state: fields[0], cpuTicks: utime + stime, startTicks };
}

async function readStat(pid: number): Promise<ProcessStat | null> {
  try {
    return parseStat(pid, await fs.readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null; // exited since the directory was listed
  }
}

/**
 * `rootPid` and all its descendants (children, their children …), the root first; empty when the root
 * is gone. Every process on the machine is looked at, since /proc names a process's parent, not its children.
 */
export async function processTree(rootPid: number): Promise<ProcessStat[]> {
  const pids = (await fs.readdir('/proc')).filter((name) => /^\d+$/.test(name)).map(Number);
  const stats = (await Promise.all(pids.map(readStat))).filter((s): s is ProcessStat => s !== null);
  const children = new Map<number, ProcessStat[]>();
  for (const stat of stats) {
    const siblings = children.get(stat.ppid);
    if (siblings) siblings.push(stat);
    else children.set(stat.ppid, [stat]);
  }
  const root = stats.find((s) => s.pid === rootPid);
  if (!root) return [];
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i].pid) ?? []));
  return tree;
}

/** Proportional and resident memory of one process, from /proc/<pid>/smaps_rollup. */
export interface MemoryRollup {
  /**
   * Proportional set size: private pages, plus each shared page divided by the number of processes
   * mapping it. Summed over processes, shared memory (PostgreSQL's shared buffers, the binaries'
   * code) counts once, where RSS would count it in every process.
   */
  pssBytes: number;
  rssBytes: number;
}

/** The memory of `pid`, or null when it cannot be read (gone, a zombie, or not ours to read). */
export async function memoryRollup(pid: number): Promise<MemoryRollup | null> {
  let text: string;
  try {
    text = await fs.readFile(`/proc/${pid}/smaps_rollup`, 'utf8');
  } catch {
    return null;
  }
  const kB = (field: string) => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
    return match ? Number(match[1]) * 1024 : null;
  };
  const pss = kB('Pss');
  const rss = kB('Rss');
  return pss === null || rss === null ? null : { pssBytes: pss, rssBytes: rss };
}

/**
 * A short name for a process: a PostgreSQL backend's own title ("postgres: checkpointer"), "postgres
 * (postmaster)", or the command line with file paths cut to their last part ("node --import tsx main.ts").
 */
export async function processName(stat: ProcessStat): Promise<string> {
  let args: string[] = [];
  try {
    args = (await fs.readFile(`/proc/${stat.pid}/cmdline`, 'utf8')).split('\0').filter((a) => a.length > 0);
  } catch {
    // gone: the command name will do
  }
  const line = args.join(' ').replace(/\s+/g, ' ').trim();
  if (line.startsWith('postgres: ')) return line;
  if (stat.comm === 'postgres') return 'postgres (postmaster)';
  if (args.length === 0) return stat.comm;
  const short = args.map((a) => (a.startsWith('/') ? path.basename(a) : a)).join(' ');
  return short.length > 60 ? `${short.slice(0, 59)}…` : short;
}

/** One process of a measured tree. */
export interface ProcessMemory extends MemoryRollup {
  pid: number;
  ppid: number;
  comm: string;
  name: string;
}

/** The memory of a process tree at one moment. */
export interface TreeMemory {
  /** Summed over every process that could be read. */
  pssBytes: number;
  rssBytes: number;
  /** The root first, then its descendants. */
  processes: ProcessMemory[];
  /** Processes of the tree whose memory could not be read (exited meanwhile, or not permitted). */
  unreadable: number;
}

/** PSS (and RSS) summed over `rootPid` and all its descendants. */
export async function processTreePss(rootPid: number): Promise<TreeMemory> {
  const tree = await processTree(rootPid);
  const processes: ProcessMemory[] = [];
  let unreadable = 0;
  await Promise.all(
    tree.map(async (stat, index) => {
      const [memory, name] = await Promise.all([memoryRollup(stat.pid), processName(stat)]);
      if (memory) processes[index] = { pid: stat.pid, ppid: stat.ppid, comm: stat.comm, name, ...memory };
      else unreadable++;
    }),
  );
  const read = processes.filter((p) => p !== undefined);
  return {
    pssBytes: read.reduce((sum, p) => sum + p.pssBytes, 0),
    rssBytes: read.reduce((sum, p) => sum + p.rssBytes, 0),
    processes: read,
    unreadable,
  };
}

let ticksPerSecond: number | undefined;

/** USER_HZ, the unit of the CPU times in /proc/<pid>/stat (`getconf CLK_TCK`; 100 on Linux as built today). */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** CPU and peak memory of a process tree over a measured interval. */
export interface TreeUsage {
  /** CPU time of the whole tree per second of wall-clock time, in percent of one core. */
  cpuPercent: number;
  /** The highest tree PSS of the samples. */
  peakPssBytes: number;
  /** The most processes the tree had in a sample. */
  peakProcesses: number;
  /** Every process seen in the samples, by command name and count: "node, postgres ×12". */
  seen: string;
}

/** "node, postgres ×12": command names with their counts, in order of first appearance. */
function countNames(names: Iterable<string>): string {
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  return [...counts].map(([name, n]) => (n > 1 ? `${name} ×${n}` : name)).join(', ');
}

/**
 * Samples a process tree every `intervalMs` from now until `stop()`. CPU: every process's CPU time
 * (utime + stime) at its last sample minus its time at the first sample, or minus nothing for a
 * process born during the interval; a process that exits keeps its last sampled time (what it used
 * after its last sample is missed; reaped children's time goes to the parent's cutime, which is not
 * counted, so nothing counts twice). Memory: the tree's PSS in every sample, the peak kept. The
 * samples read /proc asynchronously, so that they do not stall the caller's event loop.
 */
export function sampleProcessTree(rootPid: number, intervalMs = 500): { stop(): Promise<TreeUsage> } {
  const hz = clockTicksPerSecond();
  const baseline = new Map<string, number>();
  const latest = new Map<string, number>();
  const names = new Map<string, string>();
  let firstAt: number | null = null;
  let lastAt = 0;
  let peakPss = 0;
  let peakProcesses = 0;

  const sample = async (): Promise<void> => {
    const at = performance.now();
    let tree: ProcessStat[];
    try {
      tree = await processTree(rootPid);
    } catch {
      return; // no /proc: the figures stay unknown
    }
    const first = firstAt === null;
    if (first) firstAt = at;
    lastAt = at;
    for (const p of tree) {
      const key = `${p.pid}:${p.startTicks}`;
      if (first) baseline.set(key, p.cpuTicks);
      latest.set(key, p.cpuTicks);
      names.set(key, p.comm);
    }
    peakProcesses = Math.max(peakProcesses, tree.length);
    const memory = await Promise.all(tree.map((p) => memoryRollup(p.pid)));
    peakPss = Math.max(
      peakPss,
      memory.reduce((sum, m) => sum + (m?.pssBytes ?? 0), 0),
    );
  };

  // sample() does not reject. One still running (a loaded machine) is not queued behind.
  let running = true;
  let pending = sample().finally(() => (running = false));
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    pending = sample().finally(() => (running = false));
  }, intervalMs);

  return {
    async stop() {
      clearInterval(timer);
      await pending;
      await sample();
      const seconds = firstAt === null ? 0 : (lastAt - firstAt) / 1000;
      let ticks = 0;
      for (const [key, value] of latest) ticks += value - (baseline.get(key) ?? 0);
      return {
        cpuPercent: seconds > 0 && baseline.size > 0 ? (ticks / hz / seconds) * 100 : Number.NaN,
        peakPssBytes: peakPss,
        peakProcesses,
        seen: countNames(names.values()),
      };
    },
  };
}
