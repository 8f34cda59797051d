import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorBody } from '#shared/schemas/common.js';
import { BoardParams } from '#shared/schemas/boards.js';
import {
  FeedRun,
  FeedRunList,
  FeedRunsQuery,
  NewWatch,
  RunFeedRequest,
  Watch,
  WatchList,
  WatchParams,
  WATCH_LIMITS,
} from '#shared/schemas/feeds.js';
import { badRequest, conflict, forbidden, notFound, unauthorized } from '#server/errors.js';
import { requireUser } from '#server/features/auth/sessions.js';
import { authorize } from '#server/features/boards/authorization.js';
import { deleteWatch, insertWatch, listWatches, recentRuns } from './feeds.repository.js';
import { FeedBusyError, runFeedByHand, type OnNewPapers } from './feeds.service.js';
import { parseFeedSpec } from '#server/feed-spec.js';
import { checkWatch } from './watches.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
/** Runs shown with a board's watches. */
const WATCH_RUNS = 30;

/** Daily feeds (issue #19): a board's watches, the runs of feeds, and one run by hand for the CLI. */
export const feedRoutes: FastifyPluginAsyncTypebox<{ onNewPapers?: OnNewPapers }> = async (app, options) => {
  app.get(
    '/api/boards/:boardId/watches',
    {
      schema: {
        tags: ['feeds'],
        description: "The board's watches, oldest first, and the latest runs of them (newest first). Members.",
        params: BoardParams,
        response: { 200: WatchList, ...errors },
      },
    },
    async (request) => {
      const { boardId } = request.params;
      const { user } = await authorize(request, boardId, 'board:read');
      return {
        items: await listWatches(app.sql, boardId),
        runs: await recentRuns(app.sql, { userId: user.id, boardId, limit: WATCH_RUNS }),
      };
    },
  );

  app.post(
    '/api/boards/:boardId/watches',
    {
      schema: {
        tags: ['feeds'],
        description:
          'Adds a watch: `hf-daily` (optional `query`), `arxiv` (`categories` and/or `query`) or `rss` (`url`, ' +
          `optional \`query\`). The query keeps papers with every word in the title or abstract. At most ` +
          `${WATCH_LIMITS.perBoard} per board (409). Owners only.`,
        params: BoardParams,
        body: NewWatch,
        response: { 201: Watch, ...errors, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const { boardId } = request.params;
      const { user } = await authorize(request, boardId, 'watches:manage');
      const fields = checkWatch(request.body, app.config.feeds.allowPrivateUrls);
      const watch = await insertWatch(app.sql, boardId, user.id, fields, WATCH_LIMITS.perBoard);
      if (!watch) throw conflict(`a board has at most ${WATCH_LIMITS.perBoard} watches; remove one first`);
      return reply.code(201).send(watch);
    },
  );

  app.delete(
    '/api/boards/:boardId/watches/:watchId',
    {
      schema: {
        tags: ['feeds'],
        description: 'Removes a watch and its runs (papers it brought stay in the library). Owners only.',
        params: WatchParams,
        response: { 204: { type: 'null' }, ...errors },
      },
    },
    async (request, reply) => {
      const { boardId, watchId } = request.params;
      await authorize(request, boardId, 'watches:manage');
      if (!(await deleteWatch(app.sql, boardId, watchId))) throw notFound('watch');
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/feeds/runs',
    {
      schema: {
        tags: ['feeds'],
        description:
          "Recent feed runs, newest first: the instance feeds' and those of the watches of my boards; with " +
          "`boardId`, only that board's watches' (members).",
        querystring: FeedRunsQuery,
        response: { 200: FeedRunList, ...errors },
      },
    },
    async (request) => {
      const user = requireUser(request);
      const { limit = 20, boardId } = request.query;
      if (boardId) await authorize(request, boardId, 'board:read');
      return { items: await recentRuns(app.sql, { userId: user.id, boardId: boardId ?? null, limit }) };
    },
  );

  app.post(
    '/api/feeds/run',
    {
      schema: {
        tags: ['feeds'],
        description:
          'Runs one feed for one day now, even if that day ran already (`npm run import -- --feed`). Only the ' +
          'local CLI, with the admin secret.',
        body: RunFeedRequest,
        response: { 200: FeedRun, ...errors, 409: ErrorBody },
      },
    },
    async (request) => {
      if (!request.system) throw request.user ? forbidden('only the local CLI may run a feed by hand') : unauthorized();
      let spec;
      try {
        spec = parseFeedSpec(request.body.feed);
      } catch (err) {
        throw badRequest(`body/feed ${(err as Error).message}`);
      }
      try {
        return await runFeedByHand(
          { sql: app.sql, config: app.config, log: request.log, onNewPapers: options.onNewPapers },
          spec,
          request.body.day,
          new Date(),
        );
      } catch (err) {
        if (err instanceof FeedBusyError) throw conflict(err.message);
        throw err;
      }
    },
  );
};
