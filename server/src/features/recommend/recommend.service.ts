import type { FastifyInstance } from 'fastify';
import type { Sql } from '#server/db/sql.js';
import type { Recommendation } from '#shared/schemas/recommend.js';
import type { PaperIndex } from './paper-index.js';
import type { Recommender } from './recommender.js';
import { rankSimilar, type Ranked, type Seed } from './scorer.js';
import {
  boardPapers,
  dismissSuggestion,
  insertSuggestions,
  markNominated,
  papersInOrder,
  restoreSuggestion,
  type BoardPaper,
  type NewSuggestion,
} from './recommend.repository.js';

/** What recommendations need of the app: the database, this node's index and the socket.io rooms. */
export interface RecommendDeps {
  sql: Sql;
  recommender: Recommender;
  emitToBoard: FastifyInstance['emitToBoard'];
}

/**
 * A new paper joins a board's Suggested lane when its cosine with the board's profile is at least this.
 * The cosine, not the ranking score: the ranking's background correction depends on the whole library
 * (a library full of one topic pushes every score of that topic down), a threshold must not. Calibrated
 * on the demo library's topic boards (5 title-keyword papers each): of the papers with a cosine ≥ 0.13,
 * 25 of 27 are about the board's topic; at 0.10, 47 of 64 (see docs/benchmarks.md).
 */
export const SUGGESTION_MIN_COSINE = 0.13;
/** At most this many papers per board from one call of {@link suggestNewPapers} (one feed run). */
export const SUGGESTIONS_PER_BOARD = 5;

/** The board's papers as seeds (weight 1 + votes) and the positions never to recommend. */
function seedsOf(index: PaperIndex, papers: BoardPaper[]): { seeds: Seed[]; exclude: Set<number> } {
  const seeds: Seed[] = [];
  for (const p of papers) {
    const doc = index.indexOf(p.paperId);
    if (doc !== undefined) seeds.push({ doc, weight: 1 + p.votes });
  }
  return { seeds, exclude: new Set(seeds.map((s) => s.doc)) };
}

const rounded = (score: number) => Math.round(score * 10_000) / 10_000;

async function withPapers(sql: Sql, ranked: Ranked[]): Promise<Recommendation[]> {
  const papers = await papersInOrder(
    sql,
    ranked.map((r) => r.id),
  );
  const byId = new Map(ranked.map((r) => [r.id, r]));
  return papers.map((paper) => {
    const r = byId.get(paper.id)!;
    return { paper, score: rounded(r.score), reasons: r.reasons };
  });
}

/** Library papers like the board's (votes weigh more), not on the board, best first. */
export async function recommendForBoard(deps: RecommendDeps, boardId: string, limit: number) {
  const onBoard = await boardPapers(deps.sql, boardId);
  const index = await deps.recommender.include(onBoard.map((p) => p.paperId));
  const { seeds, exclude } = seedsOf(index, onBoard);
  return withPapers(deps.sql, rankSimilar(index, seeds, { limit, exclude }));
}

/** Library papers like one paper, best first; null when there is no such paper. */
export async function similarPapers(deps: RecommendDeps, paperId: string, limit: number) {
  const index = await deps.recommender.include([paperId]);
  const doc = index.indexOf(paperId);
  if (doc === undefined) return null;
  return withPapers(deps.sql, rankSimilar(index, [{ doc, weight: 1 }], { limit, exclude: new Set([doc]) }));
}

/**
 * Scores new library papers (a feed run's) against every board that has papers, and puts those scoring
 * at least {@link SUGGESTION_MIN_COSINE} into the board's Suggested lane: the best
 * {@link SUGGESTIONS_PER_BOARD} per board, never a paper on the board, never one dismissed before.
 * Boards whose lane changed get `suggestions:changed`. Returns what was suggested, per board.
 */
export async function suggestNewPapers(
  deps: RecommendDeps,
  paperIds: string[],
): Promise<{ boardId: string; paperIds: string[] }[]> {
  if (paperIds.length === 0) return [];
  const index = await deps.recommender.include(paperIds);
  const candidates = [...new Set(paperIds)].flatMap((id) => index.indexOf(id) ?? []);
  const byBoard = new Map<string, BoardPaper[]>();
  for (const row of await boardPapers(deps.sql, null)) {
    const list = byBoard.get(row.boardId) ?? [];
    list.push(row);
    byBoard.set(row.boardId, list);
  }
  const rows: NewSuggestion[] = [];
  for (const [boardId, papers] of byBoard) {
    const { seeds, exclude } = seedsOf(index, papers);
    const ranked = rankSimilar(index, seeds, { limit: SUGGESTIONS_PER_BOARD, exclude, candidates });
    for (const r of ranked) {
      if (r.cosine >= SUGGESTION_MIN_COSINE) {
        rows.push({ boardId, paperId: r.id, score: rounded(r.cosine), reasons: r.reasons });
      }
    }
  }
  const added = new Map<string, string[]>();
  for (const row of await insertSuggestions(deps.sql, rows)) {
    added.set(row.boardId, [...(added.get(row.boardId) ?? []), row.paperId]);
  }
  await Promise.all([...added.keys()].map((boardId) => deps.emitToBoard(boardId, 'suggestions:changed', { boardId })));
  return [...added].map(([boardId, ids]) => ({ boardId, paperIds: ids }));
}

/** Dismisses a suggestion for the board (and tells its room); false when there is none open. */
export async function dismiss(deps: RecommendDeps, boardId: string, paperId: string, userId: string) {
  const done = await dismissSuggestion(deps.sql, boardId, paperId, userId);
  if (done) await deps.emitToBoard(boardId, 'suggestions:changed', { boardId });
  return done;
}

/** Takes a dismissal back; false when the suggestion is not dismissed. */
export async function restore(deps: RecommendDeps, boardId: string, paperId: string) {
  const done = await restoreSuggestion(deps.sql, boardId, paperId);
  if (done) await deps.emitToBoard(boardId, 'suggestions:changed', { boardId });
  return done;
}

/** A paper was nominated to the board: it leaves the lane at once (the projection follows shortly). */
export async function noteNominated(
  deps: Pick<RecommendDeps, 'sql' | 'emitToBoard'>,
  boardId: string,
  paperId: string,
) {
  if (await markNominated(deps.sql, boardId, paperId)) {
    await deps.emitToBoard(boardId, 'suggestions:changed', { boardId });
  }
}

/**
 * The daily feed job's `onNewPapers` (feeds.service.ts): the papers a run brought go to the Suggested
 * lanes of the boards they fit (every board, a watch's own included, by the same threshold).
 */
export function suggestFeedPapers(deps: () => RecommendDeps): (paperIds: string[]) => Promise<void> {
  return async (paperIds) => {
    await suggestNewPapers(deps(), paperIds);
  };
}
