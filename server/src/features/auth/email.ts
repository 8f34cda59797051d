/**
 * Characters that render as nothing but make two addresses differ: zero-width space, non-joiner and
 * joiner, word joiner, and the byte-order mark (what a paste from some editors starts with).
 */
const INVISIBLE = /[\u200B-\u200D\u2060\uFEFF]/g;

/**
 * An email address as typed, cleaned the one way every route uses (signup, login, reset, the
 * throttle): Unicode NFC, invisible characters removed, surrounding whitespace (newlines included)
 * trimmed. Kept as the account's display address.
 */
export function cleanEmail(raw: string): string {
  return raw.normalize('NFC').replace(INVISIBLE, '').trim();
}

/** The key an address is found and throttled by: {@link cleanEmail}, lower-cased. */
export function emailKey(raw: string): string {
  return cleanEmail(raw).toLowerCase();
}
