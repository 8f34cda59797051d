/**
 * A public page's address: lowercase letters, digits and inner hyphens, 3–60 characters. Words that name
 * the app's own pages or could pass for an official one are refused ({@link RESERVED_SLUGS}).
 */
export const SLUG_PATTERN = '^[a-z0-9][a-z0-9-]{1,58}[a-z0-9]$';

/** Slugs nobody may take: they read as the app's own pages. */
export const RESERVED_SLUGS: ReadonlySet<string> = new Set([
  'about',
  'admin',
  'api',
  'app',
  'assets',
  'auth',
  'board',
  'boards',
  'calendar',
  'feed',
  'feeds',
  'help',
  'login',
  'logout',
  'new',
  'official',
  'paperboard',
  'papers',
  'public',
  'root',
  'settings',
  'signup',
  'static',
  'support',
  'system',
  'www',
]);

/** Whether a slug is well formed and not reserved (the database checks uniqueness). */
export function slugProblem(slug: string): string | null {
  if (!new RegExp(SLUG_PATTERN).test(slug)) {
    return 'must be 3–60 lowercase letters, digits or hyphens, starting and ending with a letter or digit';
  }
  if (RESERVED_SLUGS.has(slug)) return `"${slug}" is reserved; choose another`;
  return null;
}
