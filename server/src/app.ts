import Fastify, { type FastifyInstance } from 'fastify';
import fastifySwagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Config } from './config.js';
import type { Sql } from './db/sql.js';
import { dbPlugin } from './plugins/db.js';
import { errorsPlugin } from './plugins/errors.js';
import { requestSerializer } from './plugins/log-redaction.js';
import { textInputPlugin } from './plugins/text-input.js';
import { validatorCompiler } from './plugins/validation.js';
import { metricsPlugin } from './plugins/metrics.js';
import { clientPlugin } from './plugins/client.js';
import { authPlugin } from './plugins/auth.js';
import { securityHeadersPlugin } from './plugins/security-headers.js';
import { quotasPlugin } from './features/quotas/quotas.js';
import { yjsEndpoint } from './sync/yjs-endpoint.js';
import { noteAuthors } from './features/notes/note-authors.js';
import { projection } from './features/cards/projection.js';
import { activityLog } from './features/activity/board-activity.js';
import { busPlugin, type BusKind } from './plugins/bus.js';
import { socketIoPlugin } from './plugins/socket-io.js';
import { mailPlugin } from './plugins/mail.js';
import type { Mailer } from './mail/mailer.js';
import { authRoutes } from './features/auth/auth.routes.js';
import { boardRoutes } from './features/boards/boards.routes.js';
import { cardRoutes } from './features/cards/cards.routes.js';
import { opsRoutes } from './features/ops/ops.routes.js';
import { paperRoutes } from './features/papers/papers.routes.js';
import { voteRoutes } from './features/votes/votes.routes.js';
import { activityRoutes } from './features/activity/activity.routes.js';
import { scheduleRoutes } from './features/schedule/schedule.routes.js';
import { calendarRoutes } from './features/schedule/calendar.routes.js';
import { exportRoutes } from './features/exports/exports.routes.js';
import { digestRoutes } from './features/digest/digest.routes.js';
import { roundRoutes } from './features/rounds/rounds.routes.js';
import { feedbackRoutes } from './features/feedback/feedback.routes.js';
import { notesRoutes } from './features/notes/notes.routes.js';
import { pollRoutes } from './features/polls/polls.routes.js';
import { feedRoutes } from './features/feeds/feeds.routes.js';
import type { OnNewPapers } from './features/feeds/feeds.service.js';
import { recommendRoutes } from './features/recommend/recommend.routes.js';
import { publicRoutes } from './features/public/public.routes.js';
import { webhookRoutes } from './features/webhooks/webhooks.routes.js';
import { suggestFeedPapers } from './features/recommend/recommend.service.js';
import { recommenderPlugin } from './plugins/recommender.js';
import { ErrorBody } from '#shared/schemas/common.js';

interface AppOptions {
  config: Config;
  sql: Sql;
  /**
   * How nodes talk: Redis when `REDIS_URL` is set, else Postgres LISTEN/NOTIFY (both database modes);
   * in-process for tests without a database.
   */
  bus?: BusKind;
  /** Pino logger options, or false in tests. */
  logger?: boolean | object;
  /** Outgoing mail; by default SMTP or the outbox, from the configuration. */
  mailer?: Mailer;
  /**
   * Told of the papers a feed run brought (see feeds.service.ts); by default they go to the boards'
   * Suggested lanes (`app.onNewPapers`, which main.ts gives the feed scheduler too).
   */
  onNewPapers?: OnNewPapers;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** What the daily feed job calls with the papers a run brought (see {@link AppOptions.onNewPapers}). */
    onNewPapers: OnNewPapers;
  }
}

/**
 * Builds the Fastify app: external plugins, then ours, then routes. Listening and shutdown are
 * `main.ts`'s business so that tests can build the app and use `inject` or port 0.
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const logger = options.logger ?? false;
  const app = Fastify({
    // Invitation links, calendar feeds and unsubscribe links carry their secret in the URL: never logged.
    logger: logger === false ? false : { ...(logger === true ? {} : logger), serializers: { req: requestSerializer } },
    bodyLimit: options.config.bodyLimitBytes,
    // Behind a reverse proxy the peer is the proxy: only the configured ones may name the client's IP
    // (rate limits, logs) and scheme in X-Forwarded-*; anybody else's headers are ignored.
    trustProxy: options.config.trustProxy.length > 0 ? options.config.trustProxy : false,
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Paperboard API',
        version: '0.1.0',
        description: 'Realtime collaborative curation board for research papers',
      },
    },
  });
  app.addSchema(ErrorBody);

  await app.register(dbPlugin, { sql: options.sql, config: options.config });
  await app.register(errorsPlugin);
  await app.register(textInputPlugin);
  await app.register(metricsPlugin);
  await app.register(securityHeadersPlugin);
  await app.register(quotasPlugin);
  await app.register(authPlugin);
  await app.register(mailPlugin, { mailer: options.mailer });
  const bus = options.bus ?? (options.config.redisUrl ? 'redis' : 'postgres');
  await app.register(busPlugin, { kind: bus });
  await app.register(yjsEndpoint, {
    maxDocBytes: options.config.sync.boardDocMaxBytes,
    maxNoteBytes: options.config.sync.noteDocMaxBytes,
    maxBufferedBytes: options.config.sync.maxBufferedBytes,
    // The features that own the tables derived from board documents write them.
    extensions: (settings) => [
      projection(app.sql, () => settings.projectionDelayMs, app.log),
      // emitToBoard is decorated by the socket.io plugin, registered after this one; it is only looked
      // up when an entry is published, which needs a connected client and so a ready app.
      activityLog(app.sql, (entry) => app.emitToBoard(entry.boardId, 'activity:new', entry), app.log),
      // Only on cards' notes: who wrote in them, for the digest.
      noteAuthors(app.sql, app.log),
    ],
  });
  // With Redis, socket.io's events cross nodes through its own adapter on the same server.
  await app.register(socketIoPlugin, { redisAdapter: bus === 'redis' });
  await app.register(recommenderPlugin);

  await app.register(opsRoutes);
  await app.register(authRoutes);
  await app.register(boardRoutes);
  await app.register(cardRoutes);
  await app.register(paperRoutes);
  await app.register(voteRoutes);
  await app.register(activityRoutes);
  await app.register(scheduleRoutes);
  await app.register(calendarRoutes);
  await app.register(exportRoutes);
  await app.register(digestRoutes);
  await app.register(roundRoutes);
  await app.register(feedbackRoutes);
  await app.register(notesRoutes);
  await app.register(pollRoutes);
  app.decorate(
    'onNewPapers',
    options.onNewPapers ??
      suggestFeedPapers(() => ({ sql: app.sql, recommender: app.recommender, emitToBoard: app.emitToBoard.bind(app) })),
  );
  await app.register(feedRoutes, { onNewPapers: app.onNewPapers });
  await app.register(recommendRoutes);
  await app.register(publicRoutes);
  await app.register(webhookRoutes);
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(clientPlugin);
  return app;
}
