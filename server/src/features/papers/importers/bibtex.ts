import { parse, type Creator, type Entry, type Library, type Options } from '@retorquere/bibtex-parser';
import { cleanText, normalizeArxivId, normalizeDoi } from '#server/features/papers/identifiers.js';
import { extractUrls } from './trending.js';
import type { ImporterOutput, ParsedLine, PaperDraft } from './types.js';

// Titles as written, not sentence-cased: the library shows them the way the authors cased them.
const PARSE_OPTIONS: Options = { sentenceCase: false, english: false, unsupported: dropUnknownCommand };

// Fields a crossref child may take from its parent. Identity fields (title, DOI, eprint, URL, abstract)
// belong to the proceedings volume, and inheriting them would make every paper of a volume look alike.
const INHERITABLE = new Set(['author', 'year', 'month', 'day', 'date', 'keywords']);

// The parser renders some LaTeX (\emph, \url, \textsc, \par) as HTML; a paper's fields are plain text.
// Literal "<" in the input never reaches here as "<" (LaTeX prints it as "¡"), so these are all markup.
const BLOCK_TAG = /<\/?(?:p|br|li|ul|ol|blockquote|h\d)\b[^>]*>/gi;
const INLINE_TAG = /<\/?(?:a|b|i|em|strong|code|span|sup|sub)\b[^>]*>/gi;

const ENTRY_START = /^@\s*([a-z]+)\s*[{(]\s*([^,\s})]*)/i;
const ARXIV_MENTION = /\barxiv:\s*(\S+)/i;
const ARXIV_DOI = /^10\.48550\/arxiv\.(.+)$/i;

/** Stands in for a LaTeX command the parser does not know: keep the text, lose the command. */
function dropUnknownCommand(_node: unknown, tex: string): string {
  return tex
    .replace(/\\(?:begin|end)\s*\{[^}]*\}/g, '')
    .replace(/\\[a-z@]+\*?/gi, '')
    .replace(/[{}]/g, '');
}

// The parser writes accents as combining marks ({\"u} as u + U+0308); text typed or pasted elsewhere is NFC.
// LaTeX puts accents on a dotless i or j ({\'\i}), which Unicode only composes from a plain i or j.
function plainText(value: string): string {
  const text = value.replace(BLOCK_TAG, ' ').replace(INLINE_TAG, '');
  return cleanText(
    text
      .replace(/ı(?=\p{M})/gu, 'i')
      .replace(/ȷ(?=\p{M})/gu, 'j')
      .normalize('NFC'),
  );
}

/** A string field of the entry, ignoring values it only inherited through a crossref. */
function own(entry: Entry, field: string): string | undefined {
  if (!INHERITABLE.has(field) && entry.crossref?.inherited.includes(field)) return undefined;
  const value: unknown = entry.fields[field];
  return typeof value === 'string' && value.trim() ? value : undefined;
}

function authorName(creator: Creator): string {
  if (creator.name) return plainText(creator.name);
  const suffix = creator.suffix ? ` ${creator.suffix}` : '';
  return plainText([creator.firstName, creator.prefix, creator.lastName].filter(Boolean).join(' ') + suffix);
}

function authors(entry: Entry): string[] {
  return (entry.fields.author ?? [])
    .filter((c) => !(c.lastName === 'others' && !c.firstName && !c.name))
    .map(authorName)
    .filter(Boolean);
}

function arxivIdFromText(text: string | undefined): string | null {
  const match = text && ARXIV_MENTION.exec(text);
  return match ? normalizeArxivId(match[1].replace(/[.,;:)\]]+$/, '')) : null;
}

function arxivId(entry: Entry): string | null {
  const eprint = own(entry, 'eprint');
  const archive = own(entry, 'archiveprefix') ?? own(entry, 'eprinttype');
  const fromEprint = eprint && (!archive || /arxiv/i.test(archive)) && normalizeArxivId(eprint);
  if (fromEprint) return fromEprint;
  const url = own(entry, 'url');
  const fromUrl = url && normalizeArxivId(url);
  if (fromUrl) return fromUrl;
  const doi = normalizeDoi(own(entry, 'doi') ?? '');
  const fromDoi = doi && ARXIV_DOI.exec(doi);
  if (fromDoi) return normalizeArxivId(fromDoi[1]);
  // Google Scholar writes `journal = {arXiv preprint arXiv:2401.01234}`, Zotero `note = {arXiv:2401.01234 [cs]}`,
  // DBLP `journal = {CoRR}, volume = {abs/2401.01234}`.
  for (const field of ['journal', 'note', 'howpublished']) {
    const id = arxivIdFromText(own(entry, field));
    if (id) return id;
  }
  const volume = own(entry, 'volume');
  if (own(entry, 'journal')?.trim() === 'CoRR' && volume?.startsWith('abs/')) return normalizeArxivId(volume.slice(4));
  return null;
}

function doi(entry: Entry): string | null {
  const field = own(entry, 'doi');
  if (field) return normalizeDoi(field);
  const url = own(entry, 'url');
  return url && /^(?:https?:\/\/)?(?:dx\.)?doi\.org\//i.test(url.trim()) ? normalizeDoi(url) : null;
}

function isoDate(year: number, month = 1, day = 1): string | null {
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return date.toISOString().slice(0, 10);
}

function monthNumber(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const text = value.trim().toLowerCase();
  if (/^\d{1,2}$/.test(text)) return Number(text);
  const index = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'].indexOf(
    text.slice(0, 3),
  );
  return index >= 0 ? index + 1 : undefined;
}

/**
 * The entry's date, as precise as it is written: "2019" for a year alone, "2019-03" with a month, a full
 * date with a day. The library shows a year-only date as the year, not as 1 January.
 */
function publishedAt(entry: Entry): string | null {
  // biblatex dates are ISO 8601, possibly truncated or a range; the start of the range counts.
  const date = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?/.exec(own(entry, 'date')?.trim() ?? '');
  const fromDate = date && isoDate(Number(date[1]), Number(date[2] ?? 1), Number(date[3] ?? 1));
  if (date && fromDate) return fromDate.slice(0, date[3] ? 10 : date[2] ? 7 : 4);
  const yearMatch = /\d{4}/.exec(own(entry, 'year') ?? '');
  if (!yearMatch) return null;
  const year = Number(yearMatch[0]);
  const month = monthNumber(own(entry, 'month'));
  const yearOnly = isoDate(year)?.slice(0, 4) ?? null;
  if (!month) return yearOnly;
  const day = Number(own(entry, 'day'));
  return (day ? isoDate(year, month, day) : null) ?? isoDate(year, month)?.slice(0, 7) ?? yearOnly;
}

function toDraft(entry: Entry): PaperDraft | string {
  const title = plainText(own(entry, 'title') ?? '');
  if (!title) return `entry ${entry.key || '(without a key)'} has no title: add one, as in title = {…},`;
  const links = [own(entry, 'url'), own(entry, 'howpublished'), own(entry, 'note')].map((v) => extractUrls(v ?? ''));
  return {
    title,
    abstract: plainText(own(entry, 'abstract') ?? ''),
    authors: authors(entry),
    arxivId: arxivId(entry),
    doi: doi(entry),
    url: links[0].url ?? links[1].url,
    codeUrls: [...new Set(links.flatMap((l) => l.codeUrls))],
    tags: (entry.fields.keywords ?? []).map(plainText).filter(Boolean),
    publishedAt: publishedAt(entry),
  };
}

const AT_LINE = / at line (\d+), column \d+$/;

/**
 * The parser's message in plain words: where the problem is and what to fix. People read these in the
 * import report next to the entry's first line; the place named here may be further down the entry.
 */
function plainReason(message: string): string {
  const at = AT_LINE.exec(message);
  const where = at ? ` on line ${at[1]}` : '';
  const text = at ? message.slice(0, at.index) : message;
  const mismatch = /^Token mismatch, expected "(.)", found "([\s\S]*)"\.{3}$/.exec(text);
  if (mismatch) {
    const found = mismatch[2].trimStart();
    const field = /^([a-z][\w-]*)\s*=/i.exec(found);
    if (field) return `a comma is missing before the field "${field[1]}"${where}: end each field with a comma`;
    if (found.startsWith('@')) return `the entry is not closed before the next one${where}: add the missing "}"`;
    if (!found) return `the entry is not closed at the end of the text: add the missing "${mismatch[1]}"`;
    return `unexpected text${where}: expected "${mismatch[1]}"`;
  }
  const equals = /^(\S+) = value expected, equals sign missing/.exec(text);
  if (equals) return `the field "${equals[1]}" has no "="${where}: write it as ${equals[1]} = {…},`;
  if (/^Unterminated brace-value/.test(text)) {
    return `a value opened with "{" is never closed (the text ends${where}): add the missing "}"`;
  }
  if (/^Unterminated quote-value/.test(text)) return `a quoted value is never closed${where}: add the missing '"'`;
  if (/^Unclosed math section/.test(text)) return `a "$" is not closed${where}: add the second "$" or write \\$`;
  if (/^Runaway key/.test(text)) return `the entry's key does not end${where}: put a comma after the key`;
  return `${text.trim()}${where}`;
}

/** Offsets at which lines start, with CRLF, CR and LF all ending a line. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (const match of text.matchAll(/\r\n|\r|\n/g)) starts.push(match.index + match[0].length);
  return starts;
}

function lineAt(starts: number[], offset: number): number {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (starts[mid] <= offset) low = mid;
    else high = mid - 1;
  }
  return low + 1;
}

/**
 * Reads BibTeX (or biblatex) entries with @retorquere/bibtex-parser, which decodes LaTeX to Unicode and
 * resolves @string macros and crossrefs. Each entry becomes a draft or an error on the line of its `@type{`;
 * an entry the parser cannot read does not affect the others. @string, @preamble and @comment are not
 * papers, and neither is a volume that other entries only crossref.
 */
export function parseBibtex(text: string): ImporterOutput {
  let library: Library;
  try {
    library = parse(text, PARSE_OPTIONS);
  } catch (err) {
    // Entries fail one by one, but a malformed @string or @preamble throws out of the whole parse.
    return { lines: [{ line: 1, error: `could not read the BibTeX: ${plainReason((err as Error).message)}` }] };
  }
  const starts = lineStarts(text);
  const taken = new Set<number>();
  // The parser gives each entry's source text; finding it in the input gives the entry's line. Searching on
  // from the previous find keeps this linear (entries come in input order); taken offsets keep identical
  // entries apart.
  let cursor = 0;
  const locate = (source: string): number => {
    let at = text.indexOf(source, cursor);
    if (at === -1 || taken.has(at)) {
      at = text.indexOf(source);
      while (at !== -1 && taken.has(at)) at = text.indexOf(source, at + 1);
    }
    if (at === -1) return 1;
    taken.add(at);
    cursor = at + source.length;
    return lineAt(starts, at);
  };

  const crossrefTargets = new Set(
    library.entries.flatMap((e) => (typeof e.fields.crossref === 'string' ? [e.fields.crossref.toLowerCase()] : [])),
  );
  const lines: ParsedLine[] = [];
  for (const entry of library.entries) {
    // An entry the parser gave up on is still listed, with no source; its error says what went wrong.
    if (!entry.input) continue;
    const line = locate(entry.input);
    if (crossrefTargets.has(entry.key.toLowerCase())) continue;
    const draft = toDraft(entry);
    lines.push(typeof draft === 'string' ? { line, error: draft } : { line, draft });
  }

  cursor = 0;
  for (const { error, input } of library.errors) {
    const source = input?.trimEnd() ?? '';
    const start = ENTRY_START.exec(source);
    // Other errors (an unknown @string, a name with too many commas) are warnings about entries still read.
    if (!start) continue;
    const reason = error
      .replace(`\n${source}`, '')
      .replace(/ in "[^"]*"$/, '')
      .trim();
    lines.push({ line: locate(source), error: `entry ${start[2] || '(without a key)'}: ${plainReason(reason)}` });
  }

  if (lines.length === 0) {
    return { lines: [{ line: 1, error: 'no BibTeX entries were found: each entry starts like @article{key, …' }] };
  }
  lines.sort((a, b) => a.line - b.line);
  return { lines };
}
