import { Type, type Static } from '@sinclair/typebox';

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

export const PUBLIC_LIMITS = { columns: 100 } as const;

/**
 * The `public` part of `PATCH /api/boards/:boardId` (owners only). Fields left out keep their value;
 * `slug` is required the first time the page is turned on.
 */
export const PublicSettingsRequest = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    slug: Type.Optional(Type.String({ minLength: 3, maxLength: 60 })),
    columns: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: PUBLIC_LIMITS.columns, uniqueItems: true }),
    ),
    indexable: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type PublicSettingsRequest = Static<typeof PublicSettingsRequest>;

/** A board's public page settings as its owners see them; `url` is null until a slug is chosen. */
export const PublicSettings = Type.Object({
  enabled: Type.Boolean(),
  slug: Type.Union([Type.String(), Type.Null()]),
  columns: Type.Array(Type.String()),
  indexable: Type.Boolean(),
  url: Type.Union([Type.String(), Type.Null()]),
});
export type PublicSettings = Static<typeof PublicSettings>;

/** Path parameters of the public page routes. The pattern is checked by hand (an unknown page is a 404). */
export const PublicSlugParams = Type.Object({ slug: Type.String({ maxLength: 100 }) });
