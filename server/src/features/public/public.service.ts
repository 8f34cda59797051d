import type { Sql } from '#server/db/sql.js';
import { badRequest, conflict } from '#server/errors.js';
import { slugProblem, type PublicSettings, type PublicSettingsRequest } from '#shared/schemas/public.js';
import { publicNotes } from '#server/features/notes/notes.service.js';
import { publicUrls } from './public-page.js';
import {
  existingColumns,
  findPublicSettings,
  findPublishedBoard,
  readSyllabus,
  savePublicSettings,
  slugTaken,
  type PublicPageRow,
} from './public.repository.js';
import { buildSyllabus, type Syllabus } from './syllabus.js';

/** The settings as owners see them, with the page's address once there is a slug. */
export function settingsView(row: PublicPageRow, publicUrl: string): PublicSettings {
  return {
    enabled: row.enabled,
    slug: row.slug,
    columns: row.columns,
    indexable: row.indexable,
    url: row.slug ? publicUrls(publicUrl, row.slug).page : null,
  };
}

/** A board's public page settings as owners see them. */
export async function readPublicSettings(sql: Sql, boardId: string, publicUrl: string): Promise<PublicSettings> {
  return settingsView(await findPublicSettings(sql, boardId), publicUrl);
}

/**
 * Applies a change of the public page's settings (fields left out keep their value). A malformed or
 * reserved slug and unknown columns are 400s naming the field; a slug another board holds is a 409.
 */
export async function changePublicSettings(sql: Sql, boardId: string, change: PublicSettingsRequest): Promise<void> {
  const current = await findPublicSettings(sql, boardId);
  const slug = change.slug ?? current.slug;
  if (change.slug !== undefined) {
    const problem = slugProblem(change.slug);
    if (problem) throw badRequest(`body/public/slug ${problem}`);
  }
  if (!slug) {
    // Nothing to store without an address; turning the page on needs one.
    if (change.enabled) throw badRequest('body/public/slug is required to turn the public page on');
    if (Object.keys(change).length) throw badRequest('body/public/slug is required the first time');
    return;
  }
  const columns = change.columns ?? current.columns;
  if (change.columns?.length) {
    const known = await existingColumns(sql, boardId, change.columns);
    const unknown = change.columns.filter((id) => !known.has(id));
    if (unknown.length) throw badRequest(`body/public/columns names no column of this board: ${unknown.join(', ')}`);
  }
  const taken = () => conflict(`public/slug "${slug}" is taken by another board`, { field: 'slug' });
  if (await slugTaken(sql, boardId, slug)) throw taken();
  const saved = await savePublicSettings(sql, {
    boardId,
    enabled: change.enabled ?? current.enabled,
    slug,
    columns,
    indexable: change.indexable ?? current.indexable,
  });
  if (!saved) throw taken();
}

/** The syllabus published at `slug` at `now`, or null when no board is published there. */
export async function loadSyllabus(sql: Sql, slug: string, now: Date): Promise<Syllabus | null> {
  const board = await findPublishedBoard(sql, slug);
  if (!board) return null;
  const data = await readSyllabus(sql, board.boardId, board.columns);
  const notes = await publicNotes(
    sql,
    board.boardId,
    data.cards.map((c) => c.cardId),
  );
  return buildSyllabus(board, data, notes, now);
}
