import crypto from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '#test/helpers/app.js';
import { createBoard, signUp, type TestUser } from '#test/helpers/factories.js';
import { startSmtp, type TestSmtp } from '#test/helpers/mail.js';
import type { Sql } from '#server/db/sql.js';
import { DigestScheduler } from '#server/features/digest/digest.scheduler.js';
import type { MailJobOptions } from '#server/features/digest/digest.service.js';
import { createMailer } from '#server/mail/mailer.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const READERS = 12;

let smtp: TestSmtp;
let t: TestApp;
/** The second node's own connection pool. */
let otherSql: Sql;
let readers: TestUser[];
let boardId: string;
const silentLog = { info: () => {}, error: () => {} };

beforeAll(async () => {
  smtp = await startSmtp();
  t = await buildTestApp({ smtpUrl: smtp.url });
  otherSql = postgres(t.db.url, { transform: postgres.camel, max: 4, onnotice: () => {} });
  const owner = await signUp(t.app, 'Race Owner');
  boardId = (await createBoard(t.app, owner, 'Race board')).id;
  readers = [];
  for (let i = 0; i < READERS; i++) {
    const reader = await signUp(t.app, `Race Reader ${i}`);
    await t.db
      .sql`insert into board_members (board_id, user_id, role) values (${boardId}, ${reader.user.id}, 'viewer')`;
    await t.db.sql`
      insert into digest_subscriptions (user_id, enabled, hour, time_zone, changed_at)
      values (${reader.user.id}, true, 8, 'UTC', now() - interval '2 days')`;
    readers.push(reader);
  }
}, 120_000);
afterAll(async () => {
  await otherSql.end();
  await t.close();
  await smtp.close();
});

/** Two nodes: each a scheduler with its own database connection(s) and its own SMTP transport. */
function twoNodes(at: Date, options: MailJobOptions) {
  return [t.db.sql, otherSql].map(
    (sql) =>
      new DigestScheduler(
        { sql, mailer: createMailer(t.config), config: t.config, log: silentLog },
        { intervalMs: MINUTE, clock: () => at, ...options },
      ),
  );
}

async function nominateFresh(at: Date): Promise<void> {
  await t.db.sql`
    insert into papers (title, title_key, authors) values (${`Race paper ${at.toISOString()}`},
      ${`racepaper${crypto.randomBytes(6).toString('hex')}`}, '{}')`;
  await t.db.sql`
    insert into board_cards (board_id, card_id, raw_paper_id, paper_id, column_id, position, added_by, added_at)
    select ${boardId}, ${`card-${crypto.randomBytes(4).toString('hex')}`}, id::text, id, 'nominated', 0, 'someone',
      ${new Date(at.getTime() - MINUTE)}
    from papers where title = ${`Race paper ${at.toISOString()}`}`;
}

function mailsPerReader(day: string): number[] {
  return readers.map((r) => smtp.to(r.user.email).filter((m) => m.parsed.text?.includes(`Race paper ${day}`)).length);
}

describe('two schedulers on one database, each with its own pool', () => {
  it('send every digest once when they run at the same moment', async () => {
    const at = new Date(Date.UTC(2031, 0, 6, 8, 1));
    await nominateFresh(at);
    const results = await Promise.all(twoNodes(at, { lock: 'try' }).map((node) => node.runOnce()));

    expect(mailsPerReader(at.toISOString())).toEqual(readers.map(() => 1));
    // Whichever node took the lock sent everything; the other found the work claimed or the lock held.
    const sent = results.map((r) => r?.digests ?? 0);
    expect(sent.reduce((a, b) => a + b)).toBe(READERS);
    const rows = await t.db.sql`select status from mail_deliveries where local_day = '2031-01-06'`;
    expect(rows.map((r) => r.status)).toEqual(readers.map(() => 'sent'));
  });

  it('send every digest once even without the lock: the ledger key settles every race', async () => {
    const at = new Date(Date.UTC(2031, 0, 7, 8, 1));
    await nominateFresh(at);
    // Several rounds of both nodes claiming at once, as after a restart of a whole cluster.
    for (let round = 0; round < 3; round++) {
      const tick = new Date(at.getTime() + round * MINUTE);
      await Promise.all(twoNodes(tick, { lock: 'none' }).map((node) => node.runOnce()));
    }
    expect(mailsPerReader(at.toISOString())).toEqual(readers.map(() => 1));
    const [{ count }] = await t.db.sql<{ count: number }[]>`
      select count(*)::int from mail_deliveries where local_day = '2031-01-07' and status = 'sent'`;
    expect(count).toBe(READERS);
  });

  it('send the next day again, once', async () => {
    const at = new Date(Date.UTC(2031, 0, 7, 8, 1) + DAY);
    await nominateFresh(at);
    await Promise.all(twoNodes(at, { lock: 'try' }).map((node) => node.runOnce()));
    expect(mailsPerReader(at.toISOString())).toEqual(readers.map(() => 1));
  });
});
