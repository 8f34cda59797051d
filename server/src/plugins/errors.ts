import fp from 'fastify-plugin';
import type { FastifyError } from 'fastify';
import { HttpError } from '#server/errors.js';

const CODES: Record<number, string> = {
  400: 'validation',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

/** Names the offending field, e.g. "body/title is required" or "querystring/limit must be <= 100". */
function validationMessage(err: FastifyError): string {
  const first = err.validation?.[0];
  if (!first) return err.message;
  const base = `${err.validationContext ?? 'input'}${first.instancePath}`;
  const params = first.params as { missingProperty?: string; additionalProperty?: string };
  if (params.missingProperty) return `${base}/${params.missingProperty} is required`;
  if (params.additionalProperty) return `${base}/${params.additionalProperty} is not an accepted field`;
  return `${base} ${first.message ?? 'is invalid'}`;
}

/**
 * Errors of a database that cannot be reached (down, restarting, or its pool cut off): postgres.js's
 * connection errors and the socket errors under them. The server is fine and the request may be retried.
 */
const UNREACHABLE = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOENT',
  'EPIPE',
  '57P01', // admin_shutdown: the server is stopping
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up or recovering
]);

function databaseUnreachable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && UNREACHABLE.has(code);
}

/**
 * PostgreSQL's program limits (class 54: a search query nested too deep, too many terms): only input
 * can cause them, so they are the client's to change.
 */
function tooComplex(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('54') && code.length === 5;
}

/**
 * One error handler for the whole API: known errors become `{ error, message }` with their status;
 * anything else is logged with its stack and answered with a 500 that reveals nothing.
 */
export const errorsPlugin = fp(
  async (app) => {
    app.setErrorHandler((err: FastifyError, request, reply) => {
      if (err instanceof HttpError) {
        if (typeof err.extra.retryAfter === 'number') reply.header('retry-after', String(err.extra.retryAfter));
        return reply.status(err.statusCode).send({ error: err.code, message: err.message, ...err.extra });
      }
      const status = err.statusCode ?? 500;
      if (err.validation) {
        return reply.status(400).send({ error: 'validation', message: validationMessage(err) });
      }
      if (status >= 400 && status < 500) {
        const message =
          status === 413
            ? `request body is larger than the limit of ${app.initialConfig.bodyLimit} bytes`
            : err.message;
        return reply.status(status).send({ error: CODES[status] ?? 'bad_request', message });
      }
      if (tooComplex(err)) {
        return reply.status(400).send({ error: 'validation', message: 'the request is too complex to answer' });
      }
      if (databaseUnreachable(err)) {
        request.log.warn({ err }, 'request failed: the database is unreachable');
        reply.header('retry-after', '5');
        return reply
          .status(503)
          .send({ error: 'unavailable', message: 'the database is unavailable; try again shortly' });
      }
      request.log.error({ err }, 'request failed');
      return reply.status(500).send({ error: 'internal', message: 'something went wrong on our side' });
    });
    app.setNotFoundHandler((request, reply) => {
      reply
        .status(404)
        .send({ error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` });
    });
  },
  { name: 'errors' },
);
