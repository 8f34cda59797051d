import crypto from 'node:crypto';
import type { Config } from '#server/config.js';
import { dataDirSecret, secretMatches } from '#server/db/admin-secret.js';
import type { MailList } from '#shared/schemas/digest.js';

const SECRET_FILE = 'mail-secret';

/**
 * The key that signs unsubscribe links: `SESSION_SECRET` when set (nodes sharing a database must set
 * it, so that a link mailed by one node works on all), else a secret kept in the data directory.
 */
export function mailSecret(config: Pick<Config, 'sessionSecret' | 'dataDir'>): string {
  return config.sessionSecret ?? dataDirSecret(config.dataDir, SECRET_FILE);
}

/** HMAC-SHA256 of the user and list, base64url: the link proves the server mailed it to that user. */
function unsubscribeSignature(secret: string, userId: string, list: MailList): string {
  return crypto.createHmac('sha256', secret).update(`unsubscribe\n${userId}\n${list}`).digest('base64url');
}

/** Whether `sig` is the signature of this user and list (constant-time). */
export function verifyUnsubscribe(secret: string, userId: string, list: MailList, sig: string): boolean {
  return secretMatches(unsubscribeSignature(secret, userId, list), sig);
}

/**
 * The one-click link of a mail. It does not expire: an unsubscribe link must keep working for as long
 * as old mails exist.
 */
export function unsubscribeUrl(publicUrl: string, secret: string, userId: string, list: MailList): string {
  const params = new URLSearchParams({ user: userId, list, sig: unsubscribeSignature(secret, userId, list) });
  return `${publicUrl}/api/unsubscribe?${params.toString()}`;
}

/** The RFC 2369 / RFC 8058 headers that let mail clients offer one-click unsubscribe. */
export function unsubscribeHeaders(url: string): Record<string, string> {
  return { 'List-Unsubscribe': `<${url}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
}
