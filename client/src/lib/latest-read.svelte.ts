import { errorMessage, isAbort } from './api.js';

/**
 * A page's read that the next read replaces: starting one aborts the one before, `loading` holds while
 * the latest runs, and `error` says why it failed (an aborted read is no failure and leaves both alone).
 */
export class LatestRead {
  loading = $state(false);
  /** Why the latest read failed, or null. */
  error = $state<string | null>(null);

  #controller: AbortController | null = null;

  /** Runs `read` with a fresh signal; `onError` sees a failure before its message is recorded. */
  async run(read: (signal: AbortSignal) => Promise<void>, onError?: (err: unknown) => void): Promise<void> {
    this.#controller?.abort();
    const controller = new AbortController();
    this.#controller = controller;
    this.loading = true;
    this.error = null;
    try {
      await read(controller.signal);
    } catch (err) {
      if (isAbort(err)) return;
      onError?.(err);
      this.error = errorMessage(err);
    } finally {
      if (this.#controller === controller) this.loading = false;
    }
  }

  /** Aborts the read under way, if any (the page is going). */
  abort(): void {
    this.#controller?.abort();
  }
}
