import type { Sql } from '#server/db/sql.js';
import type { WebhookEvent, WebhookKind } from '#shared/schemas/webhooks.js';

/** A webhook row; `url` is the secret and leaves this feature only masked. */
export interface WebhookRow {
  id: string;
  boardId: string;
  kind: WebhookKind;
  url: string;
  events: WebhookEvent[];
  failures: number;
  lastError: string | null;
  lastDeliveredAt: Date | null;
  disabledAt: Date | null;
  createdAt: Date;
}

/** The board's webhooks, oldest first. */
export function listWebhooks(sql: Sql, boardId: string): Promise<WebhookRow[]> {
  return sql<WebhookRow[]>`
    select id, board_id, kind, url, events, failures, last_error, last_delivered_at, disabled_at, created_at
    from webhooks where board_id = ${boardId} order by created_at, id`;
}

/** One webhook of the board, or null. */
export async function findWebhook(sql: Sql, boardId: string, webhookId: string): Promise<WebhookRow | null> {
  const [row]: [WebhookRow?] = await sql`
    select id, board_id, kind, url, events, failures, last_error, last_delivered_at, disabled_at, created_at
    from webhooks where board_id = ${boardId} and id = ${webhookId}`;
  return row ?? null;
}

/**
 * Adds a webhook unless the board has `limit` already (checked under a lock on the board row, so two
 * owners adding at once cannot pass it); null when full.
 */
export async function insertWebhook(
  sql: Sql,
  hook: { boardId: string; kind: WebhookKind; url: string; events: WebhookEvent[]; createdBy: string },
  limit: number,
): Promise<WebhookRow | null> {
  return sql.begin(async (tx) => {
    await tx`select 1 from boards where id = ${hook.boardId} for update`;
    const [{ count }] = await tx<{ count: number }[]>`
      select count(*)::int as count from webhooks where board_id = ${hook.boardId}`;
    if (count >= limit) return null;
    const [row] = await tx<WebhookRow[]>`
      insert into webhooks (board_id, kind, url, events, created_by)
      values (${hook.boardId}, ${hook.kind}, ${hook.url}, ${hook.events}, ${hook.createdBy})
      returning id, board_id, kind, url, events, failures, last_error, last_delivered_at, disabled_at, created_at`;
    return row;
  });
}

/** Deletes a webhook (its queued deliveries go with it); false when there was none. */
export async function deleteWebhook(sql: Sql, boardId: string, webhookId: string): Promise<boolean> {
  const rows = await sql`delete from webhooks where board_id = ${boardId} and id = ${webhookId} returning 1`;
  return rows.length > 0;
}

/**
 * Enables (clearing the failure count, so that it gets its full allowance again) or disables a webhook,
 * and/or changes its events.
 */
export async function changeWebhook(
  sql: Sql,
  boardId: string,
  webhookId: string,
  change: { enabled?: boolean; events?: WebhookEvent[] },
): Promise<boolean> {
  const rows = await sql`
    update webhooks set
      events = coalesce(${change.events ?? null}::text[], events),
      ${
        change.enabled === undefined
          ? sql``
          : change.enabled
            ? sql`disabled_at = null, failures = 0,`
            : sql`disabled_at = coalesce(disabled_at, now()),`
      }
      id = id
    where board_id = ${boardId} and id = ${webhookId}
    returning 1`;
  return rows.length > 0;
}

/** A delivery claimed for sending, with what the sender needs of its webhook. */
export interface ClaimedDelivery {
  id: string;
  webhookId: string;
  boardId: string;
  kind: WebhookKind;
  url: string;
  event: WebhookEvent;
  payload: Record<string, unknown>;
  /** This attempt's number, from 1. */
  attempts: number;
}

/**
 * Claims up to `limit` due deliveries of enabled webhooks. Rows are picked with `for update skip locked`
 * and leased (their next attempt moved `leaseMs` ahead) in one statement, so nodes running the job at
 * once never take the same row, and a node that dies mid-send leaves its rows to be tried again later.
 */
export function claimDueDeliveries(sql: Sql, now: Date, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
  return sql<ClaimedDelivery[]>`
    update webhook_deliveries d
    set attempts = d.attempts + 1, next_attempt_at = ${new Date(now.getTime() + leaseMs)}
    from webhooks w
    where w.id = d.webhook_id and d.id in (
      select q.id from webhook_deliveries q join webhooks h on h.id = q.webhook_id
      where q.status = 'pending' and q.next_attempt_at <= ${now} and h.disabled_at is null
      order by q.next_attempt_at, q.id
      limit ${limit}
      for update of q skip locked
    )
    returning d.id::text as id, d.webhook_id, w.board_id, w.kind, w.url, d.event, d.payload, d.attempts`;
}

/** Records a delivery that went through; the webhook's failure count starts again. */
export async function markDelivered(sql: Sql, delivery: ClaimedDelivery, now: Date): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`
      update webhook_deliveries set status = 'delivered', delivered_at = ${now}, last_error = null
      where id = ${delivery.id}`;
    await tx`
      update webhooks set failures = 0, last_error = null, last_delivered_at = ${now} where id = ${delivery.webhookId}`;
  });
}

/** Gives a delivery up without blaming its webhook (what it was about is gone). */
export async function markDropped(sql: Sql, delivery: ClaimedDelivery, reason: string): Promise<void> {
  await sql`update webhook_deliveries set status = 'failed', last_error = ${reason} where id = ${delivery.id}`;
}

/**
 * Records a failed attempt: the delivery is tried again at `retryAt`, or gives up (null); the webhook's
 * consecutive failures grow, and at `disableAfter` it is disabled. Returns whether it was disabled now.
 */
export async function markFailed(
  sql: Sql,
  delivery: ClaimedDelivery,
  failure: { error: string; retryAt: Date | null; disableAfter: number; now: Date },
): Promise<boolean> {
  const error = failure.error.slice(0, 500);
  return sql.begin(async (tx) => {
    await tx`
      update webhook_deliveries set last_error = ${error},
        ${failure.retryAt ? tx`next_attempt_at = ${failure.retryAt}` : tx`status = 'failed'`}
      where id = ${delivery.id}`;
    const [hook]: [{ disabledNow: boolean }?] = await tx`
      update webhooks set failures = failures + 1, last_error = ${error},
        disabled_at = case when disabled_at is null and failures + 1 >= ${failure.disableAfter}
          then ${failure.now}::timestamptz else disabled_at end
      where id = ${delivery.webhookId}
      returning disabled_at = ${failure.now}::timestamptz as disabled_now`;
    return hook?.disabledNow ?? false;
  });
}

/**
 * Queues the time-based events due at `now`, once per webhook and subject (the `webhook_reminders`
 * ledger): `round.closing` for open rounds closing within `withinMs` that had longer than that when they
 * opened (a shorter round's "opened" message already says when it closes), and `session.tomorrow` for
 * sessions of cards on the board starting within `withinMs`, likewise set more than that ahead. Returns
 * how many deliveries it queued.
 */
export async function queueReminders(sql: Sql, now: Date, withinMs: number): Promise<number> {
  const horizon = new Date(now.getTime() + withinMs);
  const window = `${Math.round(withinMs / 1000)} seconds`;
  /**
   * Queues `event` for each (webhook, subject, payload) row of `due` the ledger has not seen, recording
   * it there in the same statement, so that a reminder goes out once however many ticks see it due.
   */
  const remindOnce = (event: WebhookEvent, due: ReturnType<Sql>) => sql`
    with due as (${due}), noted as (
      insert into webhook_reminders (webhook_id, subject)
      select webhook_id, subject from due
      on conflict do nothing
      returning webhook_id, subject
    )
    insert into webhook_deliveries (webhook_id, event, payload, next_attempt_at)
    select d.webhook_id, ${event}, d.payload, ${now} from due d join noted n using (webhook_id, subject)
    returning 1`;
  const rounds = await remindOnce(
    'round.closing',
    sql`
      select w.id as webhook_id, 'round:' || r.id as subject,
        jsonb_build_object('boardId', r.board_id, 'roundId', r.id, 'closesAt', r.closes_at) as payload
      from rounds r
      join webhooks w on w.board_id = r.board_id and w.disabled_at is null and 'round.closing' = any (w.events)
      where r.status = 'open' and r.closes_at > ${now} and r.closes_at <= ${horizon}
        and r.created_at < r.closes_at - ${window}::interval`,
  );
  const sessions = await remindOnce(
    'session.tomorrow',
    sql`
      select w.id as webhook_id, 'session:' || a.card_id || '@' || to_char(a.session_at at time zone 'UTC',
          'YYYY-MM-DD"T"HH24:MI:SS"Z"') as subject,
        jsonb_build_object('boardId', a.board_id, 'cardId', a.card_id, 'presenterId', a.presenter_id,
          'sessionAt', a.session_at) as payload
      from assignments a
      join board_cards c on c.board_id = a.board_id and c.card_id = a.card_id
      join webhooks w on w.board_id = a.board_id and w.disabled_at is null and 'session.tomorrow' = any (w.events)
      where a.session_at > ${now} and a.session_at <= ${horizon}
        and a.updated_at < a.session_at - ${window}::interval`,
  );
  return rounds.length + sessions.length;
}

/** Ledger rows and finished deliveries older than `before` are of no further use. */
export async function pruneDeliveries(sql: Sql, before: Date): Promise<void> {
  await sql`delete from webhook_deliveries where status <> 'pending' and created_at < ${before}`;
  await sql`delete from webhook_reminders where created_at < ${before}`;
}
