import { inspect } from 'node:util';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

// The embedded database's own thread: PGlite runs every query synchronously (WebAssembly), so it lives
// here and not on the server's event loop, which only talks to it over the loopback socket.
// Loaded by embedded.ts; imports nothing of ours, so that it can be loaded on its own.

/** What the worker is started with. */
export interface EmbeddedWorkerData {
  /** PGlite's data directory (created when missing). */
  pgDir: string;
}

/** A failure, as plain data (errors do not keep their class across threads). */
export interface WorkerFailure {
  name: string;
  message: string;
  stack?: string;
}

/** Messages from the worker to the main thread. */
export type FromWorker =
  | { type: 'ready'; host: string; port: number }
  | { type: 'failed'; error: WorkerFailure }
  | { type: 'closed' }
  | { type: 'close-failed'; error: WorkerFailure }
  | { type: 'pong' };

/** Messages from the main thread to the worker. */
export type ToWorker = { type: 'close' } | { type: 'ping' };

function failure(error: unknown): WorkerFailure {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  // PGlite's file system throws plain objects (e.g. { errno: 54 } for "not a directory").
  return { name: 'Error', message: inspect(error, { depth: 2, breakLength: Infinity }) };
}

async function run(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('embedded-worker.ts must run in a worker thread');
  const post = (message: FromWorker) => port.postMessage(message);
  const { pgDir } = workerData as EmbeddedWorkerData;

  let pglite: PGlite | undefined;
  let server: PGLiteSocketServer;
  try {
    pglite = await PGlite.create({ dataDir: pgDir, extensions: { pg_trgm } });
    server = new PGLiteSocketServer({ db: pglite, host: '127.0.0.1', port: 0 });
    await server.start();
  } catch (error) {
    await pglite?.close().catch(() => {});
    post({ type: 'failed', error: failure(error) }); // the main thread then ends this thread
    return;
  }
  const db = pglite;

  port.on('message', (message: ToWorker) => {
    // Answered between queries: a thread stuck in one does not answer (see the watchdog in embedded.ts).
    if (message.type === 'ping') return post({ type: 'pong' });
    if (message.type !== 'close') return;
    void (async () => {
      try {
        await server.stop();
        // Writes PGlite's state to the data directory: without it the last commits may be lost.
        await db.close();
        post({ type: 'closed' }); // the main thread then ends this thread
      } catch (error) {
        post({ type: 'close-failed', error: failure(error) });
      }
    })();
  });

  const [host, portNumber] = server.getServerConn().split(':');
  post({ type: 'ready', host, port: Number(portNumber) });
}

await run();
