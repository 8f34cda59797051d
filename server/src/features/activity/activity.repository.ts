import type { Querier, Sql } from '#server/db/sql.js';
import type { ActivityEntry, ActivityKind } from '#shared/schemas/activity.js';

interface ActivityRow {
  id: string;
  boardId: string;
  actorId: string | null;
  actorName: string | null;
  kind: ActivityKind;
  cardId: string | null;
  details: Record<string, unknown>;
  createdAt: Date;
}

function toEntry(row: ActivityRow): ActivityEntry {
  return { ...row, createdAt: row.createdAt.toISOString() };
}

/** What a caller records; the id and time are the database's. */
export interface NewActivity {
  boardId: string;
  /** Null for what the server does on its own (a round closed at its deadline). */
  actorId: string | null;
  kind: ActivityKind;
  cardId?: string | null;
  details?: Record<string, string | number | boolean | null>;
}

/** Appends one entry (inside the caller's transaction when given one) and returns it as the API shows it. */
export async function recordActivity(sql: Querier, entry: NewActivity): Promise<ActivityEntry> {
  const [row] = await sql<ActivityRow[]>`
    with inserted as (
      insert into activity (board_id, actor_id, kind, card_id, details)
      values (${entry.boardId}, ${entry.actorId}, ${entry.kind}, ${entry.cardId ?? null}, ${sql.json(entry.details ?? {})})
      returning *
    )
    select i.id::text as id, i.board_id, i.actor_id, u.name as actor_name, i.kind, i.card_id, i.details, i.created_at
    from inserted i left join users u on u.id = i.actor_id`;
  return toEntry(row);
}

/**
 * Appends several entries in one statement, in the given order (ids increase along the array), and
 * returns them as the API shows them. Used for the entries the sync server derives from one or more
 * document transactions; the entries travel as one JSON parameter.
 */
export async function recordActivities(sql: Querier, entries: NewActivity[]): Promise<ActivityEntry[]> {
  if (entries.length === 0) return [];
  const rows = entries.map((entry) => ({
    boardId: entry.boardId,
    actorId: entry.actorId,
    kind: entry.kind,
    cardId: entry.cardId ?? null,
    details: entry.details ?? {},
  }));
  return (
    await sql<ActivityRow[]>`
      with inserted as (
        insert into activity (board_id, actor_id, kind, card_id, details)
        select (e.value->>'boardId')::uuid, (e.value->>'actorId')::uuid, e.value->>'kind', e.value->>'cardId',
          e.value->'details'
        from jsonb_array_elements(${sql.json(rows)}) with ordinality as e(value, n)
        order by e.n
        returning *
      )
      select i.id::text as id, i.board_id, i.actor_id, u.name as actor_name, i.kind, i.card_id, i.details, i.created_at
      from inserted i left join users u on u.id = i.actor_id
      order by i.id`
  ).map(toEntry);
}

/** A board's entries newest first, strictly older than `before` (an entry id) when given. */
export async function listActivity(
  sql: Sql,
  boardId: string,
  page: { limit: number; before: string | null },
): Promise<{ items: ActivityEntry[]; nextBefore: string | null }> {
  const rows = await sql<ActivityRow[]>`
    select a.id::text as id, a.board_id, a.actor_id, u.name as actor_name, a.kind, a.card_id, a.details, a.created_at
    from activity a left join users u on u.id = a.actor_id
    where a.board_id = ${boardId} ${page.before ? sql`and a.id < ${page.before}::bigint` : sql``}
    order by a.id desc
    limit ${page.limit + 1}`;
  const items = rows.slice(0, page.limit).map(toEntry);
  return { items, nextBefore: rows.length > page.limit ? items[items.length - 1].id : null };
}
