import type { IncomingHttpHeaders } from 'node:http';

/** The origin of a URL-like header value; `'invalid'` when it does not parse, null when absent. */
function originOf(value: string | undefined): string | null {
  if (!value) return null;
  try {
    return new URL(value).origin;
  } catch {
    return 'invalid';
  }
}

/**
 * Which browser origins may use the app: `PUBLIC_URL`'s, those in `ALLOWED_ORIGINS`, and the origin a
 * request names itself through its `Host` (same-origin; a browser sets Host to the server it talks
 * to, so another site's page cannot make them agree). One policy for unsafe HTTP methods, `/yjs`
 * upgrades and the socket.io handshake.
 */
export class OriginPolicy {
  private readonly allowed: Set<string>;

  constructor(publicUrl: string, allowedOrigins: string[]) {
    this.allowed = new Set([new URL(publicUrl).origin, ...allowedOrigins.map((o) => new URL(o).origin)]);
  }

  /**
   * Whether a request with these headers comes from an allowed page. Requests without `Origin` (and
   * `Referer`, when asked to consult it) are not from a browser page and pass: they carry no ambient
   * cookie an attacker could borrow.
   */
  allows(headers: IncomingHttpHeaders, encrypted: boolean, { referer = false } = {}): boolean {
    const origin = originOf(headers.origin) ?? (referer ? originOf(headers.referer) : null);
    if (origin === null) return true;
    if (this.allowed.has(origin)) return true;
    const host = headers.host;
    return Boolean(host) && origin === originOf(`${encrypted ? 'https' : 'http'}://${host}`);
  }
}
