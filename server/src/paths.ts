import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project's folder (the one holding package.json), found upwards from this module: it is
 * `server/src/` when run from the sources and `build/server/src/` when compiled, so files outside the
 * code (migrations, the demo library, the client build) are located from here, not by counting `../`.
 */
export const ROOT = findRoot(path.dirname(fileURLToPath(import.meta.url)));

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

/** A path inside the project folder. */
export function fromRoot(...parts: string[]): string {
  return path.join(ROOT, ...parts);
}
