import { PeriodicJob, type PeriodicJobOptions } from '#server/periodic-job.js';
import { runWebhookJob, type WebhookJobDeps, type WebhookRunReport } from './webhooks.service.js';

/**
 * Runs the webhook delivery job every `intervalMs` in this process (WEBHOOKS_TICK_SECONDS in main.ts).
 * Any number of processes may run one: deliveries are claimed with `for update skip locked` and the
 * time-based events go through a ledger, so nothing is sent twice. Not started in tests; a test builds
 * one with an injected clock and calls `runOnce`.
 */
export class WebhookScheduler extends PeriodicJob<WebhookRunReport> {
  constructor(deps: WebhookJobDeps, options: PeriodicJobOptions) {
    super(
      (now) => runWebhookJob(deps, now),
      options,
      (err) => deps.log.error({ err }, 'webhook job failed'),
    );
  }
}
