import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Tinypool, type Options } from 'tinypool';

/**
 * A Tinypool whose threads run the default export of the module `name` next to `from` (an
 * `import.meta.url`), named without extension: the module has the caller's extension, .ts when run
 * through tsx or Vitest, .js in the compiled build. Idle threads do not keep the process alive.
 */
export function helperPool(from: string, name: string, options: Omit<Options, 'filename'> = {}): Tinypool {
  // The parent's flags (tsx's hooks, Vitest's) are of no use to a thread, see below.
  const pool = new Tinypool({ ...options, filename: threadEntry(from, name), execArgv: [] });
  // A thread that fails with no task to fail (while idle or starting) is reported on the pool: without
  // a listener, that event would end the process. The pool starts another thread when one is needed.
  pool.on('error', (error: unknown) => {
    process.emitWarning(`the ${name} thread failed: ${error instanceof Error ? error.message : String(error)}`);
  });
  return pool;
}

/**
 * What a pool thread imports to get the module's default export. A thread is loaded by plain Node, which
 * cannot read TypeScript, and on Node 20 a thread ignores the `--import tsx` hooks it is given (tried:
 * "Unknown file extension .ts"), so a .ts module is loaded through tsx's `tsImport`, from a `data:` module
 * (Tinypool imports its `filename` as it is given).
 */
function threadEntry(from: string, name: string): string {
  const caller = fileURLToPath(from);
  const moduleUrl = pathToFileURL(path.join(path.dirname(caller), `${name}${path.extname(caller)}`)).href;
  if (!moduleUrl.endsWith('.ts')) return moduleUrl;
  const href = JSON.stringify(moduleUrl);
  const code =
    `const loaded = await import(${JSON.stringify(tsxApiUrl())}).then((tsx) => tsx.tsImport(${href}, ${href}));\n` +
    'export default loaded.default;\n';
  return `data:text/javascript,${encodeURIComponent(code)}`;
}

/**
 * The ESM build of `tsx/esm/api`. `require.resolve` would give its CommonJS build, which cannot register
 * tsx's hooks from an ES module (tried), and `import.meta.resolve` is not available under Vitest: read the
 * package's export map instead.
 */
function tsxApiUrl(): string {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('tsx/package.json');
  const { exports } = require(manifest) as { exports: Record<string, { import?: { default?: string } }> };
  const entry = exports['./esm/api']?.import?.default;
  if (!entry) throw new Error(`tsx at ${path.dirname(manifest)} has no "./esm/api" export`);
  return pathToFileURL(path.join(path.dirname(manifest), entry)).href;
}
