import fs from 'node:fs';
import path from 'node:path';
import fp from 'fastify-plugin';
import fastifyStatic from '@fastify/static';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { fromRoot } from '#server/paths.js';
import { EARLY_SOCKET_META, boardScreenReads, boardSocketPath } from '#shared/protocol/board-screen.js';
import { isUuid } from '#shared/protocol/uuid.js';

/** Where `vite build` writes the client. */
export const CLIENT_DIST = `${fromRoot('client', 'dist')}${path.sep}`;

/** Vite's output for hashed, immutable files: scripts, styles, chunks. */
export const ASSETS_PREFIX = '/assets/';

// A board's page, with or without a card's panel open; the id is checked before it reaches the HTML.
const BOARD_PAGE = /^\/boards\/([^/]+)(?:\/cards\/[^/]+)?\/?$/;

/**
 * `index.html`, and for a signed-in reader opening a board, the same page naming the board's first reads
 * as preloads: the browser fetches them while the script loads (a good part of a cold load) instead of
 * after it has run; and naming the board's document connection, which the app's first module opens before
 * the rest of the app runs (client/src/early-socket.ts).
 */
async function sendPage(request: FastifyRequest, reply: FastifyReply, url: string) {
  const board = BOARD_PAGE.exec(url);
  if (!board || !isUuid(board[1]) || !request.user) return reply.sendFile('index.html');
  const boardId = board[1].toLowerCase();
  const links =
    Object.values(boardScreenReads(boardId))
      .map((href) => `<link rel="preload" href="${href}" as="fetch" crossorigin="anonymous" />`)
      .join('') + `<meta name="${EARLY_SOCKET_META}" content="${boardSocketPath(boardId)}" />`;
  // Read each time (off the event loop), like the plain page: a rebuild while the server runs is served.
  const page = await fs.promises.readFile(path.join(CLIENT_DIST, 'index.html'), 'utf8');
  const html = page.replace('</head>', `${links}</head>`);
  return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(html);
}

/**
 * Serves the built Svelte client, with `index.html` for any non-API path so that client-side routes
 * survive a reload. Without a build (tests of the API alone) it serves nothing.
 */
export const clientPlugin = fp(
  async (app) => {
    if (!fs.existsSync(path.join(CLIENT_DIST, 'index.html'))) return;
    await app.register(fastifyStatic, { root: CLIENT_DIST, wildcard: false, index: ['index.html'] });
    app.get('/*', { schema: { hide: true } }, (request, reply) => {
      const url = request.url.split('?')[0];
      const file = path.join(CLIENT_DIST, path.normalize(url).replace(/^(\.\.[/\\])+/, ''));
      if (
        !url.startsWith('/api/') &&
        file.startsWith(CLIENT_DIST) &&
        fs.existsSync(file) &&
        fs.statSync(file).isFile()
      ) {
        return reply.sendFile(path.relative(CLIENT_DIST, file));
      }
      if (url.startsWith('/api/') || path.extname(url)) {
        return reply.status(404).send({ error: 'not_found', message: `no route ${request.method} ${url}` });
      }
      return sendPage(request, reply, url);
    });
  },
  { name: 'client' },
);
