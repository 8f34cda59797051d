import { Type, type Static } from '@sinclair/typebox';
import { UUID_PATTERN } from '#shared/protocol/uuid.js';

/** Body of every error response: a stable machine code and a human sentence. */
export const ErrorBody = Type.Object(
  {
    error: Type.String({ description: 'Machine-readable code, e.g. "validation", "not_found"' }),
    message: Type.String({ description: 'Human-readable explanation naming the offending field' }),
    statusCode: Type.Optional(Type.Integer()),
  },
  { $id: 'ErrorBody' },
);
export type ErrorBody = Static<typeof ErrorBody>;

/**
 * A UUID path or body parameter, in the canonical form only: JSON Schema's `uuid` format also takes
 * `urn:uuid:…`, which PostgreSQL's uuid type refuses (an error on our side instead of a 400).
 */
export const Uuid = Type.String({ pattern: UUID_PATTERN });

/**
 * An IANA time zone name as text (`Europe/Berlin`, `UTC`). The schema checks the shape only; whether
 * the zone exists is up to `canonicalTimeZone`, which asks the runtime's time zone database.
 */
export const TimeZoneName = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z][A-Za-z0-9_+\\-]*(/[A-Za-z0-9_+\\-]+)*$',
  description: 'IANA time zone, e.g. Europe/Berlin',
});

/**
 * The runtime's own spelling of an IANA zone (`utc` → `UTC`), or null when it does not know the zone.
 * Offsets such as `+02:00` are refused: they do not follow daylight saving time.
 */
export function canonicalTimeZone(name: string): string | null {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(name) || name.length > 64) return null;
  try {
    return new Intl.DateTimeFormat('en', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}
