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
  /** The profile's strongest terms a shortlist reads (see {@link PROFILE_TERMS}); for the bench's comparisons. */
  profileTerms?: number;
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
 * Above this many papers a ranking first shortlists through the inverted index: the papers sharing one
 * of the profile's {@link PROFILE_TERMS} strongest words, scored on those words alone; the best
 * {@link SHORTLIST} (or 4 × the limit) are then scored exactly. Below it every paper is scored exactly
 * (a few milliseconds). Measured on the bench at 100,000 papers: p50 8 ms with 32 terms against 33 ms
 * reading every profile term's postings and ~45 ms scoring every paper, with the same precision.
 */
export const SHORTLIST_ABOVE = 5000;
export const PROFILE_TERMS = 32;
export const SHORTLIST = 200;

/**
 * The board's profile, folded with idf so that a paper's score is one pass over its row: for term t,
 * `idf[t] × Σ weight_s × tfidf_s[t] / |tfidf_s| / Σ weight_s` (the weighted centroid of the seeds'
 * unit vectors). Dense over the vocabulary; its non-zero terms are listed for the reasons.
 */
function profile(index: PaperIndex, seeds: readonly Seed[]): { q: Float32Array; terms: number[] } {
  const { idf, invNorm } = index.vectors();
  const q = new Float32Array(index.vocabularySize);
  const terms = new Set<number>();
  const total = seeds.reduce((sum, s) => sum + s.weight, 0);
  if (total <= 0) return { q, terms: [] };
  for (const seed of seeds) {
    const row = index.row(seed.doc);
    const scale = (seed.weight / total) * invNorm[seed.doc];
    for (let k = 0; k < row.terms.length; k++) {
      q[row.terms[k]] += row.weights[k] * idf[row.terms[k]] * scale;
      terms.add(row.terms[k]);
    }
  }
  for (const t of terms) q[t] *= idf[t];
  return { q, terms: [...terms] };
}

/**
 * The papers worth scoring exactly: accumulated over the postings of the profile's strongest terms only
 * (scored like the full ranking, background correction included), the best `size` of them.
 */
function shortlist(
  index: PaperIndex,
  profileOf: { q: Float32Array; terms: number[] },
  exclude: ReadonlySet<number>,
  background: number,
  size: number,
  termCount: number,
): number[] {
  const { q, terms } = profileOf;
  const { invNorm, meanDot, postingOffsets, postingDocs, postingWeights } = index.vectors();
  const strongest = [...terms].sort((a, b) => q[b] - q[a] || a - b).slice(0, termCount);
  const partial = new Float32Array(index.size);
  const touched: number[] = [];
  for (const t of strongest) {
    const weight = q[t];
    for (let k = postingOffsets[t]; k < postingOffsets[t + 1]; k++) {
      const d = postingDocs[k];
      if (partial[d] === 0) touched.push(d);
      partial[d] += postingWeights[k] * weight;
    }
  }
  const candidates = touched.filter((d) => !exclude.has(d));
  if (candidates.length <= size) return candidates;
  const scores = new Float32Array(candidates.length);
  candidates.forEach((d, i) => (scores[i] = partial[d] * invNorm[d] - background * meanDot[d]));
  const cutoff = Float32Array.from(scores).sort()[scores.length - size];
  return candidates.filter((_, i) => scores[i] >= cutoff);
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
 * mean. Papers sharing no word with the seeds are never returned, nor those in `exclude`. A small
 * library is scanned whole; a large one is shortlisted first (see {@link SHORTLIST_ABOVE}).
 */
export function rankSimilar(index: PaperIndex, seeds: readonly Seed[], options: RankOptions): Ranked[] {
  if (seeds.length === 0 || options.limit <= 0 || index.size === 0) return [];
  const profiled = profile(index, seeds);
  const { q } = profiled;
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

  const candidates =
    options.candidates ??
    (size > SHORTLIST_ABOVE
      ? shortlist(
          index,
          profiled,
          exclude,
          background,
          Math.max(SHORTLIST, options.limit * 4),
          options.profileTerms ?? PROFILE_TERMS,
        )
      : null);
  if (candidates) for (const d of candidates) consider(d);
  else for (let d = 0; d < size; d++) consider(d);

  const count = options.reasons ?? DEFAULT_REASONS;
  return best.map((b) => ({ ...b, reasons: reasonsFor(index, b.doc, q, count) }));
}
