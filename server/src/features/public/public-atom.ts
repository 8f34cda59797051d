/**
 * The public syllabus as an Atom feed (RFC 4287): one entry per session (upcoming and past) and one per
 * paper of the reading list, newest change first. Built with fast-xml-parser's XMLBuilder (already a
 * dependency for reading feeds), which escapes text and attributes. Pure functions, no I/O.
 */
import { XMLBuilder } from 'fast-xml-parser';
import { authorLine, utcText, type Syllabus, type SyllabusPaper, type SyllabusSession } from './syllabus.js';
import { publicUrls } from './public-page.js';

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: true });

/** Characters XML 1.0 does not allow at all (a title pasted from a PDF may hold some). */
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;
const text = (value: string) => value.replace(NOT_XML, '');

interface Entry {
  id: string;
  title: string;
  updated: Date;
  link: string;
  summary: string;
}

/**
 * Entry ids are tag URIs (RFC 4151) on the app's host: stable across renames, unique across boards and
 * across an entry's kinds (a card's session and its place in the reading list are two entries).
 */
function tagId(host: string, boardId: string, rest: string): string {
  return `tag:${host},2025:paperboard/${boardId}/${rest}`;
}

function paperSummary(paper: SyllabusPaper): string {
  return [paper.authors.length ? authorLine(paper.authors) : '', paper.link ?? '', ...paper.codeLinks]
    .filter(Boolean)
    .join(' · ');
}

function sessionEntry(
  s: Syllabus,
  host: string,
  page: string,
  session: SyllabusSession,
  when: 'upcoming' | 'past',
): Entry {
  const notes = session.notes ? `\n\n${session.notes}` : '';
  return {
    id: tagId(host, s.boardId, `${session.paper.cardId}/session`),
    title: `${when === 'upcoming' ? 'Session' : 'Past session'}: ${session.paper.title}`,
    updated: session.updatedAt,
    link: `${page}#card-${session.paper.cardId}`,
    summary: `${utcText(session.at)}, presented by ${session.presenterName}. ${paperSummary(session.paper)}${notes}`,
  };
}

/** The feed's XML. `now` stands in for `updated` when the syllabus is empty. */
export function renderAtom(s: Syllabus, publicUrl: string, now: Date): string {
  const urls = publicUrls(publicUrl, s.slug);
  const host = new URL(publicUrl).hostname;
  const entries: Entry[] = [
    ...s.upcoming.map((session) => sessionEntry(s, host, urls.page, session, 'upcoming')),
    ...s.past.map((session) => sessionEntry(s, host, urls.page, session, 'past')),
    ...s.readingList.flatMap((column) =>
      column.papers.map((paper) => ({
        id: tagId(host, s.boardId, `${paper.cardId}/paper`),
        title: `${column.title}: ${paper.title}`,
        updated: paper.addedAt,
        link: paper.link ?? `${urls.page}#card-${paper.cardId}`,
        summary: paperSummary(paper),
      })),
    ),
  ].sort((a, b) => b.updated.getTime() - a.updated.getTime() || a.id.localeCompare(b.id));
  const updated = entries.length ? entries[0].updated : now;
  const feed = {
    '?xml': { '@_version': '1.0', '@_encoding': 'utf-8' },
    feed: {
      '@_xmlns': 'http://www.w3.org/2005/Atom',
      id: tagId(host, s.boardId, 'syllabus'),
      title: text(s.name),
      ...(s.description.trim() ? { subtitle: text(s.description.trim()) } : {}),
      updated: updated.toISOString(),
      author: { name: text(s.name) },
      link: [
        { '@_rel': 'self', '@_type': 'application/atom+xml', '@_href': urls.atom },
        { '@_rel': 'alternate', '@_type': 'text/html', '@_href': urls.page },
      ],
      generator: 'Paperboard',
      entry: entries.map((e) => ({
        id: e.id,
        title: { '@_type': 'text', '#text': text(e.title) },
        updated: e.updated.toISOString(),
        link: { '@_rel': 'alternate', '@_href': e.link },
        summary: { '@_type': 'text', '#text': text(e.summary) },
      })),
    },
  };
  return builder.build(feed) as string;
}
