/** Raised when the embedded database cannot start, or has stopped under the server for good. */
export class EmbeddedDatabaseError extends Error {
  override name = 'EmbeddedDatabaseError';
}
