import { stem, words } from './text.js';

/** The text of a library paper that "more like this" compares. */
export interface IndexedPaper {
  id: string;
  title: string;
  abstract: string;
}

/**
 * Title words count this many times: a title is the authors' own summary, so a word in it says more
 * about the topic than one in the abstract (measured on the bench: 2 beats 1 and 3, see benchmarks.md).
 */
export const TITLE_WEIGHT = 2;

/** The vectors a ranking reads, recomputed after papers were added (see {@link PaperIndex.vectors}). */
export interface IndexVectors {
  /** Per term: log((N + 1) / (df + 1)) + 1. */
  idf: Float32Array;
  /** Per paper: 1 / the length of its tf-idf vector (0 for a paper without words). */
  invNorm: Float32Array;
  /** Per paper: its cosine with the library's mean vector (how "ordinary" its words are). */
  meanDot: Float32Array;
  /**
   * The inverted index: for term t, `postingDocs[postingOffsets[t] .. postingOffsets[t + 1]]` are the
   * papers with it (ascending) and `postingWeights` their `1 + ln(tf)`. Lets a ranking read only the
   * papers sharing the profile's strongest words instead of every entry.
   */
  postingOffsets: Uint32Array;
  postingDocs: Uint32Array;
  postingWeights: Float32Array;
}

function grow<T extends Uint32Array | Float32Array | Int32Array>(array: T, needed: number): T {
  if (needed <= array.length) return array;
  const next = new (array.constructor as new (n: number) => T)(Math.max(needed, array.length * 2, 1024));
  next.set(array);
  return next;
}

/**
 * An in-memory tf-idf index of the library's titles and abstracts, grown paper by paper. Stored as
 * compressed sparse rows: for paper `d`, `terms[offsets[d] .. offsets[d + 1]]` are its term ids and
 * `weights` the matching `1 + ln(tf)` (title words counted {@link TITLE_WEIGHT} times). idf, the
 * vector lengths and the inverted index depend on the whole library, so they are derived lazily after
 * additions. 16 bytes per (paper, distinct word), in both directions, plus the vocabulary and ids:
 * +138 MB of heap at 100,000 papers, 0.7 MB for the 240-paper demo (measured, see docs/benchmarks.md).
 */
export class PaperIndex {
  private readonly termIds = new Map<string, number>();
  private readonly surfaces: string[] = [];
  private df = new Int32Array(1024);
  private readonly ids: string[] = [];
  private readonly docIndex = new Map<string, number>();
  private offsets = new Uint32Array(1024);
  private terms = new Uint32Array(1 << 16);
  private weights = new Float32Array(1 << 16);
  private derived: IndexVectors | null = null;
  private readonly titleWeight: number;

  /** `titleWeight`: for the bench's comparisons; the server uses {@link TITLE_WEIGHT}. */
  constructor(options: { titleWeight?: number } = {}) {
    this.titleWeight = options.titleWeight ?? TITLE_WEIGHT;
  }

  /** Papers in the index. */
  get size(): number {
    return this.ids.length;
  }

  /** Distinct words (stems) seen. */
  get vocabularySize(): number {
    return this.surfaces.length;
  }

  /** Stored (paper, word) pairs. */
  get entries(): number {
    return this.offsets[this.ids.length];
  }

  /** The paper's position in the index, or undefined when it is not indexed. */
  indexOf(id: string): number | undefined {
    return this.docIndex.get(id);
  }

  /** The id of the paper at a position. */
  idAt(doc: number): string {
    return this.ids[doc];
  }

  /** The word a reason shows for a term: the uninflected form when seen, else the first form seen. */
  surface(term: number): string {
    return this.surfaces[term];
  }

  /** The term id of a stem, if any paper has it. */
  termOf(word: string): number | undefined {
    return this.termIds.get(stem(word));
  }

  /** A paper's term ids and `1 + ln(tf)` weights (views into the index: do not keep them). */
  row(doc: number): { terms: Uint32Array; weights: Float32Array } {
    const from = this.offsets[doc];
    const to = this.offsets[doc + 1];
    return { terms: this.terms.subarray(from, to), weights: this.weights.subarray(from, to) };
  }

  /** Adds papers not indexed yet (known ids are skipped: papers never change once stored). */
  add(papers: Iterable<IndexedPaper>): number {
    let added = 0;
    for (const paper of papers) {
      if (this.docIndex.has(paper.id)) continue;
      this.addOne(paper);
      added++;
    }
    if (added > 0) this.derived = null;
    return added;
  }

  private termId(word: string): number {
    const key = stem(word);
    let id = this.termIds.get(key);
    if (id === undefined) {
      id = this.surfaces.length;
      this.termIds.set(key, id);
      this.surfaces.push(word);
      this.df = grow(this.df, id + 1);
    } else if (word === key && this.surfaces[id] !== key) {
      this.surfaces[id] = word;
    }
    return id;
  }

  private addOne(paper: IndexedPaper): void {
    const counts = new Map<number, number>();
    for (const word of words(paper.title)) {
      const id = this.termId(word);
      counts.set(id, (counts.get(id) ?? 0) + this.titleWeight);
    }
    for (const word of words(paper.abstract)) {
      const id = this.termId(word);
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    const doc = this.ids.length;
    const start = this.offsets[doc];
    this.terms = grow(this.terms, start + counts.size);
    this.weights = grow(this.weights, start + counts.size);
    // Terms in id order: deterministic rows, and reasons tie-break on the word seen first.
    const sorted = [...counts].sort((a, b) => a[0] - b[0]);
    sorted.forEach(([term, tf], k) => {
      this.terms[start + k] = term;
      this.weights[start + k] = 1 + Math.log(tf);
      this.df[term]++;
    });
    this.ids.push(paper.id);
    this.docIndex.set(paper.id, doc);
    this.offsets = grow(this.offsets, doc + 2);
    this.offsets[doc + 1] = start + counts.size;
  }

  /**
   * idf, vector lengths, each paper's cosine with the mean vector and the inverted index, computed
   * once after papers were added (four passes over the entries: ~0.3 s at 100,000 papers).
   */
  vectors(): IndexVectors {
    if (this.derived) return this.derived;
    const n = this.ids.length;
    const vocabulary = this.surfaces.length;
    const idf = new Float32Array(vocabulary);
    for (let t = 0; t < vocabulary; t++) idf[t] = Math.log((n + 1) / (this.df[t] + 1)) + 1;
    const invNorm = new Float32Array(n);
    const mean = new Float64Array(vocabulary);
    const { offsets, terms, weights } = this;
    for (let d = 0; d < n; d++) {
      let sum = 0;
      for (let k = offsets[d]; k < offsets[d + 1]; k++) {
        const v = weights[k] * idf[terms[k]];
        sum += v * v;
      }
      invNorm[d] = sum > 0 ? 1 / Math.sqrt(sum) : 0;
      for (let k = offsets[d]; k < offsets[d + 1]; k++) mean[terms[k]] += (weights[k] * idf[terms[k]] * invNorm[d]) / n;
    }
    const meanDot = new Float32Array(n);
    for (let d = 0; d < n; d++) {
      let dot = 0;
      for (let k = offsets[d]; k < offsets[d + 1]; k++) dot += weights[k] * idf[terms[k]] * mean[terms[k]];
      meanDot[d] = dot * invNorm[d];
    }
    const postingOffsets = new Uint32Array(vocabulary + 1);
    for (let t = 0; t < vocabulary; t++) postingOffsets[t + 1] = postingOffsets[t] + this.df[t];
    const entries = offsets[n];
    const postingDocs = new Uint32Array(entries);
    const postingWeights = new Float32Array(entries);
    const fill = postingOffsets.slice(0, vocabulary);
    for (let d = 0; d < n; d++) {
      for (let k = offsets[d]; k < offsets[d + 1]; k++) {
        const at = fill[terms[k]]++;
        postingDocs[at] = d;
        postingWeights[at] = weights[k];
      }
    }
    this.derived = { idf, invNorm, meanDot, postingOffsets, postingDocs, postingWeights };
    return this.derived;
  }

  /** Bytes held by the typed arrays (the maps of ids and words come on top; the bench measures the heap). */
  arrayBytes(): number {
    const derived = this.derived
      ? [this.derived.idf, this.derived.invNorm, this.derived.meanDot, this.derived.postingOffsets]
          .concat([this.derived.postingDocs, this.derived.postingWeights])
          .reduce((sum, a) => sum + a.byteLength, 0)
      : 0;
    return [this.df, this.offsets, this.terms, this.weights].reduce((sum, a) => sum + a.byteLength, derived);
  }

  /** Every paper's entries, for a scan: `offsets`, `terms`, `weights` (read-only views). */
  scan(): { offsets: Uint32Array; terms: Uint32Array; weights: Float32Array; size: number } {
    return { offsets: this.offsets, terms: this.terms, weights: this.weights, size: this.ids.length };
  }
}
