/** Where a signed-in visitor goes when nothing asked for a particular page. */
export const HOME_SIGNED_IN = '/boards';

/**
 * Where to go after signing in: the `next` parameter of `search` when it is a path on this site (never
 * another origin, and never back to a sign-in page), otherwise the boards list.
 */
export function nextPath(search: string): string {
  const next = new URLSearchParams(search).get('next');
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return HOME_SIGNED_IN;
  if (/^\/(login|signup)(\/|\?|#|$)/.test(next)) return HOME_SIGNED_IN;
  return next;
}

/** A link to `page` ('/login' or '/signup') that comes back to `next` afterwards. */
export function authHref(page: '/login' | '/signup', next: string | null): string {
  return next && next !== HOME_SIGNED_IN ? `${page}?next=${encodeURIComponent(next)}` : page;
}
