/**
 * Normalisation of paper identifiers. Deduplication relies on these being stable: the database stores
 * only the normalised forms under unique indexes.
 */

// New-style ids (0704.0001 onwards: YYMM.NNNN or YYMM.NNNNN) and old-style ids (hep-th/9901001), the
// latter sometimes written with the paper's subject class (math.CA/0611800), which arXiv's preferred
// form leaves out (math/0611800): one paper, one id.
const NEW_ARXIV = /^(\d{4}\.\d{4,5})(v\d+)?$/i;
const OLD_ARXIV = /^([a-z-]+)(?:\.[a-z]{2})?\/(\d{7})(v\d+)?$/i;

/**
 * Returns the arXiv id without version for an id, `arXiv:` id, or abs/pdf/html URL; null otherwise.
 * `2401.01234v2`, `arXiv:2401.01234` and `https://arxiv.org/abs/2401.01234` all give `2401.01234`;
 * `math.CA/0611800v2` gives `math/0611800`.
 */
export function normalizeArxivId(input: string): string | null {
  let s = input.trim();
  const urlMatch =
    /^(?:https?:\/\/)?(?:www\.|export\.)?arxiv\.org\/(?:abs|pdf|html)\/(.+?)(?:\.pdf)?\/?(?:[?#].*)?$/i.exec(s);
  if (urlMatch) s = urlMatch[1];
  s = s.replace(/^arxiv:\s*/i, '');
  const recent = NEW_ARXIV.exec(s);
  if (recent) return recent[1];
  const old = OLD_ARXIV.exec(s);
  return old ? `${old[1]}/${old[2]}`.toLowerCase() : null;
}

/** Returns the lower-cased DOI (`10.prefix/suffix`) of a DOI, `doi:` DOI or doi.org URL; null otherwise. */
export function normalizeDoi(input: string): string | null {
  let s = input.trim();
  s = s.replace(/^(?:https?:\/\/)?(?:dx\.)?doi\.org\//i, '').replace(/^doi:\s*/i, '');
  try {
    s = decodeURIComponent(s);
  } catch {
    // keep as written: a stray % is part of some DOIs
  }
  return /^10\.\d{4,9}\/\S+$/.test(s) ? s.toLowerCase() : null;
}

/** The DOI prefix arXiv gives its papers: `10.48550/arXiv.1706.03762` is arXiv paper 1706.03762. */
const ARXIV_DOI = /^10\.48550\/arxiv\.(.+)$/;

/**
 * The identifiers a search query names when the whole query is one: an arXiv id or abs/pdf URL, or a DOI
 * or doi.org URL, normalised as stored; null for any other query. An arXiv DOI names the arXiv paper
 * too, since a paper imported from arXiv is stored under its arXiv id and may have no DOI.
 */
export function searchIdentifiers(q: string): { arxivId: string | null; doi: string | null } | null {
  const arxivId = normalizeArxivId(q);
  if (arxivId) return { arxivId, doi: null };
  const doi = normalizeDoi(q);
  if (!doi) return null;
  const arxivPart = ARXIV_DOI.exec(doi);
  return { arxivId: arxivPart ? normalizeArxivId(arxivPart[1]) : null, doi };
}

/** Folds a title for duplicate detection: case, accents, punctuation and whitespace do not count. */
export function titleKey(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '');
}

/** Collapses runs of whitespace and trims; used on every imported text field. */
export function cleanText(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}
