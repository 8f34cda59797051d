import { normalizeArxivId, normalizeDoi } from '#server/features/papers/identifiers.js';
import { parseArxiv } from './arxiv.js';
import { parseBibtex } from './bibtex.js';
import { parseDois } from './doi.js';
import { looksLikeTrending, parseTrending } from './trending.js';
import type { FetchSettings, ImporterOutput, ProgressFn } from './types.js';

/** A concrete import format (what `auto` resolves to). */
type ConcreteFormat = 'trending' | 'arxiv' | 'bibtex' | 'doi';

/**
 * Guesses the format: BibTeX entries, a list of arXiv ids or URLs, a list of DOIs, or a trending page.
 * Returns null when nothing fits, so the caller can ask the user to choose.
 */
export function detectFormat(text: string): ConcreteFormat | null {
  if (/^\s*@[a-z]+\s*[{(]/im.test(text)) return 'bibtex';
  const lines = text
    .split(/\r\n|\r|\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  if (lines.length === 0) return null;
  const arxiv = lines.filter((l) => normalizeArxivId(l)).length;
  const doi = lines.filter((l) => normalizeDoi(l)).length;
  // A list of identifiers may contain a few typos; those become per-line errors.
  if (Math.max(arxiv, doi) >= lines.length / 2) return arxiv >= doi ? 'arxiv' : 'doi';
  if (looksLikeTrending(text)) return 'trending';
  return null;
}

/**
 * Runs the importer of `format` over `text`. BibTeX is read by `settings.readBibtex` when given (the
 * server's reader thread), else here.
 */
export async function runImporter(
  format: ConcreteFormat,
  text: string,
  settings: FetchSettings & { onProgress: ProgressFn; readBibtex?: (text: string) => Promise<ImporterOutput> },
): Promise<ImporterOutput> {
  switch (format) {
    case 'trending':
      return parseTrending(text);
    case 'bibtex':
      return settings.readBibtex ? settings.readBibtex(text) : parseBibtex(text);
    case 'arxiv':
      return parseArxiv(text, settings);
    case 'doi':
      return parseDois(text, settings);
  }
}
