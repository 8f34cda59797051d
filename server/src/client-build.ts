import fs from 'node:fs';
import path from 'node:path';

import { ROOT } from './paths.js';
const SOURCES = ['client/src', 'client/index.html', 'client/vite.config.ts', 'shared'];
const BUILT = path.join(ROOT, 'client/dist/index.html');

function newestMtime(target: string): number {
  if (!fs.existsSync(target)) return 0;
  const stat = fs.statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return fs
    .readdirSync(target)
    .reduce((max, name) => Math.max(max, newestMtime(path.join(target, name))), stat.mtimeMs);
}

/** True when the client build is missing or older than any of its sources. */
function clientBuildIsStale(): boolean {
  if (!fs.existsSync(BUILT)) return true;
  const built = fs.statSync(BUILT).mtimeMs;
  return SOURCES.some((s) => newestMtime(path.join(ROOT, s)) > built);
}

/** Builds the client with Vite when it is missing or stale, so `npm start` alone serves a current UI. */
export async function ensureClientBuild(log: (msg: string) => void): Promise<void> {
  if (!clientBuildIsStale()) return;
  log('building the client (missing or out of date)…');
  const { build } = await import('vite');
  // Always a production build: Vite keeps an inherited NODE_ENV (Vitest sets "test"), which would
  // give Svelte's development build.
  const inherited = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ configFile: path.join(ROOT, 'client/vite.config.ts'), logLevel: 'warn', mode: 'production' });
  } finally {
    if (inherited === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = inherited;
  }
  log('client built');
}
