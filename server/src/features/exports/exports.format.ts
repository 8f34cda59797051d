import type { Paper } from '#shared/schemas/papers.js';
import type { BoardExport, ExportFormat, ExportedCard } from '#shared/schemas/exports.js';

/** A rendered export: the body, its media type and the file extension of the download. */
interface RenderedExport {
  body: string;
  contentType: string;
  extension: string;
}

const year = (paper: Paper): string | null => paper.publishedAt?.slice(0, 4) ?? null;

/** `2030-03-04 17:30 UTC`, or an empty string. */
function sessionText(sessionAt: string | null): string {
  return sessionAt ? `${sessionAt.slice(0, 10)} ${sessionAt.slice(11, 16)} UTC` : '';
}

/** An average as shown to people: one decimal ("4.2", "4.0"). */
const oneDecimal = (value: number) => value.toFixed(1);

// ---- Markdown ----

/**
 * Escapes Markdown inline syntax so that titles and names print as written. Text never starts a line
 * here (it follows "- " or "## "), so block markers such as "1." or "+" need no escape.
 */
function markdownText(value: string): string {
  return value.replace(/\r\n|\r|\n/g, ' ').replace(/([\\`*_[\]<>|~$])/g, '\\$1');
}

function markdownCard(card: ExportedCard): string {
  const paper = card.paper;
  const title = paper ? markdownText(paper.title) : '_(paper not in the library)_';
  const link = paper?.url ?? (paper?.arxivId ? `https://arxiv.org/abs/${paper.arxivId}` : null);
  const parts = [link ? `[${title}](<${link.replace(/[<>]/g, encodeURIComponent)}>)` : `**${title}**`];
  if (paper && paper.authors.length) parts.push(markdownText(paper.authors.join(', ')));
  if (paper && year(paper)) parts.push(`(${year(paper)})`);
  const facts = [`${card.votes.dots} ${card.votes.dots === 1 ? 'vote' : 'votes'}`];
  if (card.presenter) facts.push(`presented by ${markdownText(card.presenter.name)}`);
  if (card.sessionAt) facts.push(`on ${sessionText(card.sessionAt)}`);
  const { attended, rating, interest } = card.feedback;
  if (attended > 0) facts.push(`${attended} attended`);
  if (rating.average !== null) {
    facts.push(`rated ${oneDecimal(rating.average)}/5 (${rating.count} ${rating.count === 1 ? 'rating' : 'ratings'})`);
  }
  if (interest.average !== null) facts.push(`interest ${oneDecimal(interest.average)}/5 (${interest.count})`);
  const item = `- ${parts.join(' — ')} · ${facts.join(', ')}`;
  return card.note ? `${item}\n\n${markdownNote(card.note)}\n` : item;
}

/**
 * A card's note under its list item: the note is Markdown already (headings, lists, code, math as
 * text), indented by the item's two columns so that it stays inside the item.
 */
function markdownNote(note: string): string {
  return note
    .replace(/\r\n?/g, '\n')
    .replace(/^(?:[ \t]*\n)+/, '')
    .trimEnd()
    .split('\n')
    .map((line) => (line === '' ? '' : `  ${line}`))
    .join('\n');
}

function renderMarkdown(data: BoardExport): string {
  const lines = [`# ${markdownText(data.board.name)}`, '', `_Exported ${data.exportedAt}_`];
  for (const column of data.columns) {
    lines.push('', `## ${markdownText(column.title)}`, '');
    if (column.cards.length === 0) lines.push('_No papers._');
    lines.push(...column.cards.map(markdownCard));
  }
  return lines.join('\n') + '\n';
}

// ---- CSV (RFC 4180) ----

/**
 * One CSV field: quoted when it holds a comma, a double quote or a line break; quotes doubled. Text that
 * starts like a formula (`=`, `+`, `-`, `@`, tab, carriage return) gets a leading `'`, so that a
 * spreadsheet shows it instead of running it (OWASP, "CSV Injection"); numbers are left as they are.
 */
function csvField(value: string | number | null): string {
  let text = value === null ? '' : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const CSV_HEADER = [
  'column',
  'title',
  'authors',
  'year',
  'arxiv_id',
  'doi',
  'url',
  'voters',
  'votes',
  'presenter',
  'session_at',
  'card_id',
  'attended',
  'rating_average',
  'ratings',
  'interest_average',
  'interest_ratings',
];

function renderCsv(data: BoardExport): string {
  const rows = [CSV_HEADER];
  for (const column of data.columns) {
    for (const card of column.cards) {
      const p = card.paper;
      rows.push(
        [
          column.title,
          p?.title ?? '',
          p?.authors.join('; ') ?? '',
          p ? (year(p) ?? '') : '',
          p?.arxivId ?? '',
          p?.doi ?? '',
          p?.url ?? '',
          String(card.votes.voters),
          String(card.votes.dots),
          card.presenter?.name ?? '',
          card.sessionAt ?? '',
          card.cardId,
          card.feedback.attended,
          card.feedback.rating.average,
          card.feedback.rating.count,
          card.feedback.interest.average,
          card.feedback.interest.count,
        ].map(csvField),
      );
    }
  }
  return rows.map((r) => r.join(',')).join('\r\n') + '\r\n';
}

// ---- BibTeX ----

const LATEX_SPECIALS: Record<string, string> = {
  '\\': '\\textbackslash{}',
  '{': '\\{',
  '}': '\\}',
  '&': '\\&',
  '%': '\\%',
  $: '\\$',
  '#': '\\#',
  _: '\\_',
  '~': '\\textasciitilde{}',
  '^': '\\textasciicircum{}',
};

/** Escapes the characters LaTeX treats specially; other Unicode is written as is (UTF-8). */
function latexText(value: string): string {
  return value.replace(/\r\n|\r|\n/g, ' ').replace(/[\\{}&%$#_~^]/g, (c) => LATEX_SPECIALS[c]);
}

/**
 * A URL or DOI, which BibTeX reads verbatim: only unbalanced braces (or a backslash before one) could
 * break the entry, so those three are percent-encoded.
 */
function bibVerbatim(value: string): string {
  return value.replace(/[\\{}]/g, (c) => encodeURIComponent(c));
}

/** An author for the `author` field: braced when the name itself holds "and" or a comma. */
function bibAuthor(name: string): string {
  const text = latexText(name);
  return /\band\b|,/i.test(name) ? `{${text}}` : text;
}

function asciiWord(value: string): string {
  return (
    value
      .normalize('NFKD')
      .replace(/[^A-Za-z0-9\s]/g, '')
      .trim()
      .split(/\s+/)[0]
      ?.toLowerCase() ?? ''
  );
}

/** Citation keys like `vaswani2017attention`, unique within the export (-2, -3… appended on clashes). */
function citationKey(paper: Paper, taken: Set<string>): string {
  const surname = asciiWord(paper.authors[0]?.split(/\s+/).at(-1) ?? '') || 'paper';
  const word =
    paper.title
      .split(/\s+/)
      .map(asciiWord)
      .find((w) => w.length > 3) ?? '';
  const base = `${surname}${year(paper) ?? ''}${word}` || 'paper';
  let key = base;
  for (let i = 2; taken.has(key); i++) key = `${base}-${i}`;
  taken.add(key);
  return key;
}

function bibEntry(paper: Paper, key: string): string {
  const fields: [string, string][] = [['title', `{${latexText(paper.title)}}`]];
  if (paper.authors.length) fields.push(['author', `{${paper.authors.map(bibAuthor).join(' and ')}}`]);
  const y = year(paper);
  if (y) fields.push(['year', `{${y}}`]);
  if (paper.arxivId) fields.push(['eprint', `{${bibVerbatim(paper.arxivId)}}`], ['archivePrefix', '{arXiv}']);
  if (paper.doi) fields.push(['doi', `{${bibVerbatim(paper.doi)}}`]);
  if (paper.url) fields.push(['url', `{${bibVerbatim(paper.url)}}`]);
  return `@article{${key},\n${fields.map(([name, value]) => `  ${name} = ${value}`).join(',\n')}\n}`;
}

/** One entry per paper of the board (a paper on two cards once); cards without a stored paper are left out. */
function renderBibtex(data: BoardExport): string {
  const seen = new Set<string>();
  const keys = new Set<string>();
  const entries: string[] = [];
  for (const card of data.columns.flatMap((c) => c.cards)) {
    if (!card.paper || seen.has(card.paper.id)) continue;
    seen.add(card.paper.id);
    entries.push(bibEntry(card.paper, citationKey(card.paper, keys)));
  }
  return `% ${latexText(data.board.name)}: exported from Paperboard on ${data.exportedAt}\n\n${entries.join('\n\n')}\n`;
}

/** Renders the reading list in one of the export formats. */
export function renderExport(data: BoardExport, format: ExportFormat): RenderedExport {
  switch (format) {
    case 'markdown':
      return { body: renderMarkdown(data), contentType: 'text/markdown; charset=utf-8', extension: 'md' };
    case 'csv':
      return { body: renderCsv(data), contentType: 'text/csv; charset=utf-8; header=present', extension: 'csv' };
    case 'bibtex':
      return { body: renderBibtex(data), contentType: 'application/x-bibtex; charset=utf-8', extension: 'bib' };
    case 'json':
      return { body: JSON.stringify(data, null, 2), contentType: 'application/json; charset=utf-8', extension: 'json' };
  }
}

/** The download's file name: the board name in ASCII, e.g. `reading-group.bib`. */
export function exportFileName(boardName: string, extension: string): string {
  const slug = boardName
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .toLowerCase()
    .slice(0, 60);
  return `${slug || 'board'}.${extension}`;
}
