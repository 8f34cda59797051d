import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { Sql } from '../../server/src/db/connect.js';

/** The hardware and runtime a benchmark ran on. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  os: string;
  /** 1, 5 and 15 minute load averages: on a shared machine, other work slows the benchmark down. */
  load: number[];
}

function cpuModel(): string {
  try {
    const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
    const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo);
    if (model) return model[1].trim();
  } catch {
    // not Linux: fall back to what Node reports
  }
  return os.cpus()[0]?.model.trim() || 'unknown CPU';
}

/** Reads the machine description once; cheap enough to call per benchmark. */
export function machineInfo(): MachineInfo {
  return {
    cpu: cpuModel(),
    cores: os.availableParallelism(),
    memoryGiB: os.totalmem() / 2 ** 30,
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    load: os.loadavg(),
  };
}

/** One line: "AMD EPYC, 2 cores, 23.5 GiB RAM, Node v20.20.2, Linux 6.1, load 0.12 0.30 0.25". */
export function formatMachine(m: MachineInfo): string {
  const load = m.load.map((l) => l.toFixed(2)).join(' ');
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB.toFixed(1)} GiB RAM, Node ${m.node}, ${m.os}, load ${load}`;
}

/** The current 1/5/15 minute load averages, to print next to results. */
export function formatLoad(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

/** The server's PostgreSQL version, e.g. "15.18" (PGlite reports the PostgreSQL it embeds). */
export async function postgresVersion(sql: Sql): Promise<string> {
  const [row] = await sql<{ serverVersion: string }[]>`show server_version`;
  return row.serverVersion.split(' ')[0];
}

/** The installed PGlite package version (its package.json is not exported, so it is found on disk). */
export function pgliteVersion(): string {
  const require = createRequire(import.meta.url);
  let dir = path.dirname(require.resolve('@electric-sql/pglite'));
  while (dir !== path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === '@electric-sql/pglite') return pkg.version ?? 'unknown';
    }
    dir = path.dirname(dir);
  }
  return 'unknown';
}
