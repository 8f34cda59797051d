/**
 * The public syllabus of a board as a plain value: what the page, the Atom feed and the iCalendar feed
 * show, built from the shown columns only. Pure functions, no I/O.
 */
import type { PublicCard, PublicColumn, PublishedBoard } from './public.repository.js';

/** A paper as a stranger sees it: links are http(s) only (a `javascript:` URL in the library never reaches a page). */
export interface SyllabusPaper {
  cardId: string;
  title: string;
  authors: string[];
  link: string | null;
  codeLinks: string[];
  addedAt: Date;
}

/** A session of a shown card. */
export interface SyllabusSession {
  paper: SyllabusPaper;
  presenterName: string;
  at: Date;
  updatedAt: Date;
  /** The note the owner made public (Markdown source, shown as text), past sessions only; null when none. */
  notes: string | null;
}

/** Everything a public page shows. */
export interface Syllabus {
  boardId: string;
  name: string;
  description: string;
  slug: string;
  indexable: boolean;
  /** Soonest first. */
  upcoming: SyllabusSession[];
  /** Latest first. */
  past: SyllabusSession[];
  readingList: { columnId: string; title: string; papers: SyllabusPaper[] }[];
}

/** The URL if it is an absolute http(s) URL, else null. */
export function safeUrl(raw: string | null | undefined): string | null {
  if (!raw) return null;
  try {
    const url = new URL(raw);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.toString() : null;
  } catch {
    return null;
  }
}

/** Where a reader finds the paper: its own URL, else arXiv, else the DOI resolver. */
function paperLink(card: PublicCard): string | null {
  return (
    safeUrl(card.url) ??
    (card.arxivId ? `https://arxiv.org/abs/${encodeURIComponent(card.arxivId).replace(/%2F/g, '/')}` : null) ??
    (card.doi ? `https://doi.org/${card.doi}` : null)
  );
}

function toPaper(card: PublicCard): SyllabusPaper {
  return {
    cardId: card.cardId,
    title: card.title,
    authors: card.authors,
    link: paperLink(card),
    codeLinks: card.codeUrls.map(safeUrl).filter((u): u is string => u !== null),
    addedAt: card.addedAt,
  };
}

/** Builds the syllabus at `now`; `notes` maps card ids to their public notes. */
export function buildSyllabus(
  board: PublishedBoard,
  data: { columns: PublicColumn[]; cards: PublicCard[] },
  notes: Map<string, string>,
  now: Date,
): Syllabus {
  const sessions: SyllabusSession[] = data.cards
    .filter((c) => c.sessionAt !== null && c.presenterName !== null)
    .map((c) => ({
      paper: toPaper(c),
      presenterName: c.presenterName!,
      at: c.sessionAt!,
      updatedAt: c.sessionUpdatedAt ?? c.sessionAt!,
      // Notes are what was said at a session: an upcoming one shows none, even if some were written.
      notes: c.sessionAt!.getTime() < now.getTime() ? (notes.get(c.cardId) ?? null) : null,
    }))
    .sort((a, b) => a.at.getTime() - b.at.getTime() || a.paper.cardId.localeCompare(b.paper.cardId));
  return {
    boardId: board.boardId,
    name: board.name,
    description: board.description,
    slug: board.slug,
    indexable: board.indexable,
    upcoming: sessions.filter((s) => s.at.getTime() >= now.getTime()),
    past: sessions.filter((s) => s.at.getTime() < now.getTime()).reverse(),
    readingList: data.columns.map((column) => ({
      columnId: column.columnId,
      title: column.title,
      papers: data.cards.filter((c) => c.columnId === column.columnId).map(toPaper),
    })),
  };
}

/** The authors as a short line: up to three, then "et al.". */
export function authorLine(authors: string[]): string {
  if (authors.length <= 3) return authors.join(', ');
  return `${authors.slice(0, 3).join(', ')} et al.`;
}

const UTC_FORMAT = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'UTC',
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

/** A session time as text in UTC ("Tue, 4 Mar 2031, 18:00 UTC"), what a page without JavaScript shows. */
export function utcText(date: Date): string {
  return `${UTC_FORMAT.format(date)} UTC`;
}
