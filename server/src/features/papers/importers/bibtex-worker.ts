import { parseBibtex } from './bibtex.js';
import type { ImporterOutput } from './types.js';

/**
 * Runs on a BibTeX thread (see BibtexThread): the parser reads ~250 kB of BibTeX a second, so a large
 * file would otherwise stop the event loop that serves every other user for tens of seconds.
 */
export default function readBibtex(text: string): ImporterOutput {
  return parseBibtex(text);
}
