/** Largest value of a PostgreSQL `bigint`. */
const MAX_BIGINT = 9_223_372_036_854_775_807n;
/** ISO 8601 or PostgreSQL's own text form of a timestamptz (`2026-12-06 21:54:30.123+00`). */
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-](\d{2})(?::?(\d{2}))?)$/;

/**
 * Whether a cursor field is a timestamp as this server writes them (ISO 8601 or PostgreSQL's text,
 * years 0001–9999), with every field in its range: `Date.parse` accepts far more ("1", "June") and
 * rolls 30 February over to March, while PostgreSQL refuses those.
 */
export function isIsoTimestamp(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = TIMESTAMP.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second, offsetHours, offsetMinutes] = m
    .slice(1)
    .map((part) => (part === undefined ? 0 : Number(part)));
  const daysInMonth = new Date(Date.UTC(2000, month, 0)).getUTCDate() - (month === 2 && !isLeap(year) ? 1 : 0);
  return (
    year >= 1 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    offsetHours <= 15 &&
    offsetMinutes <= 59
  );
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Whether a cursor field is a non-negative integer that fits a PostgreSQL `bigint`. */
export function isBigintText(value: unknown): value is string {
  return typeof value === 'string' && /^\d{1,19}$/.test(value) && BigInt(value) <= MAX_BIGINT;
}
