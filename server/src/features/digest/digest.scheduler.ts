import type { DigestRunResult } from '#shared/schemas/digest.js';
import { runMailJob, type MailJobDeps, type MailJobOptions } from './digest.service.js';

/** How the scheduler keeps time; tests pass a clock they move by hand. */
interface SchedulerOptions extends MailJobOptions {
  /** Milliseconds between runs. */
  intervalMs: number;
  /** Now, as the job sees it (default: the system clock). */
  clock?: () => Date;
}

/**
 * Runs the mail job every `intervalMs` in this process. Any number of processes may run one: the job's
 * advisory lock lets one claim at a time, and the ledger makes every mail go out once. Runs never
 * overlap within a process; a tick that finds one still running is skipped.
 */
export class DigestScheduler {
  readonly #deps: MailJobDeps;
  readonly #options: SchedulerOptions;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<DigestRunResult | null> | null = null;

  constructor(deps: MailJobDeps, options: SchedulerOptions) {
    this.#deps = deps;
    this.#options = options;
  }

  /** Starts ticking, with a first run right away so that a day missed while down is caught up at once. */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.#tick(), this.#options.intervalMs);
    this.#timer.unref();
    void this.#tick();
  }

  /** Stops ticking and waits for a run in progress to finish (its claimed mails are then sent). */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running?.catch(() => {});
  }

  /**
   * Runs the job once now (or waits for the run in progress and returns its result). Null when another
   * process held the lock.
   */
  runOnce(): Promise<DigestRunResult | null> {
    if (this.#running) return this.#running;
    const now = (this.#options.clock ?? (() => new Date()))();
    this.#running = runMailJob(this.#deps, now, this.#options).finally(() => (this.#running = null));
    return this.#running;
  }

  async #tick(): Promise<void> {
    if (this.#running) return;
    try {
      await this.runOnce();
    } catch (err) {
      // A database hiccup must not stop the schedule: the next tick tries again.
      this.#deps.log.error({ err }, 'mail job failed');
    }
  }
}
