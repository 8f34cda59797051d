import { PeriodicJob, type PeriodicJobOptions } from '#server/periodic-job.js';
import { closeDueRounds, type RoundDeps } from './rounds.service.js';

/**
 * Closes ballot rounds at their deadline, in this process; `runOnce` answers how many this process
 * closed. Any number of nodes may run one: closing stores the result only while the round is still open
 * (under the round's row lock), so each round is closed, announced and has its winners moved once.
 */
export class RoundScheduler extends PeriodicJob<number> {
  constructor(deps: RoundDeps, options: PeriodicJobOptions) {
    super(
      (now) => closeDueRounds(deps, now),
      options,
      (err) => deps.log.error({ err }, 'rounds: scheduler run failed'),
    );
  }
}
