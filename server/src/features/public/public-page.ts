/**
 * The public syllabus page as HTML, rendered on the server: readable without JavaScript, every piece of
 * user text escaped (titles, names, descriptions, notes are text, never HTML). Times are written in UTC
 * inside `<time datetime>`; the small script at {@link LOCAL_TIMES_PATH} rewrites them into the
 * visitor's zone. Pure functions, no I/O.
 */
import { escapeHtml } from '#server/mail/html.js';
import { authorLine, utcText, type Syllabus, type SyllabusPaper, type SyllabusSession } from './syllabus.js';

/** Where the progressive-enhancement script is served (a path no slug can take: slugs are 3+ characters). */
export const LOCAL_TIMES_PATH = '/p/-/local-times.js';

/** The public page's own URLs. */
export function publicUrls(publicUrl: string, slug: string) {
  const page = new URL(`/p/${slug}`, publicUrl).toString();
  return { page, calendar: `${page}/calendar.ics`, atom: `${page}/feed.atom` };
}

const STYLE = `
:root{color-scheme:light dark;--fg:#1f2328;--muted:#656d76;--line:#d0d7de;--accent:#0969da;--bg:#fff}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;--line:#3d444d;--accent:#4493f8;--bg:#0d1117}}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:760px;margin:0 auto;padding:24px 16px 48px}
h1{font-size:1.75rem;margin:0 0 4px}h2{font-size:1.2rem;margin:32px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:1rem;margin:20px 0 4px}
a{color:var(--accent)}ul{list-style:none;padding:0;margin:0}li{padding:8px 0;border-bottom:1px solid var(--line)}
.muted,.meta{color:var(--muted);font-size:.9rem}.desc{white-space:pre-line}
.notes{margin:4px 0 0;font-size:.95rem}.notes summary{cursor:pointer;color:#555}.notes div{white-space:pre-wrap;overflow-wrap:anywhere;margin:4px 0 0}
footer{margin-top:32px;color:var(--muted);font-size:.85rem}
`;

function time(date: Date): string {
  return `<time datetime="${date.toISOString()}" data-local>${escapeHtml(utcText(date))}</time>`;
}

function paperTitle(paper: SyllabusPaper): string {
  const title = escapeHtml(paper.title);
  return paper.link ? `<a href="${escapeHtml(paper.link)}" rel="noopener">${title}</a>` : title;
}

function codeLinks(paper: SyllabusPaper): string {
  if (paper.codeLinks.length === 0) return '';
  const links = paper.codeLinks.map(
    (url, i) => `<a href="${escapeHtml(url)}" rel="noopener">code${i ? ` ${i + 1}` : ''}</a>`,
  );
  return ` · ${links.join(' · ')}`;
}

function paperItem(paper: SyllabusPaper): string {
  const authors = paper.authors.length ? escapeHtml(authorLine(paper.authors)) : '';
  const meta = authors || paper.codeLinks.length ? `<div class="meta">${authors}${codeLinks(paper)}</div>` : '';
  return `<li id="card-${escapeHtml(paper.cardId)}"><div>${paperTitle(paper)}</div>${meta}</li>`;
}

function sessionItem(session: SyllabusSession): string {
  // The Markdown source as text, escaped: members' writing never becomes markup here.
  const notes = session.notes
    ? `<details class="notes" open><summary>Notes</summary><div>${escapeHtml(session.notes)}</div></details>`
    : '';
  return (
    `<li><div>${paperTitle(session.paper)}</div>` +
    `<div class="meta">${time(session.at)} · presented by ${escapeHtml(session.presenterName)}${codeLinks(session.paper)}</div>` +
    `${notes}</li>`
  );
}

function list(items: string[], empty: string): string {
  return items.length ? `<ul>${items.join('')}</ul>` : `<p class="muted">${escapeHtml(empty)}</p>`;
}

/** A description short enough for link previews. */
function summary(s: Syllabus): string {
  const text = s.description.replace(/\s+/g, ' ').trim();
  if (text) return text.length > 200 ? `${text.slice(0, 199)}…` : text;
  const next = s.upcoming[0];
  return next ? `Next: ${next.paper.title} (${utcText(next.at)})` : `The reading list of ${s.name}.`;
}

const ICON =
  "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Crect x='2' y='1' " +
  "width='12' height='14' rx='2' fill='%232b5fd9'/%3E%3Cpath d='M5 5h6M5 8h6M5 11h4' stroke='white' " +
  "stroke-width='1.5'/%3E%3C/svg%3E";

/** The whole page. `publicUrl` is the app's base URL (for Open Graph and feed links). */
export function renderPublicPage(s: Syllabus, publicUrl: string): string {
  const urls = publicUrls(publicUrl, s.slug);
  const title = escapeHtml(s.name);
  const head = [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${title} · reading group syllabus</title>`,
    s.indexable ? '' : '<meta name="robots" content="noindex">',
    `<meta name="description" content="${escapeHtml(summary(s))}">`,
    `<meta property="og:title" content="${title}">`,
    `<meta property="og:description" content="${escapeHtml(summary(s))}">`,
    `<meta property="og:url" content="${escapeHtml(urls.page)}">`,
    '<meta property="og:type" content="website">',
    '<meta property="og:site_name" content="Paperboard">',
    // The app's icon (client/index.html), inline: without one, browsers ask for a /favicon.ico that is not there.
    `<link rel="icon" href="${ICON}">`,
    `<link rel="canonical" href="${escapeHtml(urls.page)}">`,
    `<link rel="alternate" type="application/atom+xml" title="${title}" href="${escapeHtml(urls.atom)}">`,
    `<style>${STYLE}</style>`,
    `<script src="${LOCAL_TIMES_PATH}" defer></script>`,
    '</head>',
  ].filter(Boolean);
  const readingList = s.readingList.map(
    (column) =>
      `<section><h3>${escapeHtml(column.title)}</h3>${list(column.papers.map(paperItem), 'Nothing here yet.')}</section>`,
  );
  const body = [
    '<body><main>',
    `<header><h1>${title}</h1>`,
    s.description.trim() ? `<p class="desc">${escapeHtml(s.description.trim())}</p>` : '',
    `<p class="muted" data-zone-note>Times are shown in UTC.</p></header>`,
    '<h2>Upcoming sessions</h2>',
    list(s.upcoming.map(sessionItem), 'No sessions are scheduled yet.'),
    '<h2>Reading list</h2>',
    readingList.length ? readingList.join('') : '<p class="muted">No papers are shown here yet.</p>',
    '<h2>Past sessions</h2>',
    list(s.past.map(sessionItem), 'No past sessions yet.'),
    '<footer>',
    `<a href="${escapeHtml(urls.calendar)}">Calendar (iCalendar)</a> · <a href="${escapeHtml(urls.atom)}">Atom feed</a>`,
    ' · Made with Paperboard</footer>',
    '</main></body></html>',
  ];
  return [...head, ...body].join('\n');
}

/** The page for an unknown or unpublished slug (no hint whether a board exists behind it). */
export function renderNotFoundPage(): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>Page not found</title><style>${STYLE}</style></head>`,
    '<body><main><h1>Page not found</h1><p class="muted">There is no public reading list at this address.</p></main></body></html>',
  ].join('\n');
}

/**
 * The progressive enhancement: every `<time data-local>` is rewritten in the visitor's zone, and the
 * note that says times are in UTC names the visitor's zone instead. Served as a file of its own, since
 * the app's Content-Security-Policy allows scripts from its origin only (no inline script).
 */
export const LOCAL_TIMES_SCRIPT = `'use strict';
(function () {
  var format = new Intl.DateTimeFormat(undefined, {
    weekday: 'short', day: 'numeric', month: 'short', year: 'numeric',
    hour: '2-digit', minute: '2-digit', timeZoneName: 'short'
  });
  var nodes = document.querySelectorAll('time[data-local]');
  for (var i = 0; i < nodes.length; i++) {
    var date = new Date(nodes[i].getAttribute('datetime'));
    if (isNaN(date.getTime())) continue;
    nodes[i].title = nodes[i].textContent;
    nodes[i].textContent = format.format(date);
  }
  var note = document.querySelector('[data-zone-note]');
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (note && zone) note.textContent = 'Times are shown in your time zone (' + zone + ').';
})();
`;
