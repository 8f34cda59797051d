import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './db/connect.js';
import { DataDirLockedError } from './db/lock.js';
import { migrate } from './db/migrate.js';
import { seedDemo } from './bootstrap/seed.js';
import { seedDemoAccount } from './bootstrap/demo.js';
import { buildApp } from './app.js';
import { deleteDeadPasswordResets } from './features/auth/users.repository.js';
import { deleteExpiredSessions } from './features/auth/sessions.repository.js';
import { deleteOldHits } from './features/quotas/quotas.repository.js';
import { DigestScheduler } from './features/digest/digest.scheduler.js';
import { RoundScheduler } from './features/rounds/rounds.scheduler.js';
import { FeedScheduler } from './features/feeds/feeds.scheduler.js';
import { WebhookScheduler } from './features/webhooks/webhooks.scheduler.js';
import { ensureClientBuild } from './client-build.js';
import { adminSecret, removeServerInfo, writeServerInfo } from './db/admin-secret.js';

/** How often each node looks for ballot rounds past their deadline: a round closes within this of it. */
const ROUND_TICK_MS = 5_000;

/** Starts Paperboard: configuration, database, migrations, demo data, client build, HTTP. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = { level: config.logLevel };
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const app = await (async () => {
    const applied = await migrate(db.sql);
    const bootLog = (msg: string) => console.error(`[paperboard] ${msg}`);
    if (applied.length) bootLog(`applied migrations: ${applied.join(', ')}`);
    if (config.seedDemo) {
      const seeded = await seedDemo(db.sql, config);
      if (seeded) bootLog(`demo library: imported ${seeded} papers from db/seed/trending-papers.txt`);
      const demo = await seedDemoAccount(db.sql, config);
      if (demo)
        bootLog(`demo mode: sign in as ${demo.email} with password ${demo.password} (SEED_DEMO=false turns this off)`);
    }
    await ensureClientBuild(bootLog);
    adminSecret(config.dataDir);
    return buildApp({ config, sql: db.sql, logger });
  })().catch(async (err) => {
    await db.close();
    throw err;
  });

  // Mails are claimed under an advisory lock and recorded per user and day, so every node may run it.
  const scheduler = config.digest.scheduler
    ? new DigestScheduler(
        { sql: db.sql, mailer: app.mailer, config, log: app.log },
        { intervalMs: config.digest.tickSeconds * 1000 },
      )
    : null;

  // Rounds close at their deadline on whichever node looks first; closing is conditional, so once.
  const rounds = new RoundScheduler(
    { sql: db.sql, sync: app.sync, emitToBoard: app.emitToBoard.bind(app), log: app.log },
    { intervalMs: ROUND_TICK_MS },
  );

  // Each feed and day is claimed in the feed_runs ledger before it is fetched, so every node may run it.
  const feeds = config.feeds.scheduler
    ? new FeedScheduler(
        { sql: db.sql, config, log: app.log, onNewPapers: app.onNewPapers },
        { intervalMs: config.feeds.tickSeconds * 1000 },
      )
    : null;

  // Deliveries are claimed with `for update skip locked` and reminders go through a ledger: any node may run it.
  const webhooks = new WebhookScheduler(
    { sql: db.sql, config, log: app.log },
    { intervalMs: config.webhooks.tickSeconds * 1000 },
  );

  let stopping = false;
  const stop = async (signal: string, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000).unref();
    try {
      await scheduler?.stop();
      await rounds.stop();
      await feeds?.stop();
      await webhooks.stop();
      await app.close();
      await db.close();
      removeServerInfo(config.dataDir);
    } finally {
      clearTimeout(force);
      process.exit(exitCode);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  // Without its database thread the server can only answer errors: stop, so that whatever runs it (a
  // container's restart policy, a service manager, the user) starts it again on an intact data directory.
  void db.embedded?.failed.then((error) => {
    app.log.fatal({ err: error }, 'the embedded database stopped; shutting down');
    void stop('embedded database failure', 1);
  });

  // Expired sessions and old rate-limit windows are dead weight; any node may sweep them.
  const sweep = setInterval(
    () =>
      void Promise.all([deleteExpiredSessions(db.sql), deleteOldHits(db.sql), deleteDeadPasswordResets(db.sql)]).catch(
        (err: unknown) => app.log.warn({ err }, 'session sweep failed'),
      ),
    3600_000,
  );
  sweep.unref();

  const address = await app.listen({ port: config.port, host: config.host });
  writeServerInfo(config.dataDir, { pid: process.pid, url: address });
  scheduler?.start();
  rounds.start();
  feeds?.start();
  webhooks.start();
  // "More like this" needs the library's index: built now, in the background, in small steps between
  // requests, so that the first recommendation does not wait for it (100,000 papers take seconds).
  void app.recommender.warm().catch((err: unknown) => app.log.warn({ err }, 'recommendation index not built'));
  if (config.databaseUrl && !config.sessionSecret) {
    app.log.warn('SESSION_SECRET is not set: unsubscribe links only work on the node that mailed them');
  }
  app.log.info({ url: config.publicUrl, database: db.mode }, `Paperboard is ready on ${config.publicUrl}`);
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof DataDirLockedError) {
    console.error(`paperboard: ${err.message}`);
  } else {
    console.error('paperboard: failed to start:', err);
  }
  process.exit(1);
});
