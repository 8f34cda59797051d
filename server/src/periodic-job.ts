/** How a {@link PeriodicJob} keeps time; tests pass a clock they move by hand. */
export interface PeriodicJobOptions {
  /** Milliseconds between runs. */
  intervalMs: number;
  /** Now, as the job sees it (default: the system clock). */
  clock?: () => Date;
}

/**
 * Runs a job every `intervalMs` in this process, with a first run at start (so that what fell due
 * while the process was down is caught up at once). Runs never overlap within a process: a tick that
 * finds one still running is skipped, and `runOnce` during a run waits for it. A failed run is reported
 * to `onError` and the schedule goes on (the next tick tries again). Jobs that several processes run
 * must make each unit of work happen once themselves (a lock, a conditional update).
 */
export class PeriodicJob<T> {
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<T> | null = null;

  constructor(
    private readonly job: (now: Date) => Promise<T>,
    private readonly options: PeriodicJobOptions,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Starts ticking, with a first run right away. */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.#tick(), this.options.intervalMs);
    this.#timer.unref();
    void this.#tick();
  }

  /** Stops ticking and waits for a run in progress to finish. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running?.catch(() => {});
  }

  /** Runs the job once now (or waits for the run in progress) and returns its result. */
  runOnce(): Promise<T> {
    if (this.#running) return this.#running;
    const now = (this.options.clock ?? (() => new Date()))();
    this.#running = this.job(now).finally(() => (this.#running = null));
    return this.#running;
  }

  async #tick(): Promise<void> {
    if (this.#running) return;
    try {
      await this.runOnce();
    } catch (err) {
      this.onError(err);
    }
  }
}
