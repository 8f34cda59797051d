import { Type, type Static } from '@sinclair/typebox';

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

/** A UUID path or body parameter. */
export const Uuid = Type.String({ format: 'uuid' });
