import type { DigestRunResult } from '#shared/schemas/digest.js';
import { PeriodicJob, type PeriodicJobOptions } from '#server/periodic-job.js';
import { runMailJob, type MailJobDeps, type MailJobOptions } from './digest.service.js';

/**
 * Runs the mail job every `intervalMs` in this process. Any number of processes may run one: the job's
 * advisory lock lets one claim at a time, and the ledger makes every mail go out once. `runOnce` answers
 * null when another process held the lock; `stop` waits for a run in progress (its claimed mails are
 * then sent).
 */
export class DigestScheduler extends PeriodicJob<DigestRunResult | null> {
  constructor(deps: MailJobDeps, options: PeriodicJobOptions & MailJobOptions) {
    super(
      (now) => runMailJob(deps, now, options),
      options,
      (err) => deps.log.error({ err }, 'mail job failed'),
    );
  }
}
