import type { ActivityEntry } from '#shared/schemas/activity.js';
import type { Paper } from '#shared/schemas/papers.js';

/**
 * Why votes, presenters and session feedback cannot change while the browser is offline: unlike board edits they are
 * not kept and sent later, so their controls wait for the network. Said once on the board screen
 * (the element with {@link OFFLINE_REASON_ID}), which the disabled controls name as their description.
 */
export const OFFLINE_REASON = 'Offline: votes, presenters and feedback can be changed again when you are back online.';
export const OFFLINE_REASON_ID = 'offline-reason';

/** "Vaswani et al. · 2017" for a card; what is known of it. */
export function cardByline(paper: Paper): string {
  const [first] = paper.authors;
  const author = first ? (paper.authors.length > 1 ? `${first} et al.` : first) : '';
  const year = paper.publishedAt ? String(new Date(paper.publishedAt).getUTCFullYear()) : '';
  return [author, year].filter(Boolean).join(' · ');
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const exact = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 7],
  ['week', 4.35],
  ['month', 12],
  ['year', Infinity],
];

/** "3 minutes ago", from a time in ms or an ISO string. */
export function timeAgo(time: number | string, now = Date.now()): string {
  let amount = (new Date(time).getTime() - now) / 1000;
  for (const [unit, size] of STEPS) {
    if (Math.abs(amount) < size) return relative.format(Math.round(amount), unit);
    amount /= size;
  }
  return '';
}

/** "Mar 3, 2026, 14:05" in my time zone, for tooltips. */
export function exactTime(time: number | string): string {
  return exact.format(new Date(time));
}

/** The value of a `datetime-local` input for an instant, in my time zone. */
export function toLocalInput(iso: string): string {
  const date = new Date(iso);
  const shifted = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return shifted.toISOString().slice(0, 16);
}

/** One sentence for an activity entry; `titleOf` names the card's paper. */
export function describeActivity(entry: ActivityEntry, titleOf: (cardId: string) => string | null): string {
  const who = entry.actorName ?? 'Someone';
  const title = entry.cardId ? titleOf(entry.cardId) : null;
  const what = title ? `“${title}”` : 'a card';
  const d = entry.details;
  switch (entry.kind) {
    case 'vote:cast':
      return `${who} voted for ${what}`;
    case 'vote:removed':
      return `${who} took back a vote on ${what}`;
    case 'member:joined':
      return `${who} joined the board`;
    case 'voting:changed':
      return `${who} changed how the board votes`;
    case 'assignment:set':
      return `${who} set a presenter for ${what}`;
    case 'assignment:removed':
      return `${who} cleared the presenter of ${what}`;
    case 'round:opened':
      return `${who} opened a ballot round`;
    case 'round:closed': {
      // At its deadline a round closes by itself: no actor.
      const winners = typeof d.winners === 'number' ? d.winners : 0;
      const by = entry.actorName ? ` (closed by ${entry.actorName})` : '';
      return `A ballot round closed with ${winners === 1 ? 'one winner' : `${winners} winners`}${by}`;
    }
    case 'poll:opened':
      return title ? `${who} asked when to meet for ${what}` : `${who} asked when to meet`;
    case 'poll:answered':
      return `${who} answered a scheduling poll`;
    case 'poll:picked':
      return title ? `${who} picked a time for ${what}` : `${who} picked a meeting time`;
    case 'session:attended':
      return d.attended === false ? `${who} missed the session on ${what}` : `${who} attended the session on ${what}`;
    case 'session:rated':
      return `${who} rated ${what}`;
    default:
      return describeBoardEdit(entry.kind, who, what, d);
  }
}

/** Kinds of edits to the board document (cards and comments), which the server derives from updates. */
function describeBoardEdit(kind: string, who: string, what: string, details: Record<string, unknown>): string {
  if (kind === 'card:added') return `${who} nominated ${what}`;
  if (kind === 'card:moved') return `${who} moved ${what}`;
  if (kind === 'card:removed') return `${who} removed ${what} from the board`;
  if (kind === 'comment:added') return details.replyTo ? `${who} replied on ${what}` : `${who} commented on ${what}`;
  return `${who} changed ${what}`;
}
