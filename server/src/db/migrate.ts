import fs from 'node:fs/promises';
import path from 'node:path';
import type { Querier, Sql } from './sql.js';
import { fromRoot } from '#server/paths.js';

/** Where the numbered, forward-only SQL migrations live. */
export const MIGRATIONS_DIR = fromRoot('db', 'migrations');

// Any constant works; it only has to be the same on every node.
const MIGRATION_LOCK_KEY = 724_001;

/** The migration files of `dir`, in order, with their version numbers. */
export async function migrationFiles(dir = MIGRATIONS_DIR): Promise<{ version: number; file: string }[]> {
  return (await fs.readdir(dir))
    .filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f))
    .sort()
    .map((file) => ({ version: Number(file.slice(0, 4)), file }));
}

/**
 * Applies, inside the caller's transaction, the migrations not yet recorded in `schema_migrations`
 * (only those `wanted` accepts, when given). Returns the names applied.
 */
export async function applyMigrations(
  tx: Querier,
  dir = MIGRATIONS_DIR,
  wanted: (version: number) => boolean = () => true,
): Promise<string[]> {
  await tx`
    create table if not exists schema_migrations (
      version integer primary key,
      name text not null,
      applied_at timestamptz not null default now()
    )`;
  const done = new Set((await tx<{ version: number }[]>`select version from schema_migrations`).map((r) => r.version));
  const applied: string[] = [];
  for (const { version, file } of await migrationFiles(dir)) {
    if (done.has(version) || !wanted(version)) continue;
    await tx.unsafe(await fs.readFile(path.join(dir, file), 'utf8')).simple();
    await tx`insert into schema_migrations (version, name) values (${version}, ${file})`;
    applied.push(file);
  }
  return applied;
}

/**
 * Applies the migrations not yet recorded in `schema_migrations`, in order, in one transaction held
 * under an advisory lock so that several nodes starting at once apply each file exactly once.
 * Returns the names applied.
 */
export async function migrate(sql: Sql, dir = MIGRATIONS_DIR): Promise<string[]> {
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`;
    return applyMigrations(tx, dir);
  });
}
