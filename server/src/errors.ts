/** An error with an HTTP status and a stable code; the error handler turns it into `{ error, message }`. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** 400: the input names a field that is wrong. */
export const badRequest = (message: string, extra?: Record<string, unknown>) =>
  new HttpError(400, 'validation', message, extra);
/** 404: no such thing, or not visible to the caller. */
export const notFound = (what: string) => new HttpError(404, 'not_found', `${what} not found`);
/** 409: the thing exists already; `extra` says which. */
export const conflict = (message: string, extra?: Record<string, unknown>) =>
  new HttpError(409, 'conflict', message, extra);
/** 415: the body is not of a type the route reads. */
export const unsupportedMedia = (message: string) => new HttpError(415, 'unsupported_media_type', message);
/** 401: no valid credentials. */
export const unauthorized = (message = 'sign in first') => new HttpError(401, 'unauthorized', message);
/** 403: signed in, but not allowed. */
export const forbidden = (message = 'not allowed') => new HttpError(403, 'forbidden', message);
