import { Type, type Static } from '@sinclair/typebox';
import { RESERVED_SLUGS, SLUG_PATTERN, slugProblem } from '#shared/protocol/public-page.js';

export { RESERVED_SLUGS, SLUG_PATTERN, slugProblem };

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
