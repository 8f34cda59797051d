import type { BOARD_LIMITS, ROLES, Role } from '#shared/schemas/boards.js';

// The shared schema's values, checked against it by the compiler: importing them as values would put
// all of TypeBox (some 60 kB) in the client bundle.

/** Longest board name and description, longest invite validity in days, most uses of an invite. */
export const LIMITS: typeof BOARD_LIMITS = { name: 100, description: 2000, inviteDays: 90, inviteUses: 1000 };
/** The roles, most powerful first. */
export const ALL_ROLES: typeof ROLES = ['owner', 'editor', 'viewer'];

/** How a role is named on screen. */
export const ROLE_LABELS: Record<Role, string> = { owner: 'Owner', editor: 'Editor', viewer: 'Viewer' };

/** What each role may do, in a sentence (mirrors the server's authorization module). */
export const ROLE_EXPLANATIONS: Record<Role, string> = {
  owner:
    'Everything an editor can, plus managing members and invite links, choosing how the board votes, and deleting the board.',
  editor:
    'Nominates and moves papers, votes, comments, assigns presenters and edits the board’s name, description and meeting time.',
  viewer: 'Follows the board: sees its papers, votes, discussions and schedule, without changing them.',
};

/** "an editor", "a viewer": for sentences such as "Join … as an editor". */
export function withArticle(role: Role): string {
  return `${role === 'owner' || role === 'editor' ? 'an' : 'a'} ${role}`;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** "Mar 3, 2026" */
export function formatDate(iso: string): string {
  return dateFormat.format(new Date(iso));
}

/** "Mar 3, 2026, 14:05": for tooltips. */
export function formatDateTime(iso: string): string {
  return dateTimeFormat.format(new Date(iso));
}

/** Initials for an avatar: first letters of the first two words of a name. */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  return words
    .slice(0, 2)
    .map((w) => w.charAt(0).toUpperCase())
    .join('');
}
