import type { ImporterOutput } from './types.js';

/** Placeholder: implemented in the BibTeX importer task. */
export function parseBibtex(text: string): ImporterOutput {
  return { lines: [{ line: 1, error: `BibTeX import is not available yet (${text.length} characters)` }] };
}
