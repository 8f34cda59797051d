import { createSubscriber } from 'svelte/reactivity';

/** How often the clock ticks while something reads it: "Presenting" turns to "Presented" within it. */
const TICK_MS = 30_000;

/**
 * The current time for templates: reading `now` inside an effect or template re-runs it every
 * {@link TICK_MS} while anything on screen reads it, and costs no timer otherwise.
 */
class Clock {
  #subscribe = createSubscriber((update) => {
    const timer = setInterval(update, TICK_MS);
    return () => clearInterval(timer);
  });

  /** Milliseconds since the epoch, as `Date.now()`. */
  get now(): number {
    this.#subscribe();
    return Date.now();
  }
}

/** The app's one clock. */
export const clock = new Clock();
