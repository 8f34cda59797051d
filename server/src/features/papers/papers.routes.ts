import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type } from '@sinclair/typebox';
import { ErrorBody, Uuid } from '#shared/schemas/common.js';
import {
  IMPORT_FORMATS,
  ImportRequest,
  ImportResult,
  NewPaper,
  Paper,
  PaperPage,
  PaperSearchQuery,
  type ImportFormat,
} from '#shared/schemas/papers.js';
import { badRequest, conflict, notFound, unauthorized, unsupportedMedia } from '#server/errors.js';
import { requireUser } from '#server/features/auth/sessions.js';
import { findPaperById } from './papers.repository.js';
import { searchPapers, type SearchCursor } from './papers-search.repository.js';
import { BibtexReaders } from './importers/bibtex-thread.js';
import { ImportInputError, addPaper, importPapers } from './papers.service.js';
import { isTrendingCursor, trendingPapers } from '#server/features/votes/trending.repository.js';
import { isBigintText, isIsoTimestamp } from '#server/cursors.js';
import { assertPapersLeft, papersRefusal, takePapers } from '#server/features/quotas/quotas.js';
import { feedDayPapers, feedDays, isFeedDayCursor } from '#server/features/feeds/feed-days.repository.js';
import { FeedDayList } from '#shared/schemas/feeds.js';

function encodeCursor(cursor: SearchCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(raw: string): SearchCursor {
  try {
    const c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as SearchCursor;
    const seqOk = isBigintText(c.seq);
    if (c.sort === 'relevance' && seqOk && typeof c.rank === 'number' && Number.isFinite(c.rank)) return c;
    if (c.sort === 'recent' && seqOk && isIsoTimestamp(c.at)) return c;
  } catch {
    // fall through to the error below
  }
  throw badRequest('querystring/cursor is not a cursor returned by this endpoint');
}

function decodeFeedDayCursor(raw: string, day: string) {
  try {
    const c: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (isFeedDayCursor(c) && c.day === day) return c;
  } catch {
    // fall through to the error below
  }
  throw badRequest('querystring/cursor is not a cursor of this day returned by this endpoint');
}

function decodeTrendingCursor(raw: string) {
  try {
    const c: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (isTrendingCursor(c)) return c;
  } catch {
    // fall through to the error below
  }
  throw badRequest('querystring/cursor is not a trending cursor returned by this endpoint');
}

const LONE_SURROGATES = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Rejects text that is really a binary file: NUL bytes or many undecodable characters. */
function assertText(text: string): void {
  const replacement = text.match(/\uFFFD/g)?.length ?? 0;
  if (text.includes('\u0000') || replacement > Math.max(3, text.length / 100)) {
    throw unsupportedMedia('text: the upload is not a text file (paste or upload .txt, .bib or a list of ids)');
  }
}

/** Streams import progress as NDJSON lines, then the result as the last line. */
async function streamImport(reply: FastifyReply, run: (onProgress: (p: object) => void) => Promise<ImportResult>) {
  reply.raw.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
  const write = (obj: object) => reply.raw.write(`${JSON.stringify(obj)}\n`);
  try {
    write({ result: await run((progress) => write({ progress })) });
  } catch (err) {
    const message = err instanceof ImportInputError ? err.message : 'the import failed on our side';
    if (!(err instanceof ImportInputError)) reply.log.error({ err }, 'import failed');
    write({ error: err instanceof ImportInputError ? 'validation' : 'internal', message });
  }
  reply.raw.end();
  return reply;
}

/** The paper library: search, one paper, add one, import many. */
export const paperRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // BibTeX is read off the event loop: a 5 MB file takes the parser tens of seconds.
  const bibtex = new BibtexReaders();
  app.addHook('onClose', () => bibtex.close());
  // Plain text bodies are accepted by the import route (the CLI and `curl --data-binary @file` send them).
  app.addContentTypeParser(['text/plain', 'application/x-bibtex'], { parseAs: 'string' }, (_req, body, done) =>
    done(null, body),
  );

  app.get(
    '/api/papers',
    { schema: { tags: ['papers'], querystring: PaperSearchQuery, response: { 200: PaperPage, 400: ErrorBody } } },
    async (request) => {
      const { q, tag, limit = 20, cursor, feedDay } = request.query;
      if (feedDay) {
        if (q !== undefined || tag !== undefined || request.query.sort !== undefined) {
          throw badRequest('querystring/feedDay cannot be combined with q, tag or sort');
        }
        const after = cursor ? decodeFeedDayCursor(cursor, feedDay) : null;
        const page = await feedDayPapers(app.sql, { day: feedDay, limit, after });
        const nextCursor = page.more && page.last ? Buffer.from(JSON.stringify(page.last)).toString('base64url') : null;
        return { items: page.hits, nextCursor };
      }
      const query = q?.trim() || null;
      const sort = request.query.sort ?? (query ? 'relevance' : 'recent');
      if (sort === 'trending') {
        const after = cursor ? decodeTrendingCursor(cursor) : null;
        const userId = request.user?.id ?? null;
        const page = await trendingPapers(app.sql, { userId, q: query, tag: tag ?? null, limit, after });
        const nextCursor = page.more && page.last ? Buffer.from(JSON.stringify(page.last)).toString('base64url') : null;
        return { items: page.hits, nextCursor };
      }
      const after = cursor ? decodeCursor(cursor) : null;
      if (after && after.sort !== (sort === 'relevance' && query ? 'relevance' : 'recent')) {
        throw badRequest('querystring/cursor belongs to a different sort order');
      }
      const page = await searchPapers(app.sql, { q: query, tag: tag ?? null, sort, limit, after });
      return {
        items: page.hits,
        nextCursor: page.more && page.last ? encodeCursor(page.last) : null,
        ...(page.correctedQuery ? { correctedQuery: page.correctedQuery } : {}),
      };
    },
  );

  app.get(
    '/api/papers/feed-days',
    {
      schema: {
        tags: ['papers'],
        description: 'The latest days on which the instance feeds listed papers (the "By day" tabs), newest first.',
        querystring: Type.Object(
          { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 60, default: 14 })) },
          { additionalProperties: false },
        ),
        response: { 200: FeedDayList, 400: ErrorBody },
      },
    },
    async (request) => ({ items: await feedDays(app.sql, request.query.limit ?? 14) }),
  );

  app.get(
    '/api/papers/:id',
    {
      schema: {
        tags: ['papers'],
        params: Type.Object({ id: Uuid }),
        response: { 200: Paper, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const paper = await findPaperById(app.sql, request.params.id);
      if (!paper) throw notFound('paper');
      return paper;
    },
  );

  app.post(
    '/api/papers',
    {
      schema: {
        tags: ['papers'],
        body: NewPaper,
        response: { 201: Paper, 400: ErrorBody, 409: Type.Intersect([ErrorBody, Type.Object({ existingId: Uuid })]) },
      },
    },
    async (request, reply) => {
      const user = requireUser(request);
      const { granted, retryAfter } = await takePapers(app.sql, user.id, 1, app.config.quotas.papersPerHour);
      if (granted === 0) throw papersRefusal(app.config.quotas.papersPerHour, retryAfter);
      const outcome = await addPaper(app.sql, request.body, user.id);
      if (outcome.status === 'invalid') throw badRequest(`body/${outcome.message}`);
      if (outcome.status === 'duplicate') {
        throw conflict(`a paper with the same ${outcome.reason} is already in the library`, { existingId: outcome.id });
      }
      const paper = await findPaperById(app.sql, outcome.id);
      return reply.status(201).send(paper!);
    },
  );

  app.post(
    '/api/papers/import',
    {
      // A binary upload is a 415 of its own (assertText), not the generic refusal of NUL characters.
      config: { checksOwnBodyText: true },
      schema: {
        tags: ['papers'],
        description:
          'Imports papers from a trending page, arXiv ids, BibTeX or DOIs. Send JSON `{text, format}` or the ' +
          'text itself as text/plain with `?format=`. With `Accept: application/x-ndjson` progress lines ' +
          'stream before the result.',
        querystring: Type.Object({ format: Type.Optional(Type.Union(IMPORT_FORMATS.map((f) => Type.Literal(f)))) }),
        body: Type.Union([ImportRequest, Type.String({ minLength: 1 })]),
        response: { 200: ImportResult, 400: ErrorBody, 413: ErrorBody, 415: ErrorBody },
      },
    },
    async (request, reply) => {
      // People import with their session; the local CLI with the data directory's admin secret.
      if (!request.user && !request.system) throw unauthorized();
      const addedBy = request.user?.id ?? null;
      const body = request.body;
      // Unpaired surrogates (a file cut mid-character, or escaped in JSON) become U+FFFD, as a decoder would.
      const text = (typeof body === 'string' ? body : body.text).replace(LONE_SURROGATES, '\uFFFD');
      const format: ImportFormat = (typeof body === 'string' ? request.query.format : body.format) ?? 'auto';
      assertText(text);
      const perHour = app.config.quotas.papersPerHour;
      // Refused before any reading when nothing is left; otherwise the entries past it become error lines.
      if (request.user) await assertPapersLeft(app.sql, request.user.id, perHour);
      const user = request.user;
      const run = (onProgress?: (p: object) => void) =>
        importPapers(app.sql, text, {
          format,
          settings: app.config,
          onProgress,
          addedBy,
          readBibtex: (bib) => bibtex.parse(bib, addedBy ?? 'system'),
          allowance: user ? (entries) => takePapers(app.sql, user.id, entries, perHour) : undefined,
        });
      if (request.headers.accept?.includes('application/x-ndjson')) return streamImport(reply, run);
      try {
        return await run();
      } catch (err) {
        if (err instanceof ImportInputError) throw badRequest(err.message);
        throw err;
      }
    },
  );
};
