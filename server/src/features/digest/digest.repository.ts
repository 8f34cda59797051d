import type postgres from 'postgres';
import type { Querier } from '#server/db/sql.js';
import type { MailList } from '#shared/schemas/digest.js';

/** What a user gets when they never saved digest settings. */
export const DEFAULT_SUBSCRIPTION = { enabled: false, hour: 8, timeZone: 'UTC', reminders: true } as const;

/** A saved subscription row. */
interface SubscriptionRow {
  enabled: boolean;
  hour: number;
  timeZone: string;
  reminders: boolean;
  changedAt: Date;
}

/** The user's saved digest settings, or null when never saved. */
export async function findSubscription(sql: Querier, userId: string): Promise<SubscriptionRow | null> {
  const [row]: [SubscriptionRow?] = await sql`
    select enabled, hour, time_zone, reminders, changed_at from digest_subscriptions where user_id = ${userId}`;
  return row ?? null;
}

/**
 * Saves the settings. `changed_at` moves only when the schedule itself changes (on/off, hour, zone):
 * a slot earlier than it is not owed, so re-saving the same settings does not postpone anything.
 */
export async function saveSubscription(
  sql: Querier,
  userId: string,
  s: { enabled: boolean; hour: number; timeZone: string; reminders?: boolean },
): Promise<SubscriptionRow> {
  const [row]: [SubscriptionRow] = await sql`
    insert into digest_subscriptions as d (user_id, enabled, hour, time_zone, reminders)
    values (${userId}, ${s.enabled}, ${s.hour}, ${s.timeZone}, ${s.reminders ?? DEFAULT_SUBSCRIPTION.reminders})
    on conflict (user_id) do update set
      enabled = excluded.enabled,
      hour = excluded.hour,
      time_zone = excluded.time_zone,
      reminders = coalesce(${s.reminders ?? null}::boolean, d.reminders),
      changed_at = case
        when (d.enabled, d.hour, d.time_zone) is distinct from (excluded.enabled, excluded.hour, excluded.time_zone)
        then now() else d.changed_at end
    returning enabled, hour, time_zone, reminders, changed_at`;
  return row;
}

/** Turns one list off for a user; false when the user does not exist (any more). */
export async function unsubscribe(sql: Querier, userId: string, list: MailList): Promise<boolean> {
  const digest = list === 'digest';
  // A new row: the digest off either way; reminders stay on only when the digest is what is left.
  const rows = await sql`
    insert into digest_subscriptions as d (user_id, enabled, reminders)
    select id, false, ${digest}::boolean from users where id = ${userId}
    on conflict (user_id) do update set
      enabled = case when ${digest}::boolean then false else d.enabled end,
      reminders = case when ${digest}::boolean then d.reminders else false end
    returning user_id`;
  return rows.length > 0;
}

/** A user with the digest on, and where their digests stand. */
export interface DigestCandidate {
  userId: string;
  email: string;
  name: string;
  hour: number;
  timeZone: string;
  changedAt: Date;
  /** The local day of the latest digest that was not a failure, as `YYYY-MM-DD`. */
  lastDay: string | null;
  /** What the latest digest covered; the next one shows what is newer. */
  lastCoveredUntil: Date | null;
}

/** Everyone with the digest on. */
export async function digestCandidates(sql: Querier): Promise<DigestCandidate[]> {
  return sql<DigestCandidate[]>`
    select s.user_id, u.email, u.name, s.hour, s.time_zone, s.changed_at,
      last.last_day, last.last_covered_until
    from digest_subscriptions s
    join users u on u.id = s.user_id
    left join lateral (
      select max(d.local_day)::text as last_day, max(d.covered_until) as last_covered_until
      from mail_deliveries d
      where d.user_id = s.user_id and d.kind = 'digest' and d.status <> 'failed'
    ) last on true
    where s.enabled
    -- one order on every node, so that claims racing without the lock cannot deadlock
    order by s.user_id`;
}

/**
 * Claims the mail of `kind` for the user's `localDay`: inserts the ledger row, or takes over a failed
 * one that may be retried. Returns the row id, or null when the mail is someone else's (already
 * claimed, sent, skipped, or failed too often). The unique key makes this safe across processes.
 */
export async function claimDelivery(
  sql: Querier,
  c: {
    userId: string;
    kind: 'digest' | 'reminder';
    localDay: string;
    now: Date;
    retryBefore: Date;
    maxAttempts: number;
  },
): Promise<string | null> {
  const [row]: [{ id: string }?] = await sql`
    insert into mail_deliveries as d (user_id, kind, local_day, covered_until, claimed_at)
    values (${c.userId}, ${c.kind}, ${c.localDay}, ${c.now}, ${c.now})
    on conflict (user_id, kind, local_day) do update set
      status = 'claimed', attempts = d.attempts + 1, covered_until = excluded.covered_until,
      claimed_at = excluded.claimed_at, error = null
    where d.status = 'failed' and d.attempts < ${c.maxAttempts} and d.claimed_at < ${c.retryBefore}
    returning id::text`;
  return row?.id ?? null;
}

/** Marks a claimed mail as handed to the transport. */
export async function markSent(sql: Querier, id: string, messageId: string): Promise<void> {
  await sql`update mail_deliveries set status = 'sent', sent_at = now(), message_id = ${messageId} where id = ${id}`;
}

/** Marks a claimed digest as not sent because nothing was new. */
export async function markSkipped(sql: Querier, id: string): Promise<void> {
  await sql`update mail_deliveries set status = 'skipped' where id = ${id}`;
}

/** Marks a claimed mail as refused by the transport (retried by a later run). */
export async function markFailed(sql: Querier, id: string, error: string): Promise<void> {
  await sql`update mail_deliveries set status = 'failed', error = ${error.slice(0, 500)} where id = ${id}`;
}

/** A presenter's session that may need a reminder. */
export interface ReminderCandidate {
  boardId: string;
  boardName: string;
  cardId: string;
  paperTitle: string | null;
  presenterId: string;
  email: string;
  name: string;
  sessionAt: Date;
  hour: number;
  timeZone: string;
}

/**
 * Sessions starting after `now` and no later than `until` whose presenter wants reminders and was not
 * reminded yet (a reminder whose mail failed does not count). Cards no longer on their board are left
 * out, as in the schedule.
 */
export async function reminderCandidates(sql: Querier, now: Date, until: Date): Promise<ReminderCandidate[]> {
  return sql<ReminderCandidate[]>`
    select a.board_id, b.name as board_name, a.card_id, p.title as paper_title, a.presenter_id,
      u.email, u.name, a.session_at,
      coalesce(s.hour, ${DEFAULT_SUBSCRIPTION.hour}) as hour,
      coalesce(s.time_zone, ${DEFAULT_SUBSCRIPTION.timeZone}) as time_zone
    from assignments a
    join board_cards c on c.board_id = a.board_id and c.card_id = a.card_id
    join boards b on b.id = a.board_id
    join users u on u.id = a.presenter_id
    left join papers p on p.id = c.paper_id
    left join digest_subscriptions s on s.user_id = a.presenter_id
    where a.session_at > ${now} and a.session_at <= ${until}
      and coalesce(s.reminders, true)
      and not exists (
        select 1 from presenter_reminders r join mail_deliveries d on d.id = r.delivery_id
        where r.board_id = a.board_id and r.card_id = a.card_id and r.presenter_id = a.presenter_id
          and r.session_at = a.session_at and d.status <> 'failed')
    order by a.session_at, a.card_id`;
}

/** Records which sessions a claimed reminder covers (re-pointed when a failed reminder is retried). */
export async function recordReminders(
  sql: Querier,
  deliveryId: string,
  sessions: { boardId: string; cardId: string; presenterId: string; sessionAt: Date }[],
): Promise<void> {
  if (sessions.length === 0) return;
  await sql`
    insert into presenter_reminders (board_id, card_id, presenter_id, session_at, delivery_id)
    select s.board_id, s.card_id, s.presenter_id, s.session_at, ${deliveryId}::bigint
    from jsonb_to_recordset(${sql.json(
      sessions.map((s) => ({
        board_id: s.boardId,
        card_id: s.cardId,
        presenter_id: s.presenterId,
        session_at: s.sessionAt.toISOString(),
      })),
    )})
      as s(board_id uuid, card_id text, presenter_id uuid, session_at timestamptz)
    on conflict (board_id, card_id, presenter_id, session_at) do update set delivery_id = excluded.delivery_id`;
}

/** A card added to one of the user's boards. */
interface NominationRow {
  boardId: string;
  boardName: string;
  cardId: string;
  paperId: string;
  title: string;
  authors: string[];
  addedByName: string | null;
  addedAt: Date;
}

/** Papers put on the user's boards in (`since`, `until`], newest first, at most `limit`; and how many in all. */
export async function newNominations(
  sql: Querier,
  userId: string,
  since: Date,
  until: Date,
  limit: number,
): Promise<{ rows: NominationRow[]; total: number }> {
  const rows = await sql<(NominationRow & { total: number })[]>`
    select c.board_id, b.name as board_name, c.card_id, p.id as paper_id, p.title, p.authors, adder.name as added_by_name,
      c.added_at, count(*) over ()::int as total
    from board_cards c
    join board_members m on m.board_id = c.board_id and m.user_id = ${userId}
    join boards b on b.id = c.board_id
    join papers p on p.id = c.paper_id
    left join users adder on adder.id::text = c.added_by
    where c.added_at > ${since} and c.added_at <= ${until}
    order by c.added_at desc, c.card_id
    limit ${limit}`;
  return { rows, total: rows[0]?.total ?? 0 };
}

/** A session on one of the user's boards. */
interface UpcomingSessionRow {
  boardId: string;
  boardName: string;
  cardId: string;
  paperTitle: string | null;
  presenterName: string;
  sessionAt: Date;
}

/** Sessions on the user's boards in (`from`, `until`], soonest first. */
export async function upcomingSessions(
  sql: Querier,
  userId: string,
  from: Date,
  until: Date,
): Promise<UpcomingSessionRow[]> {
  return sql<UpcomingSessionRow[]>`
    select a.board_id, b.name as board_name, a.card_id, p.title as paper_title, u.name as presenter_name, a.session_at
    from assignments a
    join board_members m on m.board_id = a.board_id and m.user_id = ${userId}
    join board_cards c on c.board_id = a.board_id and c.card_id = a.card_id
    join boards b on b.id = a.board_id
    join users u on u.id = a.presenter_id
    left join papers p on p.id = c.paper_id
    where a.session_at > ${from} and a.session_at <= ${until}
    order by a.session_at, b.name, a.card_id
    limit 50`;
}

/** An open ballot round on one of the user's boards that closes soon. */
interface ClosingRoundRow {
  boardId: string;
  boardName: string;
  roundId: string;
  closesAt: Date;
  candidates: number;
  /** Whether the user has a ballot in it. */
  voted: boolean;
}

/**
 * Open ballot rounds closing in (`from`, `until`] on boards where the user may vote (editor, owner),
 * soonest first.
 */
export async function roundsClosingSoon(
  sql: Querier,
  userId: string,
  from: Date,
  until: Date,
): Promise<ClosingRoundRow[]> {
  return sql<ClosingRoundRow[]>`
    select r.board_id, b.name as board_name, r.id as round_id, r.closes_at,
      cardinality(r.candidates) as candidates,
      exists (select 1 from ballots x where x.round_id = r.id and x.user_id = ${userId}) as voted
    from rounds r
    join board_members m on m.board_id = r.board_id and m.user_id = ${userId} and m.role <> 'viewer'
    join boards b on b.id = r.board_id
    where r.status = 'open' and r.closes_at > ${from} and r.closes_at <= ${until}
    order by r.closes_at, b.name, r.id
    limit 20`;
}

/**
 * What changed on the user's boards in (`since`, `until`] besides nominations: votes cast (trending
 * moved) and sessions set or moved. A digest with none of these and no nomination is not sent.
 */
export async function changesSince(
  sql: Querier,
  userId: string,
  since: Date,
  until: Date,
): Promise<{ votes: number; assignments: number }> {
  const [row]: [{ votes: number; assignments: number }] = await sql`
    select
      (select count(*)::int from votes v
       join board_members m on m.board_id = v.board_id and m.user_id = ${userId}
       where v.created_at > ${since} and v.created_at <= ${until}) as votes,
      (select count(*)::int from assignments a
       join board_members m on m.board_id = a.board_id and m.user_id = ${userId}
       where a.updated_at > ${since} and a.updated_at <= ${until}) as assignments`;
  return row;
}

/**
 * For each paper, its card on the user's board it was most recently put on, and its votes across the
 * user's boards.
 */
export async function papersOnMyBoards(
  sql: Querier,
  userId: string,
  paperIds: string[],
): Promise<Map<string, { boardId: string; boardName: string; cardId: string; votes: number }>> {
  if (paperIds.length === 0) return new Map();
  const rows = await sql<{ paperId: string; boardId: string; boardName: string; cardId: string; votes: number }[]>`
    select distinct on (c.paper_id) c.paper_id, c.board_id, b.name as board_name, c.card_id,
      (select coalesce(sum(v.dots), 0)::int from votes v
       join board_cards vc on vc.board_id = v.board_id and vc.card_id = v.card_id
       join board_members vm on vm.board_id = v.board_id and vm.user_id = ${userId}
       where vc.paper_id = c.paper_id) as votes
    from board_cards c
    join board_members m on m.board_id = c.board_id and m.user_id = ${userId}
    join boards b on b.id = c.board_id
    where c.paper_id = any(${paperIds}::uuid[])
    order by c.paper_id, c.added_at desc`;
  return new Map(
    rows.map((r) => [r.paperId, { boardId: r.boardId, boardName: r.boardName, cardId: r.cardId, votes: r.votes }]),
  );
}

/**
 * Takes the mail job's advisory lock until the transaction ends: waiting for it, or trying once (false
 * when another session holds it).
 */
export async function takeJobLock(tx: postgres.TransactionSql, key: number, wait: boolean): Promise<boolean> {
  if (wait) {
    await tx`select pg_advisory_xact_lock(${key})`;
    return true;
  }
  const [row]: [{ locked: boolean }] = await tx`select pg_try_advisory_xact_lock(${key}) as locked`;
  return row.locked;
}
