/**
 * Counting a ballot round (issue #18): instant-runoff for ranked ballots (k winners by repeated
 * instant-runoff without the earlier winners), approval, and dots. Pure and deterministic: the same
 * candidates and ballots always give the same result, whatever order the ballots arrive in.
 *
 * Ties are broken the same way everywhere, so that a result can be explained:
 * - eliminating: of the candidates tied for fewest votes, the one with fewer votes in the round before
 *   goes, looking back round by round to the first; still tied, the one listed later among the
 *   candidates goes (candidates are listed in board order, so the earlier nomination stays);
 * - electing (approval, dots): more votes first; tied, the one listed earlier.
 */

/** How a round is voted. */
export type RoundMethod = 'ranked' | 'approval' | 'dots';

/** One member's ballot, in the method's form. */
export type Ballot = { ranking: string[] } | { approve: string[] } | { dots: Record<string, number> };

/** One counting round: the votes each continuing candidate had, and who went out after it. */
export interface CountRound {
  tallies: Record<string, number>;
  eliminated: string[];
}

/** A closed round's outcome: the winners in order, and the count that chose them. */
export interface RoundResult {
  winners: string[];
  rounds: CountRound[];
}

/**
 * Counts `ballots` over `candidates` (in board order) for up to `winners` winners. Votes for cards that
 * are not candidates (removed from the board during the round) are ignored; a candidate nobody voted
 * for never wins.
 */
export function countRound(method: RoundMethod, candidates: string[], ballots: Ballot[], winners: number): RoundResult {
  if (method === 'ranked') {
    const rankings = ballots.map((ballot) => ('ranking' in ballot ? ballot.ranking : []));
    return repeatedInstantRunoff(candidates, rankings, winners);
  }
  const tallies = Object.fromEntries(candidates.map((id) => [id, 0]));
  for (const ballot of ballots) {
    if (method === 'approval' && 'approve' in ballot) {
      for (const id of new Set(ballot.approve)) if (id in tallies) tallies[id] += 1;
    } else if (method === 'dots' && 'dots' in ballot) {
      for (const [id, n] of Object.entries(ballot.dots)) if (id in tallies && n > 0) tallies[id] += n;
    }
  }
  const order = candidates
    .filter((id) => tallies[id] > 0)
    .sort((a, b) => tallies[b] - tallies[a] || candidates.indexOf(a) - candidates.indexOf(b));
  return { winners: order.slice(0, winners), rounds: [{ tallies, eliminated: [] }] };
}

/** Instant-runoff for the first winner, then again without the winners so far, up to `winners`. */
function repeatedInstantRunoff(candidates: string[], rankings: string[][], winners: number): RoundResult {
  const result: RoundResult = { winners: [], rounds: [] };
  while (result.winners.length < winners) {
    const running = candidates.filter((id) => !result.winners.includes(id));
    const { winner, rounds } = instantRunoff(running, rankings);
    result.rounds.push(...rounds);
    if (winner === null) break;
    result.winners.push(winner);
  }
  return result;
}

/**
 * One instant-runoff count: each ballot counts for its highest-ranked continuing candidate (a ballot
 * with none left is exhausted and counts for nobody); a candidate with more than half of the counted
 * ballots, or the last one left, wins; otherwise the candidate with fewest votes is eliminated (see the
 * module comment for ties) and the count goes on.
 */
function instantRunoff(candidates: string[], rankings: string[][]): { winner: string | null; rounds: CountRound[] } {
  const continuing = new Set(candidates);
  const rounds: CountRound[] = [];
  while (continuing.size > 0) {
    const tallies: Record<string, number> = {};
    for (const id of candidates) if (continuing.has(id)) tallies[id] = 0;
    let counted = 0;
    for (const ranking of rankings) {
      const choice = ranking.find((id) => continuing.has(id));
      if (choice === undefined) continue;
      tallies[choice] += 1;
      counted += 1;
    }
    const round: CountRound = { tallies, eliminated: [] };
    rounds.push(round);
    if (counted === 0) return { winner: null, rounds };
    const leader = [...continuing].reduce((best, id) => (tallies[id] > tallies[best] ? id : best));
    if (tallies[leader] * 2 > counted || continuing.size === 1) return { winner: leader, rounds };
    const out = weakest([...continuing], tallies, rounds.slice(0, -1), candidates);
    round.eliminated.push(out);
    continuing.delete(out);
  }
  return { winner: null, rounds };
}

/** The candidate to eliminate: fewest votes now, then fewest in earlier rounds (latest first), then listed last. */
function weakest(running: string[], now: Record<string, number>, earlier: CountRound[], listed: string[]): string {
  const history = [now, ...earlier.map((round) => round.tallies).reverse()];
  return running.reduce((worst, id) => {
    for (const tallies of history) {
      const a = tallies[id] ?? 0;
      const b = tallies[worst] ?? 0;
      if (a !== b) return a < b ? id : worst;
    }
    return listed.indexOf(id) > listed.indexOf(worst) ? id : worst;
  });
}
