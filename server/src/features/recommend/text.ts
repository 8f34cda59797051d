/**
 * Words of a paper for "more like this": lower-cased, split on anything that is not a letter or a digit,
 * stop words and bare numbers dropped, plural and a few inflection endings folded (`models` → `model`,
 * `agents` → `agent`, `policies` → `policy`). Deliberately small: the stems only group forms of one word,
 * and reasons show a surface word people wrote, never a stem.
 */

// English function words plus the filler every abstract uses ("we propose a novel method that shows
// results"): they would make all papers look alike. Topic words, however common ("model", "language"),
// stay: idf weighs them down, and a board about language models should still share "language".
const STOP_WORDS = new Set(
  (
    'a about above across after again against all almost along already also although always am among an and ' +
    'another any are around as at be became because been before being below between both but by can cannot ' +
    'could did do does doing done down due during each either else enough etc even ever every few for from ' +
    'further had has have having he her here hers him his how however i if in into is it its itself just may ' +
    'me might more most much must my neither no nor not now of off often on once one only onto or other our ' +
    'ours out over own per rather same she should since so some still such than that the their theirs them ' +
    'then there these they this those though through thus to too toward towards under until up upon us very ' +
    'via was we well were what when where whether which while who whom whose why will with within without ' +
    'would yet you your ' +
    // the vocabulary of saying that one did research
    'approach approaches paper papers propose proposed proposes present presents presented introduce ' +
    'introduces introduced novel new show shows shown demonstrate demonstrates demonstrated result results ' +
    'method methods work works use used uses using based achieve achieves achieved outperform outperforms ' +
    'state art existing experiment experiments experimental extensive various significant significantly ' +
    'furthermore moreover respectively first second third two three several many recent recently compared ' +
    'provide provides including include includes specifically effectively effective address addresses ' +
    'challenge challenges code available https http www github com org arxiv doi preprint abs'
  ).split(' '),
);

/** True for a token that carries no topic. */
export function isStopWord(word: string): boolean {
  return STOP_WORDS.has(word);
}

/**
 * Folds a word's inflections onto one key. Rules in order, the first that applies; words of 4 letters or
 * fewer are kept whole (`loss`, `gas`, `3ds`), and so are `-ss`, `-us`, `-is` endings (`class`, `corpus`,
 * `analysis`). No `-ing`/`-ed` stripping: it merges unrelated words (`embedding` and `embed` are fine, but
 * `learning`/`learn` and `training`/`train` change meaning often enough to blur topics).
 */
export function stem(word: string): string {
  if (word.length <= 4) return word;
  if (word.endsWith('ies') && word.length > 5) return `${word.slice(0, -3)}y`;
  if (word.endsWith('sses')) return word.slice(0, -2);
  if (word.endsWith('ss') || word.endsWith('us') || word.endsWith('is')) return word;
  if (word.endsWith('s')) return word.slice(0, -1);
  return word;
}

const SPLIT = /[^\p{L}\p{N}]+/u;
// Most titles and abstracts are plain ASCII: NFKC changes nothing there and costs a copy.
const NON_ASCII = /[\u0080-\uffff]/;
const DIGITS = /^\p{N}+$/u;

/**
 * The words of a text that count, in order: lower-cased (NFKC, so full-width letters fold), split on
 * non-letters/digits, 2–40 characters, no stop words, no bare numbers (years, table numbers). "3D" stays.
 */
export function words(text: string): string[] {
  const out: string[] = [];
  const folded = NON_ASCII.test(text) ? text.normalize('NFKC') : text;
  for (const raw of folded.toLowerCase().split(SPLIT)) {
    if (raw.length < 2 || raw.length > 40 || DIGITS.test(raw) || STOP_WORDS.has(raw)) continue;
    out.push(raw);
  }
  return out;
}
