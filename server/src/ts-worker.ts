import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread on a module next to `from` (an `import.meta.url`), named without extension:
 * the module has the caller's extension, .ts when run through tsx or Vitest, .js if ever compiled.
 *
 * A worker is loaded by plain Node, which cannot read TypeScript, and on Node 20 a worker ignores the
 * `--import tsx` hooks it inherits (tried: "Unknown file extension .ts"), so a .ts module is loaded
 * through tsx's `tsImport`, resolved from here (Vitest and child processes alike).
 */
function startModuleWorker(from: string, name: string, options: WorkerOptions = {}): Worker {
  const caller = fileURLToPath(from);
  const moduleUrl = pathToFileURL(path.join(path.dirname(caller), `${name}${path.extname(caller)}`));
  const href = JSON.stringify(moduleUrl.href);
  const code = moduleUrl.pathname.endsWith('.ts')
    ? `import(${JSON.stringify(tsxApiUrl())}).then((tsx) => tsx.tsImport(${href}, ${href}));`
    : `import(${href});`;
  // The parent's flags (tsx's hooks, Vitest's) are of no use to the worker, see above.
  return new Worker(code, { ...options, eval: true, execArgv: [] });
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

/**
 * Starts a helper thread with {@link startModuleWorker} that does not keep the process alive (an idle
 * merge or BibTeX thread must not hold a shutdown up), handing its messages to `onMessage` and its end to
 * `onEnd`, once: with the error it failed with, or else when it exits (`terminate()` included).
 */
export function startHelperWorker<Message>(
  from: string,
  name: string,
  onMessage: (message: Message) => void,
  onEnd: (reason: Error) => void,
): Worker {
  const worker = startModuleWorker(from, name);
  worker.unref();
  worker.on('message', onMessage);
  let ended = false;
  const end = (reason: Error) => {
    if (ended) return;
    ended = true;
    onEnd(reason);
  };
  worker.on('error', end);
  worker.on('exit', (code) => end(new Error(`the ${name} thread exited with code ${code}`)));
  return worker;
}
