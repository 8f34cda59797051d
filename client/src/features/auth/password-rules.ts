import type { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '#shared/schemas/auth.js';

// The shared schema's values, checked against it by the compiler: importing them as values would put
// all of TypeBox (some 60 kB) in the client bundle.

/** The fewest characters a password may have. */
export const MIN_PASSWORD_LENGTH: typeof PASSWORD_MIN_LENGTH = 10;
/** The most characters a password may have. */
export const MAX_PASSWORD_LENGTH: typeof PASSWORD_MAX_LENGTH = 200;
