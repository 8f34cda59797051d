/** Where a signed-in visitor goes when nothing asked for a particular page. */
export const HOME_SIGNED_IN = '/boards';

/**
 * Where to go after signing in: the `next` parameter of `search` when, parsed the way the browser will
 * navigate to it (`new URL(next, origin)`), it stays on this origin and is not a sign-in page;
 * otherwise the boards list. Parsing is what decides: the URL parser drops tabs and newlines and reads
 * backslashes as slashes, so `/%09/evil.example` and `/\evil.example` name another host.
 */
export function nextPath(search: string, origin: string = window.location.origin): string {
  const next = new URLSearchParams(search).get('next');
  if (!next || !next.startsWith('/')) return HOME_SIGNED_IN;
  let url: URL;
  try {
    url = new URL(next, origin);
  } catch {
    return HOME_SIGNED_IN;
  }
  if (url.origin !== origin) return HOME_SIGNED_IN;
  if (/^\/(login|signup)(\/|$)/.test(url.pathname)) return HOME_SIGNED_IN;
  return `${url.pathname}${url.search}${url.hash}`;
}

/** A link to `page` ('/login' or '/signup') that comes back to `next` afterwards. */
export function authHref(page: '/login' | '/signup', next: string | null): string {
  return next && next !== HOME_SIGNED_IN ? `${page}?next=${encodeURIComponent(next)}` : page;
}
