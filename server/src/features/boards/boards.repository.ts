import type postgres from 'postgres';
import type { Sql } from '#server/db/sql.js';
import type { BoardSummary, Invite, Meeting, MeetingFrequency, Member, Role } from '#shared/schemas/boards.js';
import { minuteOfDay, timeOfDay } from '#server/features/schedule/meeting-slots.js';

/** The meeting columns of `boards`, all null when the board has no regular meeting. */
interface MeetingColumns {
  meetingWeekday: number | null;
  meetingMinute: number | null;
  meetingTimeZone: string | null;
  meetingFrequency: MeetingFrequency | null;
  meetingStartsOn: string | null;
}

interface BoardRow extends MeetingColumns {
  id: string;
  name: string;
  description: string;
  role: Role;
  memberCount: number;
  createdAt: Date;
  updatedAt: Date;
}

const meetingColumns = (sql: Sql | postgres.TransactionSql) => sql`
  b.meeting_weekday, b.meeting_minute, b.meeting_time_zone, b.meeting_frequency,
  b.meeting_starts_on::text as meeting_starts_on`;

function toMeeting(row: MeetingColumns): Meeting | null {
  const { meetingWeekday, meetingMinute, meetingTimeZone, meetingFrequency, meetingStartsOn } = row;
  if (meetingWeekday === null || meetingMinute === null || meetingTimeZone === null) return null;
  if (meetingFrequency === null || meetingStartsOn === null) return null;
  return {
    weekday: meetingWeekday,
    time: timeOfDay(meetingMinute),
    timeZone: meetingTimeZone,
    frequency: meetingFrequency,
    startsOn: meetingStartsOn,
  };
}

function toSummary(row: BoardRow): BoardSummary {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    role: row.role,
    memberCount: row.memberCount,
    meeting: toMeeting(row),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** The role of a user on a board, or null when not a member (or no such board). */
export async function findRole(sql: Sql, userId: string, boardId: string): Promise<Role | null> {
  const [row]: [{ role: Role }?] = await sql`
    select role from board_members where board_id = ${boardId} and user_id = ${userId}`;
  return row?.role ?? null;
}

/** Creates a board with its creator as owner and its initial document update, in one transaction. */
export async function insertBoard(
  sql: Sql,
  input: { name: string; description: string; ownerId: string; initialUpdate: Uint8Array },
): Promise<string> {
  return sql.begin(async (tx) => {
    const [board]: [{ id: string }] = await tx`
      insert into boards (name, description, created_by)
      values (${input.name}, ${input.description}, ${input.ownerId}) returning id`;
    await tx`insert into board_members (board_id, user_id, role) values (${board.id}, ${input.ownerId}, 'owner')`;
    await tx`insert into board_updates (board_id, update) values (${board.id}, ${Buffer.from(input.initialUpdate)})`;
    return board.id;
  });
}

const summaryColumns = (sql: Sql) => sql`
  b.id, b.name, b.description, m.role, b.created_at, b.updated_at, ${meetingColumns(sql)},
  (select count(*)::int from board_members bm where bm.board_id = b.id) as member_count`;

/** The boards a user belongs to, most recently updated first. */
export async function listBoardsOf(sql: Sql, userId: string): Promise<BoardSummary[]> {
  const rows = await sql<BoardRow[]>`
    select ${summaryColumns(sql)}
    from boards b join board_members m on m.board_id = b.id and m.user_id = ${userId}
    order by b.updated_at desc, b.id`;
  return rows.map(toSummary);
}

/** One board as seen by a member. */
export async function findBoardFor(sql: Sql, userId: string, boardId: string): Promise<BoardSummary | null> {
  const [row]: [BoardRow?] = await sql`
    select ${summaryColumns(sql)}
    from boards b join board_members m on m.board_id = b.id and m.user_id = ${userId}
    where b.id = ${boardId}`;
  return row ? toSummary(row) : null;
}

/** Members of a board, owners first. */
export async function listMembers(sql: Sql, boardId: string): Promise<Member[]> {
  const rows = await sql<{ userId: string; name: string; email: string; role: Role; joinedAt: Date }[]>`
    select m.user_id, u.name, u.email, m.role, m.joined_at
    from board_members m join users u on u.id = m.user_id
    where m.board_id = ${boardId}
    order by case m.role when 'owner' then 0 when 'editor' then 1 else 2 end, u.name, m.user_id`;
  return rows.map((r) => ({ ...r, joinedAt: r.joinedAt.toISOString() }));
}

/** A board's regular meeting, or null when it has none (or there is no such board). */
export async function findMeeting(sql: Sql | postgres.TransactionSql, boardId: string): Promise<Meeting | null> {
  const [row]: [MeetingColumns?] = await sql`select ${meetingColumns(sql)} from boards b where b.id = ${boardId}`;
  return row ? toMeeting(row) : null;
}

/** Changes name, description and/or meeting (`null` clears it; left out, it stays). */
export async function updateBoard(
  sql: Sql,
  boardId: string,
  changes: { name?: string; description?: string; meeting?: Meeting | null },
): Promise<void> {
  const { meeting } = changes;
  await sql`
    update boards set
      name = coalesce(${changes.name ?? null}, name),
      description = coalesce(${changes.description ?? null}, description),
      ${
        meeting === undefined
          ? sql``
          : sql`
      meeting_weekday = ${meeting?.weekday ?? null},
      meeting_minute = ${meeting ? minuteOfDay(meeting.time) : null},
      meeting_time_zone = ${meeting?.timeZone ?? null},
      meeting_frequency = ${meeting?.frequency ?? null},
      meeting_starts_on = ${meeting?.startsOn ?? null}::date,`
      }
      updated_at = now()
    where id = ${boardId}`;
}

/** Deletes a board; everything that belongs to it goes with it (foreign keys cascade). */
export async function deleteBoard(sql: Sql, boardId: string): Promise<void> {
  await sql`delete from boards where id = ${boardId}`;
}

/** Outcome of a membership change that must keep at least one owner. */
type MembershipChange = 'ok' | 'not_member' | 'last_owner';

/**
 * Sets a member's role, or removes the member (`role` null), refusing to leave the board without an
 * owner. The owners are locked first so that two owners demoting each other at once cannot both win.
 */
export async function changeMembership(
  sql: Sql,
  boardId: string,
  userId: string,
  role: Role | null,
): Promise<MembershipChange> {
  return sql.begin(async (tx) => {
    const owners = await tx<{ userId: string }[]>`
      select user_id from board_members where board_id = ${boardId} and role = 'owner' for update`;
    const [current]: [{ role: Role }?] = await tx`
      select role from board_members where board_id = ${boardId} and user_id = ${userId} for update`;
    if (!current) return 'not_member';
    if (current.role === 'owner' && role !== 'owner' && owners.length === 1) return 'last_owner';
    if (role === null) {
      await tx`delete from board_members where board_id = ${boardId} and user_id = ${userId}`;
    } else {
      await tx`update board_members set role = ${role} where board_id = ${boardId} and user_id = ${userId}`;
    }
    await tx`update boards set updated_at = now() where id = ${boardId}`;
    return 'ok';
  });
}

interface InviteRow {
  id: string;
  role: 'editor' | 'viewer';
  createdAt: Date;
  expiresAt: Date;
  maxUses: number | null;
  uses: number;
  revokedAt: Date | null;
}

function toInvite(row: InviteRow): Invite {
  return {
    id: row.id,
    role: row.role,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
    maxUses: row.maxUses,
    uses: row.uses,
    revoked: row.revokedAt !== null,
  };
}

/** Stores an invitation under the hash of its token. */
export async function insertInvite(
  sql: Sql,
  input: {
    boardId: string;
    tokenHash: Buffer;
    role: 'editor' | 'viewer';
    createdBy: string;
    expiresAt: Date;
    maxUses: number | null;
  },
): Promise<Invite> {
  const [row]: [InviteRow] = await sql`
    insert into board_invites (board_id, token_hash, role, created_by, expires_at, max_uses)
    values (${input.boardId}, ${input.tokenHash}, ${input.role}, ${input.createdBy}, ${input.expiresAt}, ${input.maxUses})
    returning id, role, created_at, expires_at, max_uses, uses, revoked_at`;
  return toInvite(row);
}

/** Invitations of a board, newest first. */
export async function listInvites(sql: Sql, boardId: string): Promise<Invite[]> {
  const rows = await sql<InviteRow[]>`
    select id, role, created_at, expires_at, max_uses, uses, revoked_at
    from board_invites where board_id = ${boardId} order by created_at desc, id`;
  return rows.map(toInvite);
}

/** Revokes an invitation of this board; false if there is no such invitation on it. */
export async function revokeInvite(sql: Sql, boardId: string, inviteId: string): Promise<boolean> {
  const rows = await sql`
    update board_invites set revoked_at = coalesce(revoked_at, now())
    where id = ${inviteId} and board_id = ${boardId} returning id`;
  return rows.length > 0;
}

/** What an invite token leads to, with its state. */
export async function findInviteByToken(sql: Sql, tokenHash: Buffer) {
  const [row]: [(InviteRow & { boardId: string; boardName: string; invitedBy: string | null })?] = await sql`
    select i.id, i.role, i.created_at, i.expires_at, i.max_uses, i.uses, i.revoked_at, i.board_id,
           b.name as board_name, u.name as invited_by
    from board_invites i join boards b on b.id = i.board_id left join users u on u.id = i.created_by
    where i.token_hash = ${tokenHash}`;
  return row ? { ...toInvite(row), boardId: row.boardId, boardName: row.boardName, invitedBy: row.invitedBy } : null;
}

/** Why an invitation could not be used. */
type AcceptOutcome =
  | { status: 'joined' | 'already_member'; boardId: string; role: Role }
  | { status: 'not_found' | 'revoked' | 'expired' | 'used_up' };

/**
 * Uses an invitation: checks it under a row lock (so `maxUses` holds under concurrent accepts), adds
 * the member, counts the use. An existing member keeps their role and uses nothing.
 */
export async function acceptInvite(sql: Sql, tokenHash: Buffer, userId: string): Promise<AcceptOutcome> {
  return sql.begin(async (tx) => {
    const [invite]: [(InviteRow & { boardId: string })?] = await tx`
      select id, board_id, role, expires_at, max_uses, uses, revoked_at, created_at
      from board_invites where token_hash = ${tokenHash} for update`;
    if (!invite) return { status: 'not_found' };
    const [member]: [{ role: Role }?] = await tx`
      select role from board_members where board_id = ${invite.boardId} and user_id = ${userId}`;
    if (member) return { status: 'already_member', boardId: invite.boardId, role: member.role };
    if (invite.revokedAt) return { status: 'revoked' };
    if (invite.expiresAt.getTime() <= Date.now()) return { status: 'expired' };
    if (invite.maxUses !== null && invite.uses >= invite.maxUses) return { status: 'used_up' };
    await tx`insert into board_members (board_id, user_id, role) values (${invite.boardId}, ${userId}, ${invite.role})`;
    await tx`update board_invites set uses = uses + 1 where id = ${invite.id}`;
    return { status: 'joined', boardId: invite.boardId, role: invite.role };
  });
}
