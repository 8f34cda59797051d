import type { Sql } from '#server/db/sql.js';
import type { IndexedPaper } from '#server/features/recommend/paper-index.js';
import { Recommender } from '#server/features/recommend/recommender.js';
import { recommendForBoard, similarPapers, type RecommendDeps } from '#server/features/recommend/recommend.service.js';
import { importPapers, type ImportOptions } from '#server/features/papers/papers.service.js';
import { openFreshEmbedded } from './databases.js';
import { toTrendingText } from './corpus.js';
import { summarize, type LatencySummary } from './stats.js';

// The trending format fetches nothing; unreachable URLs make sure of that.
const IMPORT_SETTINGS: ImportOptions['settings'] = {
  arxivApiUrl: 'http://127.0.0.1:9',
  arxivMinIntervalMs: 0,
  crossrefApiUrl: 'http://127.0.0.1:9',
};
const CHUNK = 10_000;

/** What the routes' path measured: build time of the node's index from the table, and both rankings. */
export interface DatabaseLatency {
  papers: number;
  importMs: number;
  buildMs: number;
  boards: LatencySummary;
  similar: LatencySummary;
}

/**
 * The routes' whole path on a fresh embedded database holding `library` (imported through the real
 * pipeline as trending text): `recommendForBoard` (the board's papers and votes from `board_cards` and
 * `votes`, the ranking, the papers read back) and `similarPapers`, as `GET …/recommendations` and
 * `GET /api/papers/:id/similar` run them after authorisation. `boards` are positions in `library` (the
 * demo papers come first, so their titles are never duplicates of a synthetic one).
 */
export async function measureThroughDatabase(
  library: IndexedPaper[],
  boards: number[][],
  runs: number,
  progress: (message: string) => void,
): Promise<DatabaseLatency> {
  const db = await openFreshEmbedded();
  try {
    const started = performance.now();
    const ids: (string | undefined)[] = [];
    for (let from = 0; from < library.length; from += CHUNK) {
      const chunk = library.slice(from, from + CHUNK);
      const result = await importPapers(db.sql, toTrendingText(chunk), {
        format: 'trending',
        settings: IMPORT_SETTINGS,
      });
      const byTitle = new Map([
        ...result.created.map((c) => [c.title, c.id] as const),
        ...result.duplicates.map((d) => [d.title, d.existingId] as const),
      ]);
      for (const paper of chunk) ids.push(byTitle.get(paper.title));
      progress(`imported ${Math.min(from + CHUNK, library.length)}/${library.length}`);
    }
    const importMs = performance.now() - started;
    await db.sql`vacuum (analyze) papers`;

    const recommender = new Recommender(db.sql);
    const deps: RecommendDeps = { sql: db.sql, recommender, emitToBoard: async () => {} };
    const buildStarted = performance.now();
    await recommender.warm();
    const buildMs = performance.now() - buildStarted;

    const boardIds = await createBoards(
      db.sql,
      boards.map((b) => b.flatMap((doc) => ids[doc] ?? [])),
    );
    const boardRuns: number[] = [];
    const similarRuns: number[] = [];
    for (let run = 0; run < runs; run++) {
      for (const [i, boardId] of boardIds.entries()) {
        let t0 = performance.now();
        await recommendForBoard(deps, boardId, 10);
        boardRuns.push(performance.now() - t0);
        t0 = performance.now();
        await similarPapers(deps, ids[boards[i][0]]!, 10);
        similarRuns.push(performance.now() - t0);
      }
    }
    recommender.close();
    return {
      papers: ids.filter(Boolean).length,
      importMs,
      buildMs,
      boards: summarize(boardRuns),
      similar: summarize(similarRuns),
    };
  } finally {
    await db.close();
  }
}

/** One board per list of paper ids, its papers in the projection as the sync server writes it. */
async function createBoards(sql: Sql, boards: string[][]): Promise<string[]> {
  const [user]: [{ id: string }?] = await sql`
    insert into users (email, email_key, name, password_hash)
    values ('bench@paperboard.local', 'bench@paperboard.local', 'Bench', 'scrypt$none') returning id`;
  const ids: string[] = [];
  for (const [i, paperIds] of boards.entries()) {
    const [board]: [{ id: string }?] = await sql`
      insert into boards (name, created_by) values (${`Topic board ${i + 1}`}, ${user!.id}) returning id`;
    for (const [position, paperId] of paperIds.entries()) {
      await sql`
        insert into board_cards (board_id, card_id, raw_paper_id, paper_id, column_id, position, added_by, added_at)
        values (${board!.id}, ${`card-${position}`}, ${paperId}, ${paperId}, 'nominated', ${position}, ${user!.id}, now())`;
    }
    ids.push(board!.id);
  }
  return ids;
}
