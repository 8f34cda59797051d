import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The name of `build/package.json`, which only maps import names for the compiled files. */
const BUILD_MANIFEST_NAME = 'paperboard-build';

/**
 * The project's folder (the one holding package.json, not build/'s), found upwards from this module: it is
 * `server/src/` when run from the sources and `build/server/src/` when compiled, so files outside the
 * code (migrations, the demo library, the client build) are located from here, not by counting `../`.
 */
export const ROOT = findRoot(path.dirname(fileURLToPath(import.meta.url)));

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      const { name } = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string };
      if (name !== BUILD_MANIFEST_NAME) return dir;
    }
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

/** A path inside the project folder. */
export function fromRoot(...parts: string[]): string {
  return path.join(ROOT, ...parts);
}
