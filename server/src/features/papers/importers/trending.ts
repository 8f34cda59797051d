import { cleanText } from '#server/features/papers/identifiers.js';
import type { ImporterOutput, PaperDraft } from './types.js';

// Lines of the page around the list that are not papers.
const CHROME = [/^get trending papers in your email inbox/i, /^subscribe$/i];
const GLUED_SUBSCRIBE = /^Subscribe(?=\S)/;
// A URL ends before whitespace or a "{" (LaTeX \href{..}{..} leftovers); trailing punctuation is prose.
const URL_PATTERN = /https?:\/\/[^\s{}<>"']+/gi;
const CODE_HOSTS = ['github.com', 'gitlab.com', 'huggingface.co'];

/**
 * True when `text` looks like a trending page: page chrome on top, or pairs of a short title line and a
 * longer abstract line.
 */
export function looksLikeTrending(text: string): boolean {
  const lines = contentLines(text);
  if (lines.length < 2) return false;
  if (CHROME.some((re) => re.test(lines[0].text))) return true;
  if (lines.length % 2 !== 0) return false;
  let pairs = 0;
  for (let i = 0; i < lines.length; i += 2) {
    if (lines[i].text.length <= 300 && lines[i + 1].text.length > lines[i].text.length) pairs++;
  }
  return pairs >= (lines.length / 2) * 0.8;
}

interface Line {
  text: string;
  number: number;
}

function contentLines(text: string): Line[] {
  return text
    .split(/\r\n|\r|\n/)
    .map((raw, i) => ({ text: raw.trim(), number: i + 1 }))
    .filter((l) => l.text !== '');
}

/** Strips prose punctuation that a sentence leaves on the end of a URL. */
function trimUrl(url: string): string {
  return url.replace(/[.,;:)\]!?]+$/, '');
}

function isCodeHost(url: string): boolean {
  try {
    const host = new URL(url).hostname.replace(/^www\./, '');
    return CODE_HOSTS.includes(host);
  } catch {
    return false;
  }
}

/** Splits the URLs found in an abstract into code repositories and the paper's own page. */
export function extractUrls(abstract: string): { codeUrls: string[]; url: string | null } {
  const codeUrls: string[] = [];
  let url: string | null = null;
  for (const match of abstract.matchAll(URL_PATTERN)) {
    const found = trimUrl(match[0]);
    if (isCodeHost(found)) {
      if (!codeUrls.includes(found)) codeUrls.push(found);
    } else {
      url ??= found;
    }
  }
  return { codeUrls, url };
}

/**
 * Reads a "trending papers" page: optional chrome lines, then a title line followed by an abstract
 * line per paper. CRLF, blank lines and trailing spaces are tolerated; "Subscribe" glued to the first
 * title is page chrome.
 */
export function parseTrending(text: string): ImporterOutput {
  const lines = contentLines(text).filter((l) => !CHROME.some((re) => re.test(l.text)));
  if (lines.length > 0) lines[0] = { ...lines[0], text: lines[0].text.replace(GLUED_SUBSCRIBE, '') };
  const out: ImporterOutput = { lines: [] };
  for (let i = 0; i < lines.length; i += 2) {
    const title = lines[i];
    const abstract = lines[i + 1];
    if (!abstract) {
      out.lines.push({ line: title.number, error: 'title without an abstract line after it' });
      break;
    }
    const { codeUrls, url } = extractUrls(abstract.text);
    const draft: PaperDraft = { title: cleanText(title.text), abstract: cleanText(abstract.text), codeUrls, url };
    out.lines.push({ line: title.number, draft });
  }
  return out;
}
