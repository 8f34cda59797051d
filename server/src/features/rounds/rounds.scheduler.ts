import { closeDueRounds, type RoundDeps } from './rounds.service.js';

/** How the scheduler keeps time; tests pass a clock they move by hand. */
interface RoundSchedulerOptions {
  /** Milliseconds between looks for rounds past their deadline. */
  intervalMs: number;
  /** Now, as the scheduler sees it (default: the system clock). */
  clock?: () => Date;
}

/**
 * Closes ballot rounds at their deadline, in this process. Any number of nodes may run one: closing
 * stores the result only while the round is still open (under the round's row lock), so each round is
 * closed, announced and has its winners moved once. Runs never overlap within a process.
 */
export class RoundScheduler {
  readonly #deps: RoundDeps;
  readonly #options: RoundSchedulerOptions;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<number> | null = null;

  constructor(deps: RoundDeps, options: RoundSchedulerOptions) {
    this.#deps = deps;
    this.#options = options;
  }

  /** Starts ticking, with a first run right away for rounds that ended while no node was up. */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.#tick(), this.#options.intervalMs);
    this.#timer.unref();
    void this.#tick();
  }

  /** Stops ticking and waits for a run in progress. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running?.catch(() => {});
  }

  /** Closes the rounds due now (or waits for the run in progress); how many this process closed. */
  runOnce(): Promise<number> {
    if (this.#running) return this.#running;
    const now = (this.#options.clock ?? (() => new Date()))();
    this.#running = closeDueRounds(this.#deps, now).finally(() => (this.#running = null));
    return this.#running;
  }

  async #tick(): Promise<void> {
    if (this.#running) return;
    try {
      await this.runOnce();
    } catch (err) {
      // A database hiccup must not stop the schedule: the next tick tries again.
      this.#deps.log.error({ err }, 'rounds: scheduler run failed');
    }
  }
}
