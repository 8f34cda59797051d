import fs from 'node:fs/promises';
import type { Config } from '#server/config.js';
import type { Sql } from '#server/db/sql.js';
import { fromRoot } from '#server/paths.js';
import { countPapers } from '#server/features/papers/papers.repository.js';
import { importPapers } from '#server/features/papers/papers.service.js';

/** The real trending-papers page shipped with the repository (an unmodified copy). */
export const TRENDING_FIXTURE = fromRoot('db', 'seed', 'trending-papers.txt');

/** On first start with an empty library, imports the demo papers. Returns how many were created. */
export async function seedDemo(sql: Sql, config: Config): Promise<number> {
  if ((await countPapers(sql)) > 0) return 0;
  const text = await fs.readFile(TRENDING_FIXTURE, 'utf8');
  const result = await importPapers(sql, text, { format: 'trending', settings: config });
  return result.created.length;
}
