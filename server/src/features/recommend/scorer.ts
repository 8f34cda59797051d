import type { PaperIndex } from './paper-index.js';

/** A paper that describes what a board (or a page) is about, and how much it counts. */
export interface Seed {
  /** Position in the index. */
  doc: number;
  /** 1 + the votes (dots) it got on the board: a paper the group wants to read says more. */
  weight: number;
}

/** How to rank; see {@link rankSimilar}. */
export interface RankOptions {
  limit: number;
  /** Positions never returned (the seeds and every other paper on the board). */
  exclude?: ReadonlySet<number>;
  /** Rank only these positions (new papers for the Suggested lane); the whole library otherwise. */
  candidates?: readonly number[];
  /** Weight of the background correction (the paper's cosine with the library's mean is subtracted). */
  background?: number;
  /** Words per reason list. */
  reasons?: number;
}

/** One ranked paper. */
export interface Ranked {
  doc: number;
  id: string;
  /** Cosine with the profile minus the background correction; higher is closer. */
  score: number;
  /** The cosine alone (0–1): comparable across libraries, unlike `score`, whose correction depends on them. */
  cosine: number;
  /** The shared words that contributed most, most first, as written in the papers. */
  reasons: string[];
}

/**
 * Measured on the bench's topic boards (docs/benchmarks.md): subtracting 1.5 × the cosine with the
 * library's mean vector lowers papers that match a board only through the words every paper uses
 * (precision@10 0.735 without, 0.77 at 1, 0.78 at 1.5, 0.75 at 2).
 */
export const DEFAULT_BACKGROUND = 1.5;
const DEFAULT_REASONS = 3;

/**
 * The board's profile, folded with idf so that a paper's score is one pass over its row: for term t,
 * `idf[t] × Σ weight_s × tfidf_s[t] / |tfidf_s| / Σ weight_s` (the weighted centroid of the seeds'
 * unit vectors). Dense over the vocabulary; its non-zero terms are listed for the reasons.
 */
function profile(index: PaperIndex, seeds: readonly Seed[]): Float32Array {
  const { idf, invNorm } = index.vectors();
  const q = new Float32Array(index.vocabularySize);
  const total = seeds.reduce((sum, s) => sum + s.weight, 0);
  if (total <= 0) return q;
  for (const seed of seeds) {
    const { terms, weights } = index.row(seed.doc);
    const scale = (seed.weight / total) * invNorm[seed.doc];
    for (let k = 0; k < terms.length; k++) q[terms[k]] += weights[k] * idf[terms[k]] * scale;
  }
  for (let t = 0; t < q.length; t++) if (q[t] !== 0) q[t] *= idf[t];
  return q;
}

/** Best first; equal scores by id, so that the same library always gives the same list. */
function better(a: { score: number; id: string }, b: { score: number; id: string }): boolean {
  return a.score > b.score || (a.score === b.score && a.id < b.id);
}

function reasonsFor(index: PaperIndex, doc: number, q: Float32Array, count: number): string[] {
  const { terms, weights } = index.row(doc);
  const shared: { term: number; contribution: number }[] = [];
  for (let k = 0; k < terms.length; k++) {
    const contribution = weights[k] * q[terms[k]];
    if (contribution > 0) shared.push({ term: terms[k], contribution });
  }
  shared.sort((a, b) => b.contribution - a.contribution || a.term - b.term);
  return shared.slice(0, count).map((s) => index.surface(s.term));
}

/**
 * Ranks the library (or `candidates`) by similarity to the seeds: cosine between each paper's tf-idf
 * vector and the seeds' weighted centroid, minus `background` × the paper's cosine with the library's
 * mean. Papers sharing no word with the seeds are never returned, nor those in `exclude`. One pass over
 * the index's entries (~10 M at 100,000 papers) and a bounded list of the best `limit`.
 */
export function rankSimilar(index: PaperIndex, seeds: readonly Seed[], options: RankOptions): Ranked[] {
  if (seeds.length === 0 || options.limit <= 0 || index.size === 0) return [];
  const q = profile(index, seeds);
  const { invNorm, meanDot } = index.vectors();
  const { offsets, terms, weights, size } = index.scan();
  const background = options.background ?? DEFAULT_BACKGROUND;
  const exclude = options.exclude ?? new Set<number>();
  const best: { doc: number; id: string; score: number; cosine: number }[] = [];

  const consider = (d: number) => {
    if (exclude.has(d)) return;
    let dot = 0;
    for (let k = offsets[d]; k < offsets[d + 1]; k++) dot += weights[k] * q[terms[k]];
    if (dot <= 0) return;
    const cosine = dot * invNorm[d];
    const score = cosine - background * meanDot[d];
    const worst = best.at(-1);
    if (best.length >= options.limit && worst && score < worst.score) return;
    const entry = { doc: d, id: index.idAt(d), score, cosine };
    if (best.length >= options.limit && worst && !better(entry, worst)) return;
    let at = best.length;
    while (at > 0 && better(entry, best[at - 1])) at--;
    best.splice(at, 0, entry);
    if (best.length > options.limit) best.pop();
  };

  if (options.candidates) for (const d of options.candidates) consider(d);
  else for (let d = 0; d < size; d++) consider(d);

  const count = options.reasons ?? DEFAULT_REASONS;
  return best.map((b) => ({ ...b, reasons: reasonsFor(index, b.doc, q, count) }));
}
