import type { Sql } from '#server/db/sql.js';

/** Reads an instance setting. */
export async function getSetting<T>(sql: Sql, key: string): Promise<T | null> {
  const [row]: [{ value: T }?] = await sql`select value from instance_settings where key = ${key}`;
  return row?.value ?? null;
}

/** Writes an instance setting. */
export async function putSetting(sql: Sql, key: string, value: unknown): Promise<void> {
  await sql`
    insert into instance_settings (key, value) values (${key}, ${sql.json(value as never)})
    on conflict (key) do update set value = excluded.value`;
}
