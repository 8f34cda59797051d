import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fp from 'fastify-plugin';
import fastifyStatic from '@fastify/static';

/** Where `vite build` writes the client. */
export const CLIENT_DIST = fileURLToPath(new URL('../../../client/dist/', import.meta.url));

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
      return reply.sendFile('index.html');
    });
  },
  { name: 'client' },
);
