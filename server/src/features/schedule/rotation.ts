/**
 * Fair presenter rotation (issue #18): who should present next, and why. Pure: the repository reads the
 * facts (`schedule.repository.ts#suggestPresenter`), this ranks them, so the rule is tested on fixtures.
 *
 * The rule, in order:
 * 1. Members who answered "no" for the suggested session's slot in a poll of the board are ranked last
 *    ("not available").
 * 2. Members active lately come before the others: active means they attended one of the board's last
 *    {@link ACTIVE_WINDOW_SESSIONS} past sessions, or voted, cast a ballot or answered a poll on the board
 *    since the earliest of those sessions. With no past session yet, or when nobody is active, everyone
 *    counts as active (the reasons say so). Inactive members are ranked, not dropped.
 * 3. Then the fewest sessions presented on the board (past and upcoming; the card being suggested for
 *    left out, so asking again for an assigned card gives the same answer),
 * 4. then the least recent latest session (members who never presented first),
 * 5. then by name, then by id: the same facts always give the same ranking.
 */

/** How many of the board's latest past sessions make up "lately" for activity. */
export const ACTIVE_WINDOW_SESSIONS = 4;

/** At most this many members are listed in a suggestion's ranking. */
export const RANKING_SHOWN = 20;

export interface RotationMember {
  id: string;
  name: string;
}

/** One assignment of the board: a card's presenter and session. */
export interface RotationSession {
  cardId: string;
  presenterId: string;
  sessionAt: Date;
}

export interface RotationInput {
  /** The card a presenter is suggested for: its own assignment does not count as a turn. */
  cardId: string;
  now: Date;
  members: readonly RotationMember[];
  /** Every assignment of the board (cards removed since included: their presenters did present). */
  sessions: readonly RotationSession[];
  /** Who said they attended which card's session (`session_feedback.attended`). */
  attended: readonly { cardId: string; userId: string }[];
  /** Each member's latest vote, ballot or poll answer on the board (members with none left out). */
  lastParticipation: readonly { userId: string; at: Date }[];
  /** Members who answered "no" for the suggested session's slot. */
  unavailable: readonly string[];
  /** The suggested session, or null when there is none (then nobody is known to be unavailable). */
  sessionAt: Date | null;
}

export interface RankedMember {
  presenter: RotationMember;
  sessions: number;
  lastSessionAt: Date | null;
  active: boolean;
  available: boolean;
  reason: string;
}

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** A span in words, as people say it: "3 days", "6 weeks", "4 months", "2 years". */
export function spanText(ms: number): string {
  const span = Math.abs(ms);
  if (span < 2 * DAY) return span < DAY ? 'less than a day' : '1 day';
  if (span < 2 * WEEK) return plural(Math.floor(span / DAY), 'day');
  if (span < 9 * WEEK) return plural(Math.floor(span / WEEK), 'week');
  if (span < 365 * DAY) return plural(Math.max(2, Math.floor(span / (30 * DAY))), 'month');
  return plural(Math.floor(span / (365 * DAY)), 'year');
}

/** "never presented", "last presented 6 weeks ago", "presents in 3 days", with the count past one. */
function historyText(sessions: number, last: Date | null, now: Date): string {
  if (!last || sessions === 0) return 'never presented';
  const gap = now.getTime() - last.getTime();
  const when = gap >= 0 ? `last presented ${spanText(gap)} ago` : `presents in ${spanText(gap)}`;
  return sessions > 1 ? `${when} (${plural(sessions, 'session')})` : when;
}

/** The board's past sessions that make up "lately": the latest {@link ACTIVE_WINDOW_SESSIONS}, by time. */
export function activeWindow(sessions: readonly RotationSession[], now: Date): RotationSession[] {
  return sessions
    .filter((s) => s.sessionAt.getTime() <= now.getTime())
    .sort((a, b) => b.sessionAt.getTime() - a.sessionAt.getTime() || (a.cardId < b.cardId ? -1 : 1))
    .slice(0, ACTIVE_WINDOW_SESSIONS);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Ranks the members for presenting the card, best first, each with the reason in words. */
export function rankPresenters(input: RotationInput): RankedMember[] {
  const { now } = input;
  const window = activeWindow(input.sessions, now);
  const windowCards = new Set(window.map((s) => s.cardId));
  const windowStart = window.at(-1)?.sessionAt ?? null;
  const activeIds = new Set<string>();
  if (windowStart) {
    for (const row of input.attended) if (windowCards.has(row.cardId)) activeIds.add(row.userId);
    for (const row of input.lastParticipation) {
      if (row.at.getTime() >= windowStart.getTime()) activeIds.add(row.userId);
    }
  }
  const memberIds = new Set(input.members.map((m) => m.id));
  const anyActive = [...activeIds].some((id) => memberIds.has(id));
  // Why everyone counts as active, when they do.
  const everyone = !windowStart
    ? 'no past sessions yet, so everyone counts as active'
    : !anyActive
      ? `nobody was active in the last ${ACTIVE_WINDOW_SESSIONS} sessions, so everyone counts as active`
      : null;
  const unavailable = new Set(input.sessionAt ? input.unavailable : []);

  const ranked = input.members.map((member): RankedMember & { lastTime: number } => {
    const turns = input.sessions.filter((s) => s.presenterId === member.id && s.cardId !== input.cardId);
    const lastTime = Math.max(-Infinity, ...turns.map((s) => s.sessionAt.getTime()));
    const lastSessionAt = turns.length ? new Date(lastTime) : null;
    const active = everyone !== null || activeIds.has(member.id);
    const available = !unavailable.has(member.id);
    const parts = [historyText(turns.length, lastSessionAt, now)];
    if (!active) parts.push(`not active in the last ${ACTIVE_WINDOW_SESSIONS} sessions`);
    if (input.sessionAt) parts.push(available ? 'available' : 'not available');
    return {
      presenter: { id: member.id, name: member.name },
      sessions: turns.length,
      lastSessionAt,
      active,
      available,
      reason: `${member.name} — ${parts.join(', ')}${everyone ? ` (${everyone})` : ''}`,
      lastTime,
    };
  });

  ranked.sort(
    (a, b) =>
      Number(b.available) - Number(a.available) ||
      Number(b.active) - Number(a.active) ||
      a.sessions - b.sessions ||
      (a.lastTime === b.lastTime ? 0 : a.lastTime < b.lastTime ? -1 : 1) ||
      compareText(a.presenter.name, b.presenter.name) ||
      compareText(a.presenter.id, b.presenter.id),
  );
  return ranked.map(({ lastTime: _, ...member }) => member);
}
