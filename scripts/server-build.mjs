// The server's production build: TypeScript (server/src and shared) compiled to JavaScript in build/,
// so that `npm start` runs plain Node (no compiler at run time, worker threads without a loader).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project folder. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Where the compiled server goes. */
export const BUILD_DIR = path.join(ROOT, 'build');
// Written last: a build that was interrupted has none and counts as missing.
const STAMP = path.join(BUILD_DIR, '.built');
const SOURCES = ['server/src', 'shared', 'tsconfig.json', 'tsconfig.build.json'];

function newestMtime(target) {
  if (!fs.existsSync(target)) return 0;
  const stat = fs.statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return fs
    .readdirSync(target)
    .reduce((max, name) => Math.max(max, newestMtime(path.join(target, name))), stat.mtimeMs);
}

/**
 * True when the build is missing or older than a source file. Where the sources are absent (a
 * production image holds only build/), the build is what there is.
 */
export function serverBuildIsStale() {
  if (!fs.existsSync(STAMP)) return true;
  const built = fs.statSync(STAMP).mtimeMs;
  return SOURCES.some((source) => newestMtime(path.join(ROOT, source)) > built);
}

/** Compiles the server with tsc into build/ (from scratch, so no file of a deleted module lingers). */
export function buildServer(log = (message) => console.error(`[paperboard] ${message}`)) {
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  if (!fs.existsSync(tsc)) {
    throw new Error(
      'the server build (build/) is missing or out of date, and TypeScript is not installed ' +
        '(an install without dev dependencies?): run `npm install`, then `npm run build`.',
    );
  }
  log('compiling the server…');
  fs.rmSync(BUILD_DIR, { recursive: true, force: true });
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`tsc failed (exit code ${result.status})`);
  writeBuildManifest();
  fs.writeFileSync(STAMP, `${new Date().toISOString()}\n`);
  log('server compiled');
}

/**
 * The compiled files import each other by name (`#server/…`, `#shared/…`), which Node resolves through
 * the nearest package.json: build/ gets one of its own that maps the names to the compiled tree, the
 * way the project's package.json maps them to the sources.
 */
function writeBuildManifest() {
  const project = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  // The name tells server/src/paths.ts that the project folder is the one above.
  const manifest = { name: 'paperboard-build', private: true, type: project.type, imports: project.imports };
  fs.writeFileSync(path.join(BUILD_DIR, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** Builds the server when it is missing or stale. */
export function ensureServerBuild(log) {
  if (serverBuildIsStale()) buildServer(log);
}
