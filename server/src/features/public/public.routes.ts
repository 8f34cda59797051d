import crypto from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { PublicSlugParams, SLUG_PATTERN } from '#shared/schemas/public.js';
import { renderCalendar } from '#server/features/schedule/calendar.js';
import { renderAtom } from './public-atom.js';
import { LOCAL_TIMES_PATH, LOCAL_TIMES_SCRIPT, renderNotFoundPage, renderPublicPage } from './public-page.js';
import { loadSyllabus } from './public.service.js';
import type { Syllabus } from './syllabus.js';

const SLUG = new RegExp(SLUG_PATTERN);
/** Browsers and proxies may keep a page a minute; the server itself keeps nothing, so "off" is at once. */
const CACHE_CONTROL = 'public, max-age=60';

/** Whether an If-None-Match header names this ETag (a list, weak forms and `*` included). */
function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t === etag || t === `W/${etag}`;
  });
}

/**
 * Sends a public representation with its ETag (a hash of the body) and caching headers, or 304 when the
 * client has it already. Unless the owner allows indexing, robots are told not to index it.
 */
function sendCached(request: FastifyRequest, reply: FastifyReply, s: Syllabus, type: string, body: string) {
  const etag = `"${crypto.createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
  reply.header('etag', etag).header('cache-control', CACHE_CONTROL).header('vary', 'accept-encoding');
  if (!s.indexable) reply.header('x-robots-tag', 'noindex');
  if (matches(request.headers['if-none-match'], etag)) return reply.status(304).send();
  return reply.type(type).send(body);
}

const description = (what: string) =>
  `${what} of a board's public syllabus (no session). 404 when no board is published at the slug, also ` +
  'the moment its owner turns the page off.';

/**
 * The public syllabus pages: `/p/:slug` (HTML), its iCalendar and Atom feeds, and the small script that
 * shows times in the visitor's zone. Nothing here reads a session; only the owner's chosen columns are read.
 */
export const publicRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['public'];
  const find = async (slug: string) => (SLUG.test(slug) ? loadSyllabus(app.sql, slug, new Date()) : null);
  const notFound = (reply: FastifyReply) =>
    reply
      .status(404)
      .header('cache-control', 'no-cache')
      .header('x-robots-tag', 'noindex')
      .type('text/html; charset=utf-8')
      .send(renderNotFoundPage());

  app.get(LOCAL_TIMES_PATH, { schema: { hide: true } }, async (_request, reply) =>
    reply
      .type('text/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=3600')
      .send(LOCAL_TIMES_SCRIPT),
  );

  app.get(
    '/p/:slug',
    {
      schema: {
        tags,
        description: description('The HTML page'),
        params: PublicSlugParams,
        response: { 200: Type.String({ description: 'text/html' }) },
      },
    },
    async (request, reply) => {
      const syllabus = await find(request.params.slug);
      if (!syllabus) return notFound(reply);
      const html = renderPublicPage(syllabus, app.config.publicUrl);
      return sendCached(request, reply, syllabus, 'text/html; charset=utf-8', html);
    },
  );

  app.get(
    '/p/:slug/calendar.ics',
    {
      schema: {
        tags,
        description: description('The iCalendar (RFC 5545) feed of the sessions'),
        params: PublicSlugParams,
        response: { 200: Type.String({ description: 'text/calendar' }) },
      },
    },
    async (request, reply) => {
      const syllabus = await find(request.params.slug);
      if (!syllabus) return notFound(reply);
      const body = renderCalendar(
        { id: syllabus.boardId, name: syllabus.name },
        [...syllabus.past]
          .reverse()
          .concat(syllabus.upcoming)
          .map((s) => ({
            cardId: s.paper.cardId,
            title: s.paper.title,
            presenterName: s.presenterName,
            sessionAt: s.at,
            updatedAt: s.updatedAt,
          })),
      );
      reply.header('content-disposition', 'inline; filename="syllabus.ics"');
      return sendCached(request, reply, syllabus, 'text/calendar; charset=utf-8', body);
    },
  );

  app.get(
    '/p/:slug/feed.atom',
    {
      schema: {
        tags,
        description: description('The Atom feed (RFC 4287)'),
        params: PublicSlugParams,
        response: { 200: Type.String({ description: 'application/atom+xml' }) },
      },
    },
    async (request, reply) => {
      const syllabus = await find(request.params.slug);
      if (!syllabus) return notFound(reply);
      const body = renderAtom(syllabus, app.config.publicUrl, new Date());
      return sendCached(request, reply, syllabus, 'application/atom+xml; charset=utf-8', body);
    },
  );
};
