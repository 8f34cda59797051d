import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '#server/config.js';
import type { Sql } from '#server/db/sql.js';
import type { WebhookKind } from '#shared/schemas/webhooks.js';
import { chatMessage, safeLink, type EventFacts } from './chat-message.js';
import { platformPayload } from './platforms.js';
import { postJson } from './webhook-http.js';
import {
  boardNameOf,
  cardTitles,
  hadEarlierSession,
  paperOf,
  roundOf,
  userNameOf,
  type PaperFacts,
} from './webhook-context.repository.js';
import {
  claimDueDeliveries,
  markDelivered,
  markDropped,
  markFailed,
  pruneDeliveries,
  queueReminders,
  type ClaimedDelivery,
} from './webhooks.repository.js';

/** Waits before the 2nd, 3rd, … attempt of a delivery: 1 min, 5 min, 30 min, 2 h, 6 h; then it gives up. */
export const BACKOFF_MS = [60_000, 5 * 60_000, 30 * 60_000, 2 * 3600_000, 6 * 3600_000];
/** Consecutive failed attempts (of any of its deliveries) after which a webhook is disabled. */
export const DISABLE_AFTER_FAILURES = 5;
/** "Closing within a day", "tomorrow". */
export const REMINDER_WINDOW_MS = 24 * 3600_000;
const BATCH = 20;
/** Longer than an attempt can take (the timeout): a row is not claimed twice while it is being sent. */
const LEASE_MS = 2 * 60_000;
const KEEP_MS = 30 * 24 * 3600_000;

const SERVICES: Record<WebhookKind, string> = {
  slack: 'Slack',
  discord: 'Discord',
  mattermost: 'Mattermost',
  teams: 'Teams',
};

/** What the delivery job needs. */
export interface WebhookJobDeps {
  sql: Sql;
  config: Pick<Config, 'publicUrl' | 'webhooks'>;
  log: FastifyBaseLogger;
}

/** What one run did. */
export interface WebhookRunReport {
  queued: number;
  delivered: number;
  failed: number;
  disabled: number;
}

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const paperLink = (p: PaperFacts) =>
  safeLink(p.url) ?? (p.arxivId ? `https://arxiv.org/abs/${p.arxivId}` : p.doi ? `https://doi.org/${p.doi}` : null);

/** The facts of a queued event, read now; null when what it was about is gone (a removed card, round). */
async function eventFacts(sql: Sql, d: ClaimedDelivery): Promise<EventFacts | null> {
  const p = d.payload;
  const details = (p.details ?? {}) as Record<string, unknown>;
  const cardId = str(p.cardId);
  switch (d.event) {
    case 'nomination': {
      const paper = await paperOf(sql, d.boardId, cardId, str(details.paperId));
      if (!paper) return null;
      return {
        event: 'nomination',
        paperTitle: paper.title,
        paperUrl: paperLink(paper),
        nominatedBy: await userNameOf(sql, str(p.actorId)),
      };
    }
    case 'round.opened':
    case 'round.closing':
    case 'round.closed': {
      const round = await roundOf(sql, d.boardId, str(p.roundId) ?? str(details.roundId) ?? '');
      if (!round) return null;
      if (d.event === 'round.closed') {
        const winners = await cardTitles(sql, d.boardId, round.winners);
        return { event: 'round.closed', method: round.method, winners, ballots: round.ballots };
      }
      return { event: d.event, ...round };
    }
    case 'session.scheduled':
    case 'session.tomorrow': {
      const sessionAt = str(details.sessionAt) ?? str(p.sessionAt);
      const paper = await paperOf(sql, d.boardId, cardId, null);
      if (!paper || !sessionAt || !cardId) return null;
      const activityId = str(p.activityId);
      return {
        event: d.event,
        moved: activityId ? await hadEarlierSession(sql, d.boardId, cardId, activityId) : false,
        paperTitle: paper.title,
        paperUrl: paperLink(paper),
        presenter: await userNameOf(sql, str(details.presenterId) ?? str(p.presenterId)),
        sessionAt: new Date(sessionAt),
      };
    }
  }
}

/** Sends one claimed delivery and records the outcome. Logs the webhook's id, never its URL. */
async function deliver(deps: WebhookJobDeps, d: ClaimedDelivery, now: Date): Promise<keyof WebhookRunReport> {
  const log = deps.log.child({ webhookId: d.webhookId, deliveryId: d.id, event: d.event, attempt: d.attempts });
  const [facts, boardName] = await Promise.all([eventFacts(deps.sql, d), boardNameOf(deps.sql, d.boardId)]);
  if (!facts || boardName === null) {
    // Nothing left to tell; not the hook's fault, so its failures do not grow.
    await markDropped(deps.sql, d, 'what it was about is gone');
    return 'failed';
  }
  const at = new Date(str(d.payload.at) ?? now.toISOString());
  const message = chatMessage(facts, { id: d.boardId, name: boardName }, deps.config.publicUrl, at);
  const outcome = await postJson(d.url, platformPayload(d.kind, message), {
    service: SERVICES[d.kind],
    timeoutMs: deps.config.webhooks.timeoutMs,
    publicOnly: !deps.config.webhooks.allowPrivateUrls,
  });
  if (outcome.ok) {
    await markDelivered(deps.sql, d, now);
    log.info('webhook delivered');
    return 'delivered';
  }
  const wait = BACKOFF_MS[d.attempts - 1];
  const retryAt = outcome.retry && wait !== undefined ? new Date(now.getTime() + wait) : null;
  const disabled = await markFailed(deps.sql, d, {
    error: outcome.error,
    retryAt,
    disableAfter: DISABLE_AFTER_FAILURES,
    now,
  });
  log.warn({ error: outcome.error, retryAt }, disabled ? 'webhook failed and is now disabled' : 'webhook failed');
  return disabled ? 'disabled' : 'failed';
}

/**
 * One run of the delivery job: queues the time-based events that fell due (once per webhook and subject,
 * see the reminders ledger), then sends the deliveries that are due, a batch at a time, until none is
 * left. Safe on any number of nodes at once: rows are claimed with `for update skip locked`.
 */
export async function runWebhookJob(deps: WebhookJobDeps, now: Date): Promise<WebhookRunReport> {
  const report: WebhookRunReport = { queued: 0, delivered: 0, failed: 0, disabled: 0 };
  report.queued = await queueReminders(deps.sql, now, REMINDER_WINDOW_MS);
  for (;;) {
    const claimed = await claimDueDeliveries(deps.sql, now, BATCH, LEASE_MS);
    if (claimed.length === 0) break;
    // Hooks in parallel; one hook's deliveries one after another, oldest first, so a channel reads
    // "scheduled" before "moved".
    const byHook = new Map<string, ClaimedDelivery[]>();
    for (const d of claimed.sort((a, b) => Number(a.id) - Number(b.id))) {
      byHook.set(d.webhookId, [...(byHook.get(d.webhookId) ?? []), d]);
    }
    await Promise.all(
      [...byHook.values()].map(async (deliveries) => {
        for (const d of deliveries) {
          const outcome = await deliver(deps, d, now).catch((err: unknown) => {
            deps.log.error({ err, webhookId: d.webhookId, deliveryId: d.id }, 'webhook delivery broke');
            return 'failed' as const;
          });
          report[outcome]++;
        }
      }),
    );
    if (claimed.length < BATCH) break;
  }
  // Once an hour or so (cheap: an index range), delivered and given-up rows older than a month go.
  if (now.getUTCMinutes() === 0) await pruneDeliveries(deps.sql, new Date(now.getTime() - KEEP_MS));
  return report;
}
