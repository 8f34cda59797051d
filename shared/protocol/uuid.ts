/**
 * The one UUID check of the code base: the canonical 8-4-4-4-12 hex form, in either case. The server
 * checks ids with it before they reach Postgres (whose `uuid` type refuses anything else), the client
 * before it routes to a board, and `UUID_PATTERN` is the same check as a JSON Schema `pattern`.
 * Kept apart from the TypeBox schemas so that the client can use it without bundling TypeBox.
 */
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

const UUID = new RegExp(UUID_PATTERN);

/** Whether `value` is a UUID in canonical form (either case). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
