/** A pasted identifier that the import route can fetch metadata for. */
export interface PaperReference {
  format: 'arxiv' | 'doi';
  /** What was pasted, trimmed: the server normalises it. */
  text: string;
}

const ARXIV_ID = /^(?:arxiv:\s*)?(?:\d{4}\.\d{4,5}|[a-z-]+(?:\.[a-z]{2})?\/\d{7})(?:v\d+)?$/i;
const ARXIV_URL = /^(?:https?:\/\/)?(?:www\.|export\.)?arxiv\.org\/(?:abs|pdf|html)\/\S+$/i;
const DOI = /^(?:doi:\s*|(?:https?:\/\/)?(?:dx\.)?doi\.org\/)?10\.\d{4,9}\/\S+$/i;

/**
 * The arXiv id or DOI a pasted text is (an id, `arXiv:` id, arxiv.org abs/pdf URL, DOI, `doi:` DOI or
 * doi.org URL), or null for anything else, which is searched for instead.
 */
export function paperReference(input: string): PaperReference | null {
  const text = input.trim();
  if (ARXIV_ID.test(text) || ARXIV_URL.test(text)) return { format: 'arxiv', text };
  if (DOI.test(text)) return { format: 'doi', text };
  return null;
}
