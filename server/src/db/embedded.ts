import net from 'node:net';
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../ts-worker.js';
import type { EmbeddedWorkerData, FromWorker, ToWorker, WorkerFailure } from './embedded-worker.js';

/** Raised when the embedded database cannot start, cannot close, or has stopped under the server. */
export class EmbeddedDatabaseError extends Error {
  override name = 'EmbeddedDatabaseError';
}

/** The embedded PostgreSQL (PGlite) running in its own thread, reachable over a loopback socket. */
export interface EmbeddedServer {
  host: string;
  port: number;
  /**
   * Opens a connection to it, for postgres.js's `socket` option. Once the worker is gone the socket fails
   * with the reason, so that queries say why instead of "connection refused".
   */
  connect(): net.Socket;
  /** Why the worker stopped when nobody asked it to; null while it runs. */
  failure(): EmbeddedDatabaseError | null;
  /** Settles with that reason when the worker stops unasked; pending otherwise. */
  failed: Promise<EmbeddedDatabaseError>;
  /** Closes the socket server and PGlite (writing its state to disk), then ends the thread. */
  stop(): Promise<void>;
  /** The thread itself (tests end it to simulate a crash). */
  worker: Worker;
}

/** How long `stop()` waits for PGlite to close before ending the thread anyway. */
const CLOSE_TIMEOUT_MS = 15_000;

/** Options of {@link startEmbeddedServer}. */
export interface EmbeddedOptions {
  /**
   * How long the thread may go without answering a ping (it answers between statements) before it is
   * taken for hung and ended, which fails the database like a crash (the server then exits to be
   * restarted). Generous: a migration building an index over a large library runs for tens of seconds.
   */
  hangLimitMs?: number;
}

const HANG_LIMIT_MS = 5 * 60_000;

function revive(failure: WorkerFailure): Error {
  const error = new Error(failure.message);
  error.name = failure.name;
  if (failure.stack) error.stack = failure.stack;
  return error;
}

/**
 * Starts PGlite on `pgDir` and its socket server in a worker thread, so that queries (synchronous
 * WebAssembly) do not stall the server's event loop. Rejects with an {@link EmbeddedDatabaseError}
 * when the database cannot be opened.
 */
export function startEmbeddedServer(pgDir: string, options: EmbeddedOptions = {}): Promise<EmbeddedServer> {
  const hangLimitMs = options.hangLimitMs ?? HANG_LIMIT_MS;
  let worker: Worker;
  try {
    worker = startModuleWorker(import.meta.url, 'embedded-worker', {
      workerData: { pgDir } satisfies EmbeddedWorkerData,
    });
  } catch (error) {
    return Promise.reject(new EmbeddedDatabaseError(`Could not start the embedded database: ${String(error)}`));
  }
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  let lastError: Error | null = null;
  let failed: EmbeddedDatabaseError | null = null;
  let announceFailure: (error: EmbeddedDatabaseError) => void = () => {};
  const failedPromise = new Promise<EmbeddedDatabaseError>((resolve) => (announceFailure = resolve));
  let stopping: Promise<void> | null = null;

  return new Promise<EmbeddedServer>((resolve, reject) => {
    let started = false;
    const startFailed = (cause: Error) => {
      reject(
        new EmbeddedDatabaseError(`Could not open the embedded database in ${pgDir}: ${cause.message}`, { cause }),
      );
      void worker.terminate();
    };

    worker.on('error', (error) => {
      lastError = error;
    });
    worker.on('exit', (code) => {
      if (!started) {
        startFailed(lastError ?? new Error(`its worker thread exited with code ${code}`));
      } else if (!stopping) {
        failed = new EmbeddedDatabaseError(
          `The embedded database stopped unexpectedly (worker thread exit code ${code}` +
            `${lastError ? `: ${lastError.message}` : ''}); database queries will fail until a restart.`,
          { cause: lastError },
        );
        // Nothing else would say why every later query fails.
        console.error(`[paperboard] ${failed.message}`);
        announceFailure(failed);
      }
    });

    const closeWorker = async (): Promise<void> => {
      const outcome = new Promise<FromWorker | 'exited' | 'timeout'>((settle) => {
        worker.on('message', (message: FromWorker) => {
          if (message.type === 'closed' || message.type === 'close-failed') settle(message);
        });
        void exited.then(() => settle('exited'));
        setTimeout(() => settle('timeout'), CLOSE_TIMEOUT_MS).unref();
      });
      worker.postMessage({ type: 'close' } satisfies ToWorker);
      const result = await outcome;
      await worker.terminate();
      if (result === 'timeout') {
        throw new EmbeddedDatabaseError(`The embedded database did not close within ${CLOSE_TIMEOUT_MS / 1000} s`);
      }
      if (result === 'exited' && !failed) {
        throw new EmbeddedDatabaseError('The embedded database thread ended while closing', { cause: lastError });
      }
      if (typeof result === 'object' && result.type === 'close-failed') {
        const cause = revive(result.error);
        throw new EmbeddedDatabaseError(`Could not close the embedded database: ${cause.message}`, { cause });
      }
    };

    /**
     * PGlite has no statement timeout of its own, and a thread stuck in WebAssembly neither answers nor
     * exits: every query would wait forever. It is pinged; one that stays silent past the limit is ended.
     */
    const watchHang = () => {
      // When the unanswered ping was sent (null: none is out); timed from sending, so that a stall of
      // this thread is not taken for one of the worker.
      let pingSentAt: number | null = null;
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'pong') pingSentAt = null;
      });
      const timer = setInterval(
        () => {
          if (stopping || failed) return clearInterval(timer);
          if (pingSentAt === null) {
            pingSentAt = performance.now();
            worker.postMessage({ type: 'ping' } satisfies ToWorker);
            return;
          }
          const silent = performance.now() - pingSentAt;
          if (silent <= hangLimitMs) return;
          clearInterval(timer);
          lastError = new Error(`it did not answer for ${Math.round(silent / 1000)} s and was taken for hung`);
          void worker.terminate();
        },
        Math.max(10, Math.min(hangLimitMs / 4, 10_000)),
      );
      // The watchdog alone must not keep the process alive.
      timer.unref();
    };

    worker.on('message', (message: FromWorker) => {
      if (message.type === 'failed') startFailed(revive(message.error));
      if (message.type !== 'ready') return;
      started = true;
      watchHang();
      const { host, port } = message;
      resolve({
        host,
        port,
        worker,
        failure: () => failed,
        failed: failedPromise,
        connect() {
          const refusal = failed ?? (stopping ? new EmbeddedDatabaseError('The embedded database is closed') : null);
          if (!refusal) return net.connect(port, host);
          // A socket that fails, not a throw: postgres.js then rejects the query and retries on the next
          // one, where a throw would leave its only connection "connecting" and every query pending.
          const socket = new net.Socket();
          setImmediate(() => socket.destroy(refusal));
          return socket;
        },
        stop() {
          stopping ??= failed ? worker.terminate().then(() => {}) : closeWorker();
          return stopping;
        },
      });
    });
  });
}
