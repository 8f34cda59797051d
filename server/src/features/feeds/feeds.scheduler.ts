import { PeriodicJob, type PeriodicJobOptions } from '#server/periodic-job.js';
import { runFeedJob, type FeedJobDeps, type RunReport } from './feeds.service.js';

/**
 * Runs the daily feed job every `intervalMs` in this process (FEEDS_TICK_SECONDS in main.ts). Any number of
 * processes may run one: each feed and day is claimed in the `feed_runs` ledger before it is fetched, so
 * it runs once. Not started in tests; a test builds one with an injected clock and calls `runOnce`.
 */
export class FeedScheduler extends PeriodicJob<RunReport[]> {
  constructor(deps: FeedJobDeps, options: PeriodicJobOptions) {
    super(
      (now) => runFeedJob(deps, now),
      options,
      (err) => deps.log.error({ err }, 'feed job failed'),
    );
  }
}
