import type { Ballot, Round, RoundMethodName } from '#shared/schemas/rounds.js';

/** A round's method as the page names it. */
export const METHOD_LABELS: Record<RoundMethodName, string> = {
  ranked: 'Ranked choice',
  approval: 'Approval',
  dots: 'Dots',
};

/** How long before now a new round closes unless the owner says otherwise. */
export const DEFAULT_DAYS_OPEN = 3;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The time left until `closesAt`, in words: "2 d 5 h left", "3 h 20 min left", "4 min left", "closing…". */
export function countdown(closesAt: string, now: number): string {
  const left = Date.parse(closesAt) - now;
  if (left <= 0) return 'closing…';
  if (left >= DAY) {
    const days = Math.floor(left / DAY);
    const hours = Math.floor((left % DAY) / HOUR);
    return hours > 0 ? `${days} d ${hours} h left` : `${days} d left`;
  }
  if (left >= HOUR) {
    const hours = Math.floor(left / HOUR);
    const minutes = Math.floor((left % HOUR) / MINUTE);
    return minutes > 0 ? `${hours} h ${minutes} min left` : `${hours} h left`;
  }
  return `${Math.max(1, Math.ceil(left / MINUTE))} min left`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `at` as the value of an `<input type="datetime-local">`: "YYYY-MM-DDTHH:mm" in the browser's zone. */
export function localDateTimeValue(at: Date): string {
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
}

/** The default closing time: {@link DEFAULT_DAYS_OPEN} days from `now`, on the hour, in the browser's zone. */
export function defaultClosingValue(now: number): string {
  const at = new Date(now + DEFAULT_DAYS_OPEN * DAY);
  at.setMinutes(0, 0, 0);
  return localDateTimeValue(at);
}

/** A `datetime-local` value (the browser's zone) as an ISO instant, or null when it is not a time. */
export function instantOf(value: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return null;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? null : at.toISOString();
}

/** The fields of the "Open a round" form a refusal can name. */
export type RoundField = 'candidates' | 'method' | 'closesAt' | 'winners' | 'moveWinnersTo' | 'dotsPerMember';
const FIELDS: readonly RoundField[] = ['candidates', 'method', 'closesAt', 'winners', 'moveWinnersTo', 'dotsPerMember'];

/** The form field a server message such as "body/closesAt must be in the future" names, or null. */
export function fieldOfMessage(message: string): RoundField | null {
  const match = /^body\/([A-Za-z]+)/.exec(message);
  const field = match?.[1] as RoundField | undefined;
  return field && FIELDS.includes(field) ? field : null;
}

/** A refusal naming a field as the form says it beside that field: "Must be in the future." */
export function fieldErrorText(message: string): string {
  const text = message.replace(/^body\/\S+ /, '');
  const capitalised = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(capitalised) ? capitalised : `${capitalised}.`;
}

/** Rounds as the page lists them: open ones first (closing soonest first), then closed ones, newest first. */
export function listOrder(rounds: readonly Round[]): Round[] {
  const open = rounds.filter((r) => r.status === 'open').sort((a, b) => a.closesAt.localeCompare(b.closesAt));
  const closed = rounds
    .filter((r) => r.status === 'closed')
    .sort((a, b) => (b.closedAt ?? b.createdAt).localeCompare(a.closedAt ?? a.createdAt));
  return [...open, ...closed];
}

/** `items` with the one at `index` moved by `delta` places (kept within the list); a new array. */
export function moved<T>(items: readonly T[], index: number, delta: number): T[] {
  const to = Math.min(items.length - 1, Math.max(0, index + delta));
  const copy = [...items];
  const [item] = copy.splice(index, 1);
  copy.splice(to, 0, item);
  return copy;
}

/** One counting round of a closed round as the results table shows it. */
export interface CountRow {
  /** The candidates still counted, most votes first (ties in candidate order). */
  tallies: { cardId: string; votes: number }[];
  eliminated: string[];
  /**
   * Where the eliminated candidates' votes went in the next count: the gains of the candidates still
   * running, most first, and the ballots that ranked nobody still running (`exhausted`). Null when
   * nobody was eliminated after this count (it elected a winner) or no count follows.
   */
  transfers: { gains: { cardId: string; votes: number }[]; exhausted: number } | null;
}

/** A tally sorted most votes first, ties in candidate (board) order. */
export function sortedTally(tallies: Record<string, number>, candidates: readonly string[]): CountRow['tallies'] {
  const rank = (id: string) => {
    const i = candidates.indexOf(id);
    return i < 0 ? candidates.length : i;
  };
  return Object.entries(tallies)
    .map(([cardId, votes]) => ({ cardId, votes }))
    .sort((a, b) => b.votes - a.votes || rank(a.cardId) - rank(b.cardId));
}

/**
 * The counts of a closed round as rows, with vote transfers computed from consecutive counts' tallies:
 * a candidate's gain from one count to the next came from the eliminated ones, and what the eliminated
 * held beyond those gains went to nobody (ballots that ranked no one still running).
 */
export function countRows(round: Pick<Round, 'candidates' | 'result'>): CountRow[] {
  const counts = round.result?.rounds ?? [];
  return counts.map((count, i) => {
    const next = counts[i + 1];
    const tallies = sortedTally(count.tallies, round.candidates);
    if (count.eliminated.length === 0 || !next) return { tallies, eliminated: count.eliminated, transfers: null };
    const gains = sortedTally(
      Object.fromEntries(
        Object.entries(next.tallies).map(([id, votes]) => [id, votes - (count.tallies[id] ?? 0)] as const),
      ),
      round.candidates,
    ).filter((gain) => gain.votes > 0);
    const released = count.eliminated.reduce((sum, id) => sum + (count.tallies[id] ?? 0), 0);
    const moved = gains.reduce((sum, gain) => sum + gain.votes, 0);
    return { tallies, eliminated: count.eliminated, transfers: { gains, exhausted: Math.max(0, released - moved) } };
  });
}

/** A ballot in words, with `title` naming each card: "A › B", "A, B" or "A 3, B 1"; "(empty)" for none. */
export function ballotText(ballot: Ballot, title: (cardId: string) => string): string {
  let parts: string[];
  if ('ranking' in ballot) parts = [ballot.ranking.map(title).join(' › ')].filter(Boolean);
  else if ('approve' in ballot) parts = ballot.approve.map(title);
  else
    parts = Object.entries(ballot.dots)
      .filter(([, n]) => n > 0)
      .sort((a, b) => b[1] - a[1])
      .map(([id, n]) => `${title(id)} ${n}`);
  return parts.length > 0 ? parts.join(', ') : '(empty)';
}
