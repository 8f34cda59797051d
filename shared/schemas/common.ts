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
