import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '#test/helpers/app.js';
import { createBoard, signUp, type TestUser, castVote, assignPresenter } from '#test/helpers/factories.js';
import { startSmtp, type ReceivedMail, type TestSmtp } from '#test/helpers/mail.js';
import { adminSecret } from '#server/db/admin-secret.js';
import { DigestScheduler } from '#server/features/digest/digest.scheduler.js';
import { runMailJob, type MailJobDeps } from '#server/features/digest/digest.service.js';
import type { Mailer } from '#server/mail/mailer.js';
import { formatInZone } from '#server/local-time.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const XSS_TITLE = '<img src=x onerror=alert(1)>';

let smtp: TestSmtp;
let t: TestApp;
let owner: TestUser;

const silentLog = { info: () => {}, error: () => {} };

beforeAll(async () => {
  smtp = await startSmtp();
  t = await buildTestApp({ smtpUrl: smtp.url, publicUrl: 'https://papers.example.org' });
  owner = await signUp(t.app, 'Eve <script>alert(1)</script> Owner');
});
afterAll(async () => {
  await t.close();
  await smtp.close();
});

function deps(mailer: Mailer = t.app.mailer): MailJobDeps {
  return { sql: t.db.sql, mailer, config: t.config, log: silentLog };
}

/** Runs the job once through a scheduler whose clock says `at`. */
function runAt(at: Date) {
  return new DigestScheduler(deps(), { intervalMs: MINUTE, clock: () => at }).runOnce();
}

/**
 * The first instant after `after` at which the wall clock in `timeZone` shows `hour`:00, found by
 * walking quarter hours with Intl (independently of the code under test).
 */
function nextLocalHour(hour: number, timeZone: string, after: Date): Date {
  const fmt = new Intl.DateTimeFormat('en-US', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  for (let at = Math.ceil(after.getTime() / (15 * MINUTE)) * 15 * MINUTE; ; at += 15 * MINUTE) {
    const parts = fmt.formatToParts(new Date(at));
    const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
    if (get('hour') === hour && get('minute') === 0) return new Date(at);
  }
}

/** A time as the digest writes it for a reader in UTC. */
const formatUtc = (at: Date) => formatInZone(at, 'UTC');

function localTime(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(
    at,
  );
}

async function subscribe(user: TestUser, body: object) {
  const res = await t.app.inject({
    method: 'PUT',
    url: '/api/me/digest',
    headers: { cookie: user.cookie },
    payload: body,
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

async function addPaper(title: string, authors: string[] = ['Ada Lovelace', 'Alan Turing']): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/papers',
    headers: { cookie: owner.cookie },
    payload: { title: `${title}`, authors },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id;
}

/** A board owned by `owner` with `members` as editors (joined through the real invite routes). */
async function boardWith(members: TestUser[], name = 'Reading group'): Promise<string> {
  const boardId = (await createBoard(t.app, owner, name)).id;
  for (const member of members) {
    const invite = await t.app.inject({
      method: 'POST',
      url: `/api/boards/${boardId}/invites`,
      headers: { cookie: owner.cookie },
      payload: { role: 'editor' },
    });
    const accepted = await t.app.inject({
      method: 'POST',
      url: `/api/invites/${invite.json().token}/accept`,
      headers: { cookie: member.cookie },
    });
    expect(accepted.statusCode, accepted.body).toBe(200);
  }
  return boardId;
}

/** Puts a card into the board's projection, as the sync server does after an edit. */
async function nominate(boardId: string, paperId: string, addedAt: Date, by: TestUser = owner): Promise<string> {
  const cardId = `card-${crypto.randomBytes(4).toString('hex')}`;
  await t.db.sql`
    insert into board_cards (board_id, card_id, raw_paper_id, paper_id, column_id, position, added_by, added_at)
    values (${boardId}, ${cardId}, ${paperId}, ${paperId}, 'nominated', 0, ${by.user.id}, ${addedAt})`;
  return cardId;
}

const digestsTo = (user: TestUser) => smtp.to(user.user.email).filter((m) => m.parsed.subject?.includes('digest'));
const remindersTo = (user: TestUser) =>
  smtp.to(user.user.email).filter((m) => m.parsed.subject?.startsWith('Reminder'));

async function ledger(user: TestUser) {
  return t.db.sql<{ kind: string; localDay: string; status: string }[]>`
    select kind, local_day::text, status from mail_deliveries where user_id = ${user.user.id} order by id`;
}

/** A reader subscribed at 8:00 UTC with one fresh nomination on their board; the clock for their next digest. */
async function readerWithNews(name: string): Promise<{ reader: TestUser; boardId: string; at: Date }> {
  const reader = await signUp(t.app, name);
  const boardId = await boardWith([reader]);
  await subscribe(reader, { enabled: true, hour: 8, timeZone: 'UTC' });
  const at = new Date(nextLocalHour(8, 'UTC', new Date()).getTime() + 5 * MINUTE);
  await nominate(boardId, await addPaper(`${name} paper ${crypto.randomUUID()}`), new Date(at.getTime() - HOUR));
  return { reader, boardId, at };
}

describe('digest settings', () => {
  it('answers the defaults before anything is saved, then what was saved', async () => {
    const reader = await signUp(t.app, 'Settings Reader');
    const before = await t.app.inject({ url: '/api/me/digest', headers: { cookie: reader.cookie } });
    expect(before.statusCode).toBe(200);
    expect(before.json()).toEqual({ enabled: false, hour: 8, timeZone: 'UTC', reminders: true, saved: false });

    const saved = await subscribe(reader, { enabled: true, hour: 7, timeZone: 'Pacific/Auckland' });
    expect(saved).toEqual({ enabled: true, hour: 7, timeZone: 'Pacific/Auckland', reminders: true, saved: true });
    const after = await t.app.inject({ url: '/api/me/digest', headers: { cookie: reader.cookie } });
    expect(after.json()).toEqual(saved);
  });

  it.each([
    [{ enabled: true, hour: 8, timeZone: 'Mars/Olympus_Mons' }, 'timeZone'],
    [{ enabled: true, hour: 8, timeZone: '+02:00' }, 'timeZone'],
    [{ enabled: true, hour: 8, timeZone: '' }, 'timeZone'],
    [{ enabled: true, hour: 24, timeZone: 'UTC' }, 'hour'],
    [{ enabled: true, hour: 7.5, timeZone: 'UTC' }, 'hour'],
    [{ enabled: 'yes', hour: 7, timeZone: 'UTC' }, 'enabled'],
    [{ hour: 7, timeZone: 'UTC' }, 'enabled'],
    [{ enabled: true, hour: 7, timeZone: 'UTC', weekly: true }, 'weekly'],
  ])('refuses %o with a 400 naming the field', async (payload, field) => {
    const reader = await signUp(t.app, 'Bad Input');
    const res = await t.app.inject({
      method: 'PUT',
      url: '/api/me/digest',
      headers: { cookie: reader.cookie },
      payload,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toContain(field);
  });

  it('needs a session', async () => {
    expect((await t.app.inject({ url: '/api/me/digest' })).statusCode).toBe(401);
    const put = await t.app.inject({
      method: 'PUT',
      url: '/api/me/digest',
      payload: { enabled: true, hour: 8, timeZone: 'UTC' },
    });
    expect(put.statusCode).toBe(401);
  });
});

describe('digest content', () => {
  it('lists trending papers, new nominations and sessions with links, escaping all user text', async () => {
    const reader = await signUp(t.app, 'Content Reader');
    const boardId = await boardWith([reader], '<b>Bold</b> & co');
    await subscribe(reader, { enabled: true, hour: 8, timeZone: 'UTC' });
    const at = new Date(nextLocalHour(8, 'UTC', new Date()).getTime() + 5 * MINUTE);
    const paperId = await addPaper(XSS_TITLE, ['<i>Mallory</i>']);
    const cardId = await nominate(boardId, paperId, new Date(at.getTime() - HOUR));
    await castVote(t.app, reader, boardId, cardId);
    const sessionAt = new Date(at.getTime() + 2 * DAY);
    await assignPresenter(t.app, owner, { boardId, cardId }, owner, sessionAt);

    await runAt(at);
    const [mail] = digestsTo(reader);
    expect(digestsTo(reader)).toHaveLength(1);
    const html = String(mail.parsed.html);
    const text = mail.parsed.text ?? '';

    // Nothing a user typed reaches the HTML as markup.
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b>Bold</b>');
    expect(html).not.toContain('<i>Mallory</i>');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&lt;b&gt;Bold&lt;/b&gt; &amp; co');
    expect(html).toContain('Eve &lt;script&gt;alert(1)&lt;/script&gt; Owner presents');
    // The plain-text part shows the same text as typed.
    expect(text).toContain(XSS_TITLE);
    expect(text).toContain('TRENDING ON YOUR BOARDS');
    expect(text).toContain('NEWLY NOMINATED');
    expect(text).toContain('SESSIONS IN THE NEXT 7 DAYS');
    expect(text).toContain('1 vote');
    expect(text).toContain(`${localTime(sessionAt, 'UTC')} UTC`);
    // Links lead into the app at PUBLIC_URL: papers to their card (trending and new), sessions to the schedule.
    const cardLink = `https://papers.example.org/boards/${boardId}/cards/${cardId}`;
    const scheduleLink = `https://papers.example.org/boards/${boardId}/schedule`;
    expect(html.split(`href="${cardLink}"`)).toHaveLength(3);
    expect(html.split(`href="${scheduleLink}"`)).toHaveLength(2);
    expect(html).not.toContain(`href="https://papers.example.org/boards/${boardId}"`);
    expect(text.split(`  ${cardLink}\n`)).toHaveLength(3);
    expect(text).toContain(`  ${scheduleLink}\n`);
    expect(mail.parsed.subject).toBe('Your Paperboard digest: 1 new paper, 1 session this week');
    expect(mail.header('list-unsubscribe')).toMatch(/^<https:\/\/papers\.example\.org\/api\/unsubscribe\?.+>$/);
    expect(mail.header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    expect(await ledger(reader)).toEqual([{ kind: 'digest', localDay: at.toISOString().slice(0, 10), status: 'sent' }]);
  });

  it('sends nothing when nothing is new, and records the day as skipped', async () => {
    const reader = await signUp(t.app, 'Quiet Reader');
    await boardWith([reader], 'Quiet board');
    await subscribe(reader, { enabled: true, hour: 8, timeZone: 'UTC' });
    const at = new Date(nextLocalHour(8, 'UTC', new Date()).getTime() + MINUTE);

    await runAt(at);
    expect(digestsTo(reader)).toHaveLength(0);
    expect(await ledger(reader)).toEqual([
      { kind: 'digest', localDay: at.toISOString().slice(0, 10), status: 'skipped' },
    ]);
  });

  it('lists ballot rounds closing within a day to members who may vote, even on a day with nothing else new', async () => {
    const reader = await signUp(t.app, 'Round Reader');
    const watcher = await signUp(t.app, 'Round Watcher');
    const boardId = await boardWith([reader, watcher], 'Deciding <group>');
    await t.db
      .sql`update board_members set role = 'viewer' where board_id = ${boardId} and user_id = ${watcher.user.id}`;
    for (const user of [reader, watcher]) await subscribe(user, { enabled: true, hour: 8, timeZone: 'UTC' });
    const at = new Date(nextLocalHour(8, 'UTC', new Date()).getTime() + MINUTE);
    /** An open approval round of the board closing at `closesAt`. */
    const openRound = async (closesAt: Date) => {
      const [round]: [{ id: string }] = await t.db.sql`
        insert into rounds (board_id, method, candidates, closes_at)
        values (${boardId}, 'approval', ${['card-a', 'card-b', 'card-c']}::text[], ${closesAt}) returning id`;
      return round.id;
    };
    const soon = await openRound(new Date(at.getTime() + 5 * HOUR));
    const voted = await openRound(new Date(at.getTime() + 20 * HOUR));
    await openRound(new Date(at.getTime() + 30 * HOUR));
    await t.db.sql`
      insert into ballots (round_id, user_id, ballot) values (${voted}, ${reader.user.id}, ${t.db.sql.json({ approve: [] })})`;
    expect(soon).not.toBe(voted);

    await runAt(at);
    const [mail] = digestsTo(reader);
    expect(digestsTo(reader)).toHaveLength(1);
    expect(mail.parsed.subject).toBe('Your Paperboard digest: 2 ballot rounds closing soon');
    const text = mail.parsed.text ?? '';
    expect(text).toContain('DECISIONS WAITING FOR YOU (times in UTC)');
    const rounds = text.split('\n').filter((line) => line.startsWith('- Ballot round on Deciding <group>'));
    expect(rounds).toEqual([
      `- Ballot round on Deciding <group> (3 papers): closes ${formatUtc(new Date(at.getTime() + 5 * HOUR))}`,
      `- Ballot round on Deciding <group> (3 papers): closes ${formatUtc(new Date(at.getTime() + 20 * HOUR))}`,
    ]);
    expect(text).toContain('you have not voted yet');
    expect(text).toContain('you have voted; you may still change your ballot');
    expect(text).toContain(`https://papers.example.org/boards/${boardId}/rounds`);
    expect(String(mail.parsed.html)).toContain('Deciding &lt;group&gt;');
    // A viewer cannot vote: no round, and so nothing to send.
    expect(digestsTo(watcher)).toHaveLength(0);
  });

  it('lists polls awaiting the reader’s answer, sending for a new poll but not every day for an old one', async () => {
    const reader = await signUp(t.app, 'Poll Reader');
    const answerer = await signUp(t.app, 'Poll Answerer');
    const boardId = await boardWith([reader, answerer], 'Meeting <group>');
    for (const user of [reader, answerer]) await subscribe(user, { enabled: true, hour: 8, timeZone: 'UTC' });
    const at = new Date(nextLocalHour(8, 'UTC', new Date()).getTime() + MINUTE);
    const slots = [3, 4, 5].map((days) => new Date(at.getTime() + days * DAY).toISOString());
    const created = await t.app.inject({
      method: 'POST',
      url: `/api/boards/${boardId}/polls`,
      headers: { cookie: owner.cookie },
      payload: { slots },
    });
    expect(created.statusCode, created.body).toBe(201);
    const poll = created.json() as { id: string; slots: { id: string }[] };
    const answered = await t.app.inject({
      method: 'PUT',
      url: `/api/boards/${boardId}/polls/${poll.id}/answer`,
      headers: { cookie: answerer.cookie },
      payload: { answers: { [poll.slots[0].id]: 'yes' } },
    });
    expect(answered.statusCode, answered.body).toBe(200);

    await runAt(at);
    const [mail] = digestsTo(reader);
    expect(digestsTo(reader)).toHaveLength(1);
    expect(mail.parsed.subject).toBe('Your Paperboard digest: 1 poll to answer');
    const text = mail.parsed.text ?? '';
    expect(text).toContain('DECISIONS WAITING FOR YOU');
    expect(text).toContain('- When can you meet? Meeting <group> (3 times)\n  you have not answered yet\n');
    expect(text).toContain(`https://papers.example.org/boards/${boardId}/schedule`);
    expect(String(mail.parsed.html)).toContain('Meeting &lt;group&gt;');
    // Whoever answered has nothing waiting, and nothing else is new for them.
    expect(digestsTo(answerer)).toHaveLength(0);

    // The next day the poll still waits, but it is not news: no mail for it alone.
    await runAt(new Date(at.getTime() + DAY));
    expect(digestsTo(reader)).toHaveLength(1);
  });

  it('lists the papers the boards’ watches brought since the last digest, not those already on the board', async () => {
    const reader = await signUp(t.app, 'Feed Reader');
    const outsider = await signUp(t.app, 'Feed Outsider');
    const boardId = await boardWith([reader], 'Watching <board>');
    await boardWith([outsider], 'Other board');
    for (const user of [reader, outsider]) await subscribe(user, { enabled: true, hour: 8, timeZone: 'UTC' });
    const at = new Date(nextLocalHour(8, 'UTC', new Date()).getTime() + MINUTE);
    const fresh = await addPaper(`Fresh feed paper ${crypto.randomUUID()}`, ['Grace Hopper']);
    const onBoard = await addPaper(`Feed paper already nominated ${crypto.randomUUID()}`);
    await nominate(boardId, onBoard, new Date(at.getTime() - 3 * DAY));
    const [watch]: [{ id: string }] = await t.db.sql`
      insert into board_watches (board_id, source) values (${boardId}, 'hf-daily') returning id`;
    const feedKey = `watch:${watch.id}`;
    await t.db.sql`
      insert into feed_runs (feed_key, source, watch_id, board_id, day, status, fetched, created, claimed_at, finished_at)
      values (${feedKey}, 'hf-daily', ${watch.id}, ${boardId}, '2026-12-05', 'done', 2, 1,
        ${new Date(at.getTime() - 2 * HOUR)}, ${new Date(at.getTime() - HOUR)})`;
    await t.db.sql`
      insert into feed_papers (feed_key, day, paper_id, upvotes)
      values (${feedKey}, '2026-12-05', ${fresh}, 42), (${feedKey}, '2026-12-05', ${onBoard}, 7)`;
    await t.db.sql`update papers set upvotes = 42 where id = ${fresh}`;

    await runAt(at);
    const [mail] = digestsTo(reader);
    expect(digestsTo(reader)).toHaveLength(1);
    expect(mail.parsed.subject).toBe('Your Paperboard digest: 1 paper from your feeds');
    const text = mail.parsed.text ?? '';
    const section = text.slice(text.indexOf('NEW PAPERS FOR YOUR BOARDS'));
    expect(section).toContain(`- Fresh feed paper`);
    expect(section).toContain('  Grace Hopper · 42 upvotes · watched by Watching <board>\n');
    expect(section).toContain(`  https://papers.example.org/papers/${fresh}\n`);
    expect(text).not.toContain('Feed paper already nominated');
    expect(String(mail.parsed.html)).toContain('watched by Watching &lt;board&gt;');
    // Not a member of the watching board: nothing of it.
    expect(digestsTo(outsider)).toHaveLength(0);
    // The next day the run is old news.
    await runAt(new Date(at.getTime() + DAY));
    expect(digestsTo(reader)).toHaveLength(1);
  });

  it('names the notes others wrote since the last digest, and who wrote them', async () => {
    const reader = await signUp(t.app, 'Note Reader');
    const writer = await signUp(t.app, 'Nora Writer');
    const boardId = await boardWith([reader, writer], 'Notes board');
    await subscribe(reader, { enabled: true, hour: 8, timeZone: 'UTC' });
    const at = new Date(nextLocalHour(8, 'UTC', new Date()).getTime() + MINUTE);
    const title = `Noted paper ${crypto.randomUUID()}`;
    const cardId = await nominate(boardId, await addPaper(title), new Date(at.getTime() - 3 * DAY));
    const mine = await nominate(boardId, await addPaper(`My own notes ${crypto.randomUUID()}`), new Date(0));
    const wrote = (user: TestUser, card: string, hoursAgo: number) => t.db.sql`
      insert into card_note_edits (board_id, card_id, user_id, edited_at)
      values (${boardId}, ${card}, ${user.user.id}, ${new Date(at.getTime() - hoursAgo * HOUR)})`;
    await wrote(writer, cardId, 2);
    await wrote(owner, cardId, 1);
    await wrote(reader, cardId, 1);
    // Only the reader wrote in this one: not news to them.
    await wrote(reader, mine, 1);

    await runAt(at);
    const [mail] = digestsTo(reader);
    expect(mail.parsed.subject).toBe('Your Paperboard digest: 1 note written');
    const text = mail.parsed.text ?? '';
    const section = text.slice(text.indexOf('NOTES WRITTEN SINCE THE LAST DIGEST'));
    expect(section).toContain(`- ${title} (by Eve <script>alert(1)</script> Owner, Nora Writer · on Notes board)\n`);
    expect(section).toContain(`  https://papers.example.org/boards/${boardId}/cards/${cardId}\n`);
    expect(text).not.toContain('My own notes');
    expect(String(mail.parsed.html)).toContain('Eve &lt;script&gt;alert(1)&lt;/script&gt; Owner, Nora Writer');
    // The next day they are old news.
    await runAt(new Date(at.getTime() + DAY));
    expect(digestsTo(reader)).toHaveLength(1);
  });

  it('shows only the papers nominated since the previous digest', async () => {
    const { reader, boardId, at } = await readerWithNews('Daily Reader');
    await runAt(at);
    expect(digestsTo(reader)).toHaveLength(1);
    const firstTitle = (
      await t.db.sql<{ title: string }[]>`
      select p.title from board_cards c join papers p on p.id = c.paper_id where c.board_id = ${boardId}`
    )[0].title;

    const nextDay = new Date(at.getTime() + DAY);
    await nominate(boardId, await addPaper('The second day paper'), new Date(nextDay.getTime() - 2 * HOUR));
    await runAt(nextDay);
    const second = digestsTo(reader)[1];
    expect(second.parsed.text).toContain('The second day paper');
    expect(second.parsed.text).not.toContain(firstTitle);
  });

  it('sends a day missed while the server was down once, not once per tick', async () => {
    const { reader, boardId, at } = await readerWithNews('Downtime Reader');
    await runAt(at);
    expect(digestsTo(reader)).toHaveLength(1);
    // Down for three days; things happened meanwhile.
    await nominate(boardId, await addPaper('Nominated while down'), new Date(at.getTime() + DAY));
    const back = new Date(at.getTime() + 3 * DAY + 4 * HOUR);
    for (const tick of [0, 1, 2, 30]) await runAt(new Date(back.getTime() + tick * MINUTE));
    expect(digestsTo(reader)).toHaveLength(2);
    expect(digestsTo(reader)[1].parsed.text).toContain('Nominated while down');
    expect((await ledger(reader)).map((r) => r.status)).toEqual(['sent', 'sent']);
  });
});

describe('time zones', () => {
  it('mails each reader at their own local hour, with session times in their zone', async () => {
    const auckland = await signUp(t.app, 'Auckland Reader');
    const angeles = await signUp(t.app, 'Los Angeles Reader');
    const boardId = await boardWith([auckland, angeles], 'Around the world');
    await subscribe(auckland, { enabled: true, hour: 8, timeZone: 'Pacific/Auckland' });
    await subscribe(angeles, { enabled: true, hour: 8, timeZone: 'America/Los_Angeles' });
    const subscribedAt = new Date();
    const slots = [
      { user: auckland, zone: 'Pacific/Auckland', at: nextLocalHour(8, 'Pacific/Auckland', subscribedAt) },
      { user: angeles, zone: 'America/Los_Angeles', at: nextLocalHour(8, 'America/Los_Angeles', subscribedAt) },
    ].sort((a, b) => a.at.getTime() - b.at.getTime());
    const [first, second] = slots;
    expect(first.at.getTime()).not.toBe(second.at.getTime());
    const cardId = await nominate(
      boardId,
      await addPaper('A paper for two zones'),
      new Date(subscribedAt.getTime() + MINUTE),
    );
    const sessionAt = new Date(second.at.getTime() + 2 * DAY + 30 * MINUTE);
    await assignPresenter(t.app, owner, { boardId, cardId }, owner, sessionAt);

    await runAt(new Date(first.at.getTime() - MINUTE));
    expect(digestsTo(first.user)).toHaveLength(0);
    expect(digestsTo(second.user)).toHaveLength(0);

    await runAt(new Date(first.at.getTime() + MINUTE));
    expect(digestsTo(first.user)).toHaveLength(1);
    expect(digestsTo(second.user)).toHaveLength(0);

    await runAt(new Date(second.at.getTime() - MINUTE));
    expect(digestsTo(second.user)).toHaveLength(0);
    await runAt(new Date(second.at.getTime() + MINUTE));
    expect(digestsTo(first.user)).toHaveLength(1);
    expect(digestsTo(second.user)).toHaveLength(1);

    for (const { user, zone } of slots) {
      const text = digestsTo(user)[0].parsed.text ?? '';
      expect(text).toContain(`times in ${zone}`);
      expect(text).toContain(localTime(sessionAt, zone));
    }
    expect(localTime(sessionAt, 'Pacific/Auckland')).not.toBe(localTime(sessionAt, 'America/Los_Angeles'));
  });

  it("waits for tomorrow when the digest is turned on after today's hour", async () => {
    const reader = await signUp(t.app, 'Late Subscriber');
    const boardId = await boardWith([reader], 'Late board');
    // The hour that has just begun or passed: today's slot came before the settings did.
    const hour = (new Date().getUTCHours() + 23) % 24;
    await subscribe(reader, { enabled: true, hour, timeZone: 'UTC' });
    await nominate(boardId, await addPaper('Late paper'), new Date());

    await runAt(new Date(Date.now() + MINUTE));
    expect(digestsTo(reader)).toHaveLength(0);
    expect(await ledger(reader)).toEqual([]);
    await runAt(new Date(nextLocalHour(hour, 'UTC', new Date()).getTime() + MINUTE));
    expect(digestsTo(reader)).toHaveLength(1);
  });
});

describe('sending each mail once', () => {
  it('never sends a digest whose claim survived a crash between claiming and sending', async () => {
    const { reader, at } = await readerWithNews('Crash Reader');
    // What a process that died after claiming (and maybe after sending) leaves behind.
    await t.db.sql`
      insert into mail_deliveries (user_id, kind, local_day, covered_until)
      values (${reader.user.id}, 'digest', ${at.toISOString().slice(0, 10)}, ${at})`;
    await runAt(at);
    await runAt(new Date(at.getTime() + HOUR));
    expect(digestsTo(reader)).toHaveLength(0);
    expect((await ledger(reader)).map((r) => r.status)).toEqual(['claimed']);
  });

  it('retries a mail the transport refused, and sends it once', async () => {
    const { reader, at } = await readerWithNews('Retry Reader');
    let refusals = 1;
    const flaky: Mailer = {
      mode: 'smtp',
      send: async (message) => {
        if (message.to === reader.user.email && refusals-- > 0) throw new Error('451 try again later');
        return t.app.mailer.send(message);
      },
      close: () => {},
    };
    const run = (offset: number) => runMailJob(deps(flaky), new Date(at.getTime() + offset));
    expect(await run(0)).toMatchObject({ failed: 1 });
    expect((await ledger(reader)).map((r) => r.status)).toEqual(['failed']);
    await run(MINUTE); // too soon to retry
    expect(digestsTo(reader)).toHaveLength(0);
    await run(11 * MINUTE);
    await run(12 * MINUTE);
    expect(digestsTo(reader)).toHaveLength(1);
    expect(await ledger(reader)).toMatchObject([{ status: 'sent' }]);
  });
});

describe('unsubscribe', () => {
  async function firstDigest(name: string): Promise<{ reader: TestUser; mail: ReceivedMail; at: Date; url: URL }> {
    const { reader, at } = await readerWithNews(name);
    await runAt(at);
    const [mail] = digestsTo(reader);
    const url = new URL(mail.header('list-unsubscribe')!.slice(1, -1));
    return { reader, mail, at, url };
  }

  it('turns the digest off with the one-click link, without a session', async () => {
    const { reader, at, url } = await firstDigest('Leaving Reader');
    const path = `${url.pathname}${url.search}`;
    expect(url.searchParams.get('list')).toBe('digest');

    // Opening the link only asks (mail scanners open links).
    const page = await t.app.inject({ url: path, headers: { accept: 'text/html' } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('<form method="post"');
    expect((await t.app.inject({ url: path })).json()).toEqual({ list: 'digest', subscribed: true });

    const res = await t.app.inject({
      method: 'POST',
      url: path,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ list: 'digest', subscribed: false });
    const settings = await t.app.inject({ url: '/api/me/digest', headers: { cookie: reader.cookie } });
    expect(settings.json()).toMatchObject({ enabled: false });

    await runAt(new Date(at.getTime() + DAY));
    expect(digestsTo(reader)).toHaveLength(1);
  });

  it('refuses a link whose signature does not match with a 400 naming sig', async () => {
    const { reader, url } = await firstDigest('Targeted Reader');
    const other = await signUp(t.app, 'Other Reader');
    await subscribe(other, { enabled: true, hour: 8, timeZone: 'UTC' });
    url.searchParams.set('user', other.user.id);
    const res = await t.app.inject({ method: 'POST', url: `${url.pathname}${url.search}` });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toContain('sig');
    const settings = await t.app.inject({ url: '/api/me/digest', headers: { cookie: other.cookie } });
    expect(settings.json()).toMatchObject({ enabled: true });
    expect(reader.user.id).not.toBe(other.user.id);
  });
});

describe('presenter reminders', () => {
  it('reminds the presenter two days before the session at their hour, once', async () => {
    const presenter = await signUp(t.app, 'Presenter');
    const boardId = await boardWith([presenter], 'Journal club');
    const cardId = await nominate(boardId, await addPaper('<svg onload=alert(2)> for the presenter'), new Date());
    // A session at 18:30 UTC, at least four days ahead; no settings saved: 08:00 UTC.
    const sessionAt = new Date(nextLocalHour(18, 'UTC', new Date(Date.now() + 4 * DAY)).getTime() + 30 * MINUTE);
    await assignPresenter(t.app, owner, { boardId, cardId }, presenter, sessionAt);
    const dueAt = new Date(
      Date.UTC(sessionAt.getUTCFullYear(), sessionAt.getUTCMonth(), sessionAt.getUTCDate() - 2, 8),
    );

    await runAt(new Date(dueAt.getTime() - MINUTE));
    expect(remindersTo(presenter)).toHaveLength(0);
    await runAt(new Date(dueAt.getTime() + MINUTE));
    await runAt(new Date(dueAt.getTime() + 2 * MINUTE));
    await runAt(new Date(dueAt.getTime() + DAY));
    expect(remindersTo(presenter)).toHaveLength(1);

    const [mail] = remindersTo(presenter);
    expect(mail.parsed.text).toContain('<svg onload=alert(2)> for the presenter');
    expect(mail.parsed.text).toContain(localTime(sessionAt, 'UTC'));
    expect(String(mail.parsed.html)).not.toContain('<svg');
    expect(String(mail.parsed.html)).toContain('&lt;svg onload=alert(2)&gt; for the presenter');
    const cardLink = `https://papers.example.org/boards/${boardId}/cards/${cardId}`;
    expect(String(mail.parsed.html)).toContain(`href="${cardLink}"`);
    expect(mail.parsed.text).toContain(cardLink);
    expect(mail.header('list-unsubscribe')).toContain('list=reminders');
    expect(mail.header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
  });

  it('reminds again for a rescheduled session, but not after unsubscribing from reminders', async () => {
    const presenter = await signUp(t.app, 'Busy Presenter');
    const boardId = await boardWith([presenter], 'Seminar');
    const cardId = await nominate(boardId, await addPaper('Rescheduled paper'), new Date());
    const sessionAt = new Date(Date.now() + 5 * DAY);
    await assignPresenter(t.app, owner, { boardId, cardId }, presenter, sessionAt);
    await runAt(new Date(sessionAt.getTime() - HOUR));
    expect(remindersTo(presenter)).toHaveLength(1);

    const moved = new Date(sessionAt.getTime() + 2 * DAY);
    await assignPresenter(t.app, owner, { boardId, cardId }, presenter, moved);
    await runAt(new Date(moved.getTime() - HOUR));
    expect(remindersTo(presenter)).toHaveLength(2);

    const url = new URL(remindersTo(presenter)[1].header('list-unsubscribe')!.slice(1, -1));
    const res = await t.app.inject({ method: 'POST', url: `${url.pathname}${url.search}` });
    expect(res.json()).toEqual({ list: 'reminders', subscribed: false });
    const again = new Date(moved.getTime() + 3 * DAY);
    await assignPresenter(t.app, owner, { boardId, cardId }, presenter, again);
    await runAt(new Date(again.getTime() - HOUR));
    expect(remindersTo(presenter)).toHaveLength(2);
  });
});

describe('the scheduler and npm run digest', () => {
  it('runs on its own every interval and stops cleanly', async () => {
    const { reader, at } = await readerWithNews('Ticking Reader');
    const scheduler = new DigestScheduler(deps(), { intervalMs: 20, clock: () => at });
    scheduler.start();
    const mail = await smtp.waitFor((m) => m.to.includes(reader.user.email.toLowerCase()));
    await scheduler.stop();
    expect(mail.parsed.subject).toContain('digest');
    expect(digestsTo(reader)).toHaveLength(1);
  });

  it('runs the job for the local CLI holding the admin secret, and for nobody else', async () => {
    const url = '/api/admin/digest/run';
    const cli = await t.app.inject({
      method: 'POST',
      url,
      headers: { authorization: `Bearer ${adminSecret(t.config.dataDir)}` },
    });
    expect(cli.statusCode, cli.body).toBe(200);
    expect(Object.keys(cli.json()).sort()).toEqual(['digests', 'failed', 'reminders', 'skipped']);
    expect((await t.app.inject({ method: 'POST', url })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'POST', url, headers: { cookie: owner.cookie } })).statusCode).toBe(403);
  });
});
