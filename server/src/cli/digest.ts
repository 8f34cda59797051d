import { loadConfig } from '#server/config.js';
import { openDatabase } from '#server/db/connect.js';
import { migrate } from '#server/db/migrate.js';
import { serverHoldingDataDir } from '#server/db/admin-secret.js';
import { createMailer } from '#server/mail/mailer.js';
import { runMailJob, type JobLog } from '#server/features/digest/digest.service.js';
import type { DigestRunResult } from '#shared/schemas/digest.js';

const USAGE = 'usage: npm run digest -- --now   (sends the digests and presenter reminders that are due now)';

/** Hands the run to the server that holds the embedded database. */
async function runThroughServer(url: string, secret: string): Promise<DigestRunResult> {
  const response = await fetch(`${url}/api/admin/digest/run`, {
    method: 'POST',
    headers: { accept: 'application/json', authorization: `Bearer ${secret}` },
  });
  const body = (await response.json().catch(() => ({}))) as DigestRunResult & { message?: string };
  if (!response.ok) throw new Error(`the server refused the run (${response.status}): ${body.message ?? ''}`);
  return body;
}

const stderrLog: JobLog = {
  info: (details, message) => process.stderr.write(`${message} ${JSON.stringify(details)}\n`),
  error: (details, message) => {
    const err = (details as { err?: unknown }).err;
    process.stderr.write(`error: ${message}${err instanceof Error ? `: ${err.message}` : ''}\n`);
  },
};

/**
 * `npm run digest -- --now`: sends what is due now, whether or not the server runs. In embedded mode a
 * running server holds the database, so the job is handed to it (as `npm run import` does).
 */
async function run(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return;
  }
  if (args.length !== 1 || args[0] !== '--now') throw new Error('say --now to send what is due now');
  const config = loadConfig();
  const server = serverHoldingDataDir(config);
  let result: DigestRunResult;
  if (server) {
    process.stderr.write(`handing the run to the running server at ${server.url}\n`);
    result = await runThroughServer(server.url, server.secret);
  } else {
    const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, max: 2 });
    const mailer = createMailer(config, stderrLog);
    try {
      await migrate(db.sql);
      result = (await runMailJob({ sql: db.sql, mailer, config, log: stderrLog }, new Date(), { lock: 'wait' }))!;
    } finally {
      mailer.close();
      await db.close();
    }
  }
  console.log(
    `${result.digests} digests and ${result.reminders} reminders sent, ${result.skipped} digests skipped ` +
      `(nothing new), ${result.failed} failed`,
  );
  if (result.failed) process.exitCode = 1;
}

run().catch((err: unknown) => {
  console.error(`digest: ${err instanceof Error ? err.message : String(err)}`);
  console.error(USAGE);
  process.exitCode = 1;
});
