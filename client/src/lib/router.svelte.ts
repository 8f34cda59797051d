import { isUuid } from '#shared/protocol/uuid.js';

/** The pages of the client, with the parameters their paths carry. */
export type Route =
  | { name: 'library' }
  | { name: 'login' }
  | { name: 'signup' }
  | { name: 'boards' }
  | { name: 'board'; boardId: string; cardId: string | null }
  | { name: 'members'; boardId: string }
  | { name: 'schedule'; boardId: string }
  | { name: 'rounds'; boardId: string }
  | { name: 'board-settings'; boardId: string }
  | { name: 'invite'; token: string }
  | { name: 'paper'; paperId: string }
  | { name: 'settings' }
  | { name: 'forgot' }
  | { name: 'reset' }
  | { name: 'not-found' };

const INVITE_TOKEN = /^[A-Za-z0-9_-]{16,128}$/;

/** The route a path names; ids that cannot be valid lead to `not-found` rather than to a failing request. */
export function matchRoute(pathname: string): Route {
  let parts: string[];
  try {
    parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return { name: 'not-found' };
  }
  const [first, second, third] = parts;
  if (parts.length === 0) return { name: 'library' };
  if (parts.length === 1 && (first === 'login' || first === 'signup' || first === 'boards' || first === 'settings')) {
    return { name: first };
  }
  if (first === 'boards' && isUuid(second ?? '')) {
    if (parts.length === 2) return { name: 'board', boardId: second, cardId: null };
    if (parts.length === 4 && third === 'cards' && parts[3].length <= 200) {
      return { name: 'board', boardId: second, cardId: parts[3] };
    }
    if (parts.length === 3 && third === 'members') return { name: 'members', boardId: second };
    if (parts.length === 3 && third === 'schedule') return { name: 'schedule', boardId: second };
    if (parts.length === 3 && third === 'rounds') return { name: 'rounds', boardId: second };
    if (parts.length === 3 && third === 'settings') return { name: 'board-settings', boardId: second };
  }
  // Any id: the paper page says plainly that a malformed or unknown one names no paper.
  if (first === 'papers' && parts.length === 2) return { name: 'paper', paperId: second };
  // The reset link carries its token in the fragment, which the page reads; the path is all that routes.
  if (parts.length === 1 && (first === 'forgot' || first === 'reset')) return { name: first };
  if (first === 'invite' && parts.length === 2 && INVITE_TOKEN.test(second)) return { name: 'invite', token: second };
  return { name: 'not-found' };
}

/** Pages that only make sense signed in; the app sends signed-out visitors to the login page first. */
export function needsAccount(route: Route): boolean {
  return ['boards', 'board', 'members', 'schedule', 'rounds', 'board-settings', 'invite', 'settings'].includes(
    route.name,
  );
}

/**
 * Client-side navigation over the history API. Same-origin `<a href>` clicks become `navigate` calls
 * (modified clicks still open tabs), and back/forward update `path`. Pages may change the query string
 * themselves with `history.pushState` (the library does); only path changes concern the router.
 */
export class Router {
  /** The current `location.pathname`. */
  path = $state(window.location.pathname);
  /** Bumped by every navigation that should show a fresh page (the app keys its page on it). */
  visit = $state(0);
  route: Route = $derived(matchRoute(this.path));

  /** Shows `href` (a path, or a URL on this origin) and adds a history entry unless `replace`. */
  navigate(href: string, options: { replace?: boolean } = {}): void {
    const target = resolve(href);
    if (target.origin !== window.location.origin) {
      window.location.assign(target.href);
      return;
    }
    if (options.replace) window.history.replaceState(null, '', target.path);
    else window.history.pushState(null, '', target.path);
    const samePage = samePageOf(this.route, matchRoute(target.pathname));
    this.path = target.pathname;
    if (samePage) return;
    this.visit++;
    if (!options.replace) window.scrollTo({ top: 0 });
  }

  /** Starts following links and back/forward; returns the function that stops it. */
  start(): () => void {
    const onPopState = () => {
      if (window.location.pathname === this.path) return;
      const samePage = samePageOf(this.route, matchRoute(window.location.pathname));
      this.path = window.location.pathname;
      if (!samePage) this.visit++;
    };
    const onClick = (event: MouseEvent) => {
      const href = internalHref(event);
      if (href === null) return;
      event.preventDefault();
      this.navigate(href);
    };
    window.addEventListener('popstate', onPopState);
    document.addEventListener('click', onClick);
    return () => {
      window.removeEventListener('popstate', onPopState);
      document.removeEventListener('click', onClick);
    };
  }
}

/**
 * Whether going from one route to the other stays on the same page: opening and closing a card's panel
 * keeps the board (and its live connection) rather than building it anew.
 */
function samePageOf(from: Route, to: Route): boolean {
  return from.name === 'board' && to.name === 'board' && from.boardId === to.boardId;
}

/** `href` resolved against the current page: its origin, its pathname and the path with query and hash. */
function resolve(href: string): { href: string; origin: string; pathname: string; path: string } {
  const url = new URL(href, window.location.href);
  return {
    href: url.href,
    origin: url.origin,
    pathname: url.pathname,
    path: `${url.pathname}${url.search}${url.hash}`,
  };
}

/** The path a plain click on a link to another page of this app goes to, or null to let the browser act. */
function internalHref(event: MouseEvent): string | null {
  if (event.defaultPrevented || event.button !== 0) return null;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return null;
  const anchor = event.target instanceof Element ? event.target.closest('a') : null;
  if (!(anchor instanceof HTMLAnchorElement) || !anchor.href) return null;
  if ((anchor.target && anchor.target !== '_self') || anchor.hasAttribute('download')) return null;
  const target = resolve(anchor.href);
  if (target.origin !== window.location.origin || target.pathname.startsWith('/api/')) return null;
  // A jump within the page is the browser's job.
  const here = window.location;
  if (anchor.hash && target.pathname === here.pathname && anchor.search === here.search) return null;
  return target.path;
}

/** The app's one router. */
export const router = new Router();
