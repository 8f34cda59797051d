import fs from 'node:fs/promises';
import { TRENDING_FIXTURE } from '#server/bootstrap/seed.js';
import { titleKey } from '#server/features/papers/identifiers.js';
import { parseTrending } from '#server/features/papers/importers/trending.js';

/** A generated paper, in the two fields a trending page carries. */
export interface SyntheticPaper {
  title: string;
  abstract: string;
}

/** The real papers the synthetic ones are recombined from. */
export interface SourcePapers {
  titles: string[];
  abstracts: string[];
}

/** Reads the real trending fixture shipped with the repository (240 papers). */
export async function loadFixturePapers(file = TRENDING_FIXTURE): Promise<SourcePapers> {
  const parsed = parseTrending(await fs.readFile(file, 'utf8'));
  const titles: string[] = [];
  const abstracts: string[] = [];
  for (const entry of parsed.lines) {
    if ('error' in entry) throw new Error(`the fixture has a bad line ${entry.line}: ${entry.error}`);
    titles.push(entry.draft.title);
    abstracts.push(entry.draft.abstract ?? '');
  }
  return { titles, abstracts };
}

/**
 * A deterministic pseudo-random number generator (a Weyl sequence through a 32-bit integer hash):
 * the same seed gives the same corpus on every machine. Returns numbers in [0, 1).
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return ((z ^ (z >>> 16)) >>> 0) / 2 ** 32;
  };
}

const ROMAN: [number, string][] = [
  [1000, 'M'],
  [900, 'CM'],
  [500, 'D'],
  [400, 'CD'],
  [100, 'C'],
  [90, 'XC'],
  [50, 'L'],
  [40, 'XL'],
  [10, 'X'],
  [9, 'IX'],
  [5, 'V'],
  [4, 'IV'],
  [1, 'I'],
];

/** 2 → "II", 14 → "XIV": the suffix that tells apart two generated papers with the same title. */
export function toRoman(n: number): string {
  let out = '';
  for (const [value, numeral] of ROMAN) {
    for (; n >= value; n -= value) out += numeral;
  }
  return out;
}

// Title words where a title's head ("Coarse-to-Fine Amodal Segmentation") meets its tail ("with Shape Prior").
const CONNECTIVES = new Set(['for', 'with', 'via', 'in', 'of', 'using', 'from', 'on', 'by', 'through', 'to']);
// A sentence ends at . ! or ? followed by a capital; "e.g. the" and "3.8TB" stay whole.
const SENTENCE_END = /(?<=[.!?])\s+(?=[A-Z])/;

interface TitleParts {
  names: string[];
  subtitles: string[];
  heads: string[];
  tails: string[];
}

function splitTitles(titles: string[]): TitleParts {
  const parts: TitleParts = { names: [], subtitles: [], heads: [], tails: [] };
  const heads = new Set<string>();
  const tails = new Set<string>();
  for (const title of titles) {
    const colon = title.indexOf(': ');
    const name = colon > 0 ? title.slice(0, colon) : '';
    const subtitle = name && name.split(' ').length <= 4 ? title.slice(colon + 2) : title;
    if (subtitle !== title) parts.names.push(name);
    parts.subtitles.push(subtitle);
    const words = subtitle.split(' ');
    words.forEach((word, cut) => {
      if (cut < 2 || !CONNECTIVES.has(word.toLowerCase())) return;
      heads.add(words.slice(0, cut).join(' '));
      tails.add(words.slice(cut).join(' '));
    });
  }
  return { ...parts, heads: [...heads], tails: [...tails] };
}

/** A unique, valid new-style arXiv id for the n-th paper: 2001.10000, 2002.10000, … 2412.99999. */
export function syntheticArxivId(n: number): string {
  const month = n % 60;
  const yymm = `${20 + Math.floor(month / 12)}${String((month % 12) + 1).padStart(2, '0')}`;
  return `${yymm}.${10000 + Math.floor(n / 60)}`;
}

/** A unique DOI under 10.5555, the prefix Crossref reserves for examples and tests. */
export function syntheticDoi(n: number): string {
  return `10.5555/paperboard.${n.toString(36).padStart(5, '0')}`;
}

/**
 * Endless distinct synthetic papers recombined from real ones. Titles join the name of one real paper
 * with the subtitle of another, or the head of one title with the tail of another; a title whose
 * normalised form (titleKey) was already generated gets a Roman-numeral suffix. Abstracts open with
 * the first sentence of one real abstract and continue with 3–7 sentences of others. 40% link an
 * arXiv abstract page, 25% a DOI; both are unique.
 */
export function* syntheticPapers(source: SourcePapers, seed = 1): Generator<SyntheticPaper> {
  const random = seededRandom(seed);
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
  const parts = splitTitles(source.titles);
  const sentences = source.abstracts.map((a) => a.split(SENTENCE_END)).filter((s) => s.length > 0);
  const seen = new Set<string>();

  for (let n = 0; ; n++) {
    const shape = random();
    let title =
      shape < 0.15
        ? `${pick(parts.names)}: ${pick(parts.subtitles)}`
        : shape < 0.55
          ? `${pick(parts.heads)} ${pick(parts.tails)}`
          : `${pick(parts.names)}: ${pick(parts.heads)} ${pick(parts.tails)}`;
    const base = title;
    let key = titleKey(title);
    for (let copy = 2; seen.has(key); copy++) {
      title = `${base} ${toRoman(copy)}`;
      key = titleKey(title);
    }
    seen.add(key);

    const opening = pick(sentences);
    const body = [opening[0]];
    const more = 3 + Math.floor(random() * 5);
    for (let i = 0; i < more; i++) {
      const from = pick(sentences);
      body.push(from.length > 1 ? from[1 + Math.floor(random() * (from.length - 1))] : from[0]);
    }
    if (random() < 0.4) body.push(`Preprint: https://arxiv.org/abs/${syntheticArxivId(n)}.`);
    if (random() < 0.25) body.push(`DOI: https://doi.org/${syntheticDoi(n)}.`);
    yield { title, abstract: body.join(' ') };
  }
}

/** Takes the next `count` papers of a generator. */
export function take<T>(items: Iterator<T>, count: number): T[] {
  const out: T[] = [];
  for (let i = 0; i < count; i++) {
    const next = items.next();
    if (next.done) break;
    out.push(next.value);
  }
  return out;
}

/** The papers as a trending page: a title line, then an abstract line, per paper. */
export function toTrendingText(papers: SyntheticPaper[]): string {
  return papers.map((p) => `${p.title}\n${p.abstract}\n`).join('');
}

// Surnames by how often they sign ML papers, most frequent first: a search for one of the first few
// matches thousands of papers, as `Wang` or `Zhang` does in a real library.
const COMMON_SURNAMES = [
  'Wang',
  'Zhang',
  'Li',
  'Liu',
  'Chen',
  'Yang',
  'Huang',
  'Zhao',
  'Wu',
  'Zhou',
  'Kim',
  'Lee',
  'Park',
  'Singh',
  'Kumar',
  'Gupta',
  'Smith',
  'Müller',
  'Nguyen',
  'Tanaka',
  'Rossi',
  'García',
  'Martin',
  'Dubois',
  'Cohen',
];
const GIVEN_NAMES = [
  'Ashish',
  'Noam',
  'Niki',
  'Jakob',
  'Llion',
  'Aidan',
  'Łukasz',
  'Illia',
  'Wei',
  'Yi',
  'Jun',
  'Hao',
  'Min',
  'Xin',
  'Priya',
  'Arjun',
  'Sara',
  'Lucas',
  'Emma',
  'Mateo',
  'Chloé',
  'Yuki',
  'Hyun',
  'Omar',
  'Elena',
  'Tomás',
  'Ingrid',
];
const SYLLABLES = [
  'va',
  'swa',
  'ni',
  'ko',
  'ber',
  'lin',
  'da',
  'mor',
  'ten',
  'shi',
  'ra',
  'gu',
  'vel',
  'son',
  'ta',
  'rik',
];

/**
 * The authors of the n-th synthetic paper (1–8 names), from a random stream of their own so that the
 * titles and abstracts stay those of earlier runs. Half the names are common surnames (Zipf-like: the
 * first is ~25 times as frequent as the last); the rest are made of syllables and each is rare. The
 * real "Vaswani" signs every 1,000th paper.
 */
export function syntheticAuthors(n: number, seed = 1): string[] {
  const random = seededRandom(seed * 1_000_003 + n * 7919);
  const count = 1 + Math.floor(random() * 8);
  const authors: string[] = [];
  for (let i = 0; i < count; i++) {
    const given = GIVEN_NAMES[Math.floor(random() * GIVEN_NAMES.length)];
    let surname: string;
    if (random() < 0.5) {
      surname = COMMON_SURNAMES[Math.floor(COMMON_SURNAMES.length * random() ** 2)];
    } else {
      const syllables = 2 + Math.floor(random() * 3);
      surname = Array.from({ length: syllables }, () => SYLLABLES[Math.floor(random() * SYLLABLES.length)]).join('');
      surname = surname[0].toUpperCase() + surname.slice(1);
    }
    authors.push(`${given} ${surname}`);
  }
  if (n % 1000 === 7) authors[0] = 'Ashish Vaswani';
  return authors;
}
