/**
 * How a relevance search collects its candidates, decided from how many papers its query can match.
 *
 * A relevance search ranks the newest `RANKED_CANDIDATES` matches. There are two ways to find them:
 * walk the recency index from the newest paper and test each row until enough match (cheap for a
 * frequent word, ruinous for a rare one), or collect every match from the GIN index and sort them by
 * date (cheap for a rare word, slow for one in a fifth of the library). PostgreSQL chooses by its own
 * estimate, which multiplies the frequencies of the words of a query as if they were independent: it
 * walked the index for `segmentation` (4 % of the library; 12,600 rows tested) and visited 7,600
 * matches of `retrieval augmented generation` one by one. Here the choice uses an upper bound instead:
 * a query's words cannot match more papers than its least frequent required word, whose frequency
 * ANALYZE keeps in `pg_stats.most_common_elems`. A walk is still capped at the rows the bound promised
 * (an AND of common words can match almost nothing), then falls back to the index.
 */

/** Word frequencies of the `papers.search` column, as ANALYZE sampled them. */
export interface LexemeStats {
  /** Fraction of papers containing each of the most common lexemes. */
  frequencies: Map<string, number>;
  /** Upper bound for a lexeme not in the list: ANALYZE lists every lexeme above it. */
  unlisted: number;
  /** Estimated number of papers. */
  rows: number;
}

/** The two ways to collect candidates; see the module comment. */
export type CandidateScan = { kind: 'matches' } | { kind: 'walk'; maxRows: number };

/** A parsed tsquery: lexemes joined by the operators of PostgreSQL's tsquery text form. */
type TsNode =
  | { op: 'lexeme'; lexeme: string; prefix: boolean }
  | { op: 'not'; arg: TsNode }
  | { op: 'and' | 'or' | 'phrase'; left: TsNode; right: TsNode };

/**
 * Parses the text form of a tsquery (`'retriev' & 'augment'`, `'mixtur' <-> 'expert'`,
 * `'transform' & !'vision'`, `( 'a' | 'b' ) & 'c'`). Precedence, loosest first: `|`, `&`, `<N>`, `!`.
 * Returns null for an empty query or text it does not understand.
 */
export function parseTsquery(text: string): TsNode | null {
  const tokens = text.match(/'(?:[^']|'')*'(?::[*A-D]+)?|<->|<\d+>|[&|!()]|\S/g) ?? [];
  let at = 0;
  const peek = () => tokens[at];
  const binary = (next: () => TsNode, ops: (t: string) => TsNode['op'] | null) => (): TsNode => {
    let left = next();
    for (let op = ops(peek() ?? ''); op; op = ops(peek() ?? '')) {
      at++;
      left = { op, left, right: next() } as TsNode;
    }
    return left;
  };
  const unary = (): TsNode => {
    const token = tokens[at++];
    if (token === '!') return { op: 'not', arg: unary() };
    if (token === '(') {
      const inner = or();
      if (tokens[at++] !== ')') throw new SyntaxError('unbalanced parenthesis');
      return inner;
    }
    const lexeme = token === undefined ? null : /^'((?:[^']|'')*)'(?::([*A-D]+))?$/.exec(token);
    if (!lexeme) throw new SyntaxError(`unexpected ${token ?? 'end'}`);
    return { op: 'lexeme', lexeme: lexeme[1].replace(/''/g, "'"), prefix: (lexeme[2] ?? '').includes('*') };
  };
  const phrase = binary(unary, (t) => (/^<(?:-|\d+)>$/.test(t) ? 'phrase' : null));
  const and = binary(phrase, (t) => (t === '&' ? 'and' : null));
  const or = binary(and, (t) => (t === '|' ? 'or' : null));
  if (tokens.length === 0) return null;
  try {
    const tree = or();
    return at === tokens.length ? tree : null;
  } catch {
    return null;
  }
}

/** Upper bound of the fraction of papers a parsed query matches. */
export function matchBound(node: TsNode, stats: LexemeStats): number {
  switch (node.op) {
    case 'lexeme':
      // A prefix matches every lexeme that starts with it: no bound from one frequency.
      return node.prefix ? 1 : (stats.frequencies.get(node.lexeme) ?? stats.unlisted);
    case 'not':
      return 1;
    case 'and':
    case 'phrase':
      return Math.min(matchBound(node.left, stats), matchBound(node.right, stats));
    case 'or':
      return Math.min(1, matchBound(node.left, stats) + matchBound(node.right, stats));
  }
}

/**
 * Testing a row during the walk costs about half as much as visiting a match found through the GIN
 * index (measured at 100,000 papers; see docs/benchmarks.md).
 */
const WALK_TO_VISIT_COST = 0.5;

/**
 * Chooses how to collect the `candidates` newest matches of `tsquery` (its text form). The walk tests
 * about `candidates / f` rows for a query matching a fraction `f` of `rows` papers; collecting the
 * matches visits `f × rows` of them; they cost the same at f* = √(candidates × ratio / rows), 5 % at
 * 100,000 papers. Without statistics (a library never analysed) the database decides as usual.
 */
export function chooseCandidateScan(
  tsquery: string,
  stats: LexemeStats | null,
  candidates: number,
): CandidateScan | null {
  const tree = parseTsquery(tsquery);
  if (!stats || !tree || stats.rows <= 0) return null;
  const crossover = Math.min(1, Math.sqrt((candidates * WALK_TO_VISIT_COST) / stats.rows));
  if (matchBound(tree, stats) < crossover) return { kind: 'matches' };
  return { kind: 'walk', maxRows: Math.ceil(candidates / crossover) };
}
