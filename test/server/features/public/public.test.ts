import crypto from 'node:crypto';
import ICAL from 'ical.js';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildTestApp, type TestApp } from '#test/helpers/app.js';
import {
  assignPresenter,
  castVote,
  createBoardWithMembers,
  nominate,
  signUpCast,
  type TestUser,
} from '#test/helpers/factories.js';
import { ServerEdit } from '#server/sync/board-room.js';
import { addComment, moveCard } from '#shared/protocol/board-doc/edits.js';
import { NOTE_ROOT, noteRoom } from '#shared/protocol/notes.js';
import { boardView } from '#shared/protocol/board-doc/view.js';

let t: TestApp;
let owner: TestUser;
let editor: TestUser;
let viewer: TestUser;
let stranger: TestUser;

beforeAll(async () => {
  t = await buildTestApp();
  ({ owner, editor, viewer, stranger } = await signUpCast(t.app));
});
afterAll(() => t.close());

const EMAIL = /[\w.+-]+@[\w-]+\.[\w.-]+/;
const slugOf = (prefix: string) => `${prefix}-${crypto.randomBytes(4).toString('hex')}`;
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000);

function patchPublic(user: TestUser, boardId: string, body: object) {
  return t.app.inject({
    method: 'PATCH',
    url: `/api/boards/${boardId}`,
    headers: { cookie: user.cookie },
    payload: { public: body },
  });
}

async function addLibraryPaper(title: string, extra: object = {}): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/papers',
    headers: { cookie: owner.cookie },
    payload: { title, authors: ['Ada Lovelace'], ...extra },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id;
}

interface Published {
  boardId: string;
  slug: string;
  columns: string[];
  shown: { upcoming: string; past: string; listed: string };
  hidden: string;
  /** Card ids: upcoming, past and listed (shown column), then the one in the private column. */
  cards: string[];
}

/**
 * A board with four papers: in the first column one with an upcoming session (by the editor), one with
 * a past session, one only listed; in the second column (not published) one with a session. Comments,
 * votes and members' addresses exist, to be absent from the page. Published with the first column only.
 */
async function publishedBoard(options: { indexable?: boolean } = {}): Promise<Published> {
  const board = await createBoardWithMembers(t.app, owner, { editor, viewer });
  const tag = crypto.randomBytes(3).toString('hex');
  const titles = {
    upcoming: `Attention is all you need ${tag}`,
    past: `Deep residual learning ${tag}`,
    listed: `Listed <b>paper</b> & co ${tag}`,
  };
  const hidden = `Private column paper ${tag}`;
  const paperIds = [
    await addLibraryPaper(titles.upcoming, {
      url: 'https://example.org/attention',
      codeUrls: ['https://github.com/x/y'],
    }),
    await addLibraryPaper(titles.past),
    await addLibraryPaper(titles.listed, { url: 'javascript:alert(1)' }),
    await addLibraryPaper(hidden),
  ];
  const cards = await nominate(t.app, owner, board.id, ...paperIds);
  const columns = await t.app.sync.read(board.id, (doc) => boardView(doc).columns.map((c) => c.id));
  await t.app.sync.edit(board.id, new ServerEdit(owner.user.id), (doc) => {
    moveCard(doc, cards[3], { columnId: columns[1] });
    addComment(doc, { cardId: cards[0], authorId: owner.user.id, body: `Secret comment ${tag}` });
  });
  await vi.waitFor(
    async () => {
      const [row] = await t.db
        .sql`select column_id from board_cards where board_id = ${board.id} and card_id = ${cards[3]}`;
      expect(row.columnId).toBe(columns[1]);
    },
    { timeout: 10_000, interval: 25 },
  );
  await assignPresenter(t.app, owner, { boardId: board.id, cardId: cards[0] }, editor, inDays(3));
  await assignPresenter(t.app, owner, { boardId: board.id, cardId: cards[1] }, viewer, inDays(-7));
  await assignPresenter(t.app, owner, { boardId: board.id, cardId: cards[3] }, owner, inDays(5));
  await castVote(t.app, editor, board.id, cards[0]);
  const slug = slugOf('journal-club');
  const res = await patchPublic(owner, board.id, {
    enabled: true,
    slug,
    columns: [columns[0]],
    indexable: options.indexable ?? false,
  });
  expect(res.statusCode, res.body).toBe(200);
  return { boardId: board.id, slug, columns, shown: titles, hidden, cards };
}

describe('public page settings', () => {
  it('lets an owner publish a board and answers the settings with the page address', async () => {
    const board = await createBoardWithMembers(t.app, owner, { editor });
    const columns = await t.app.sync.read(board.id, (doc) => boardView(doc).columns.map((c) => c.id));
    const slug = slugOf('group');
    const res = await patchPublic(owner, board.id, { enabled: true, slug, columns: [columns[2]], indexable: true });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().public).toEqual({
      enabled: true,
      slug,
      columns: [columns[2]],
      indexable: true,
      url: `${t.config.publicUrl}/p/${slug}`,
    });
    const detail = await t.app.inject({ url: `/api/boards/${board.id}`, headers: { cookie: owner.cookie } });
    expect(detail.json().board.public.slug).toBe(slug);
    const asEditor = await t.app.inject({ url: `/api/boards/${board.id}`, headers: { cookie: editor.cookie } });
    expect(asEditor.json().board.public).toBeUndefined();
  });

  it('is off by default', async () => {
    const board = await createBoardWithMembers(t.app, owner, {});
    const detail = await t.app.inject({ url: `/api/boards/${board.id}`, headers: { cookie: owner.cookie } });
    expect(detail.json().board.public).toMatchObject({ enabled: false, slug: null, url: null });
  });

  it('refuses editors', async () => {
    const board = await createBoardWithMembers(t.app, owner, { editor });
    const res = await patchPublic(editor, board.id, { enabled: true, slug: slugOf('editor') });
    expect(res.statusCode).toBe(403);
  });

  it('names the field of a bad slug, a reserved slug, a missing slug and an unknown column', async () => {
    const board = await createBoardWithMembers(t.app, owner, {});
    for (const slug of ['ab', 'Upper-Case', '-dash-first', 'under_score']) {
      const res = await patchPublic(owner, board.id, { enabled: true, slug });
      expect(res.statusCode, slug).toBe(400);
      expect(res.json().message).toMatch(/public\/slug/);
    }
    const reserved = await patchPublic(owner, board.id, { enabled: true, slug: 'admin' });
    expect(reserved.statusCode).toBe(400);
    expect(reserved.json().message).toMatch(/body\/public\/slug "admin" is reserved/);
    const missing = await patchPublic(owner, board.id, { enabled: true });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().message).toMatch(/body\/public\/slug is required/);
    const unknown = await patchPublic(owner, board.id, { enabled: true, slug: slugOf('cols'), columns: ['nope'] });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().message).toMatch(/body\/public\/columns .*nope/);
    const extra = await patchPublic(owner, board.id, { enabled: true, slug: slugOf('x'), colour: 'red' });
    expect(extra.statusCode).toBe(400);
  });

  it('answers 409 for a slug another board holds, even while its page is off', async () => {
    const first = await createBoardWithMembers(t.app, owner, {});
    const second = await createBoardWithMembers(t.app, owner, {});
    const slug = slugOf('taken');
    expect((await patchPublic(owner, first.id, { enabled: false, slug })).statusCode).toBe(200);
    const res = await patchPublic(owner, second.id, { enabled: true, slug });
    expect(res.statusCode).toBe(409);
    expect(res.json().message).toMatch(/taken/);
    // The board that holds it may save it again.
    expect((await patchPublic(owner, first.id, { enabled: true, slug })).statusCode).toBe(200);
  });
});

describe('GET /p/:slug', () => {
  let board: Published;
  beforeAll(async () => {
    board = await publishedBoard();
  });

  it('renders the syllabus as HTML without a session: sessions, presenters, reading list and links', async () => {
    const res = await t.app.inject({ url: `/p/${board.slug}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    const html = res.body;
    expect(html).toContain(board.shown.upcoming);
    expect(html).toContain(board.shown.past);
    expect(html).toContain('Editor');
    expect(html).toContain('<a href="https://example.org/attention"');
    expect(html).toContain('<a href="https://github.com/x/y"');
    // Upcoming before the reading list before past sessions.
    const upcoming = html.indexOf('Upcoming sessions');
    expect(html.indexOf(board.shown.upcoming, upcoming)).toBeGreaterThan(upcoming);
    expect(html.indexOf('Past sessions')).toBeLessThan(html.lastIndexOf(board.shown.past));
    // Times in UTC, machine-readable, rewritten by a script of the app's own origin.
    expect(html).toMatch(/<time datetime="\d{4}-\d\d-\d\dT[\d:.]+Z" data-local>[^<]+ UTC<\/time>/);
    expect(html).toContain('Times are shown in UTC.');
    expect(html).toContain('<script src="/p/-/local-times.js" defer></script>');
    expect(html).not.toMatch(/<script>/);
  });

  it('shows no emails, comments, votes, private columns or unsafe links, and escapes user text', async () => {
    const html = (await t.app.inject({ url: `/p/${board.slug}` })).body;
    for (const user of [owner, editor, viewer]) expect(html).not.toContain(user.user.email);
    expect(html).not.toMatch(EMAIL);
    expect(html).not.toMatch(/Secret comment/);
    expect(html).not.toMatch(/vote/i);
    expect(html).not.toContain(board.hidden);
    expect(html).not.toContain('Shortlist');
    expect(html).not.toContain('javascript:');
    expect(html).toContain('Listed &lt;b&gt;paper&lt;/b&gt; &amp; co');
    expect(html).not.toContain('<b>paper</b>');
  });

  it('has Open Graph tags and noindex unless the owner allows indexing', async () => {
    const res = await t.app.inject({ url: `/p/${board.slug}` });
    expect(res.body).toContain(`<meta property="og:url" content="${t.config.publicUrl}/p/${board.slug}">`);
    expect(res.body).toMatch(/<meta property="og:title" content="Reading group">/);
    expect(res.body).toMatch(/<meta property="og:description" content="[^"]+">/);
    expect(res.body).toContain('<meta property="og:type" content="website">');
    expect(res.body).toContain('<meta name="robots" content="noindex">');
    expect(res.headers['x-robots-tag']).toBe('noindex');
    expect((await patchPublic(owner, board.boardId, { indexable: true })).statusCode).toBe(200);
    const indexable = await t.app.inject({ url: `/p/${board.slug}` });
    expect(indexable.body).not.toContain('noindex');
    expect(indexable.headers['x-robots-tag']).toBeUndefined();
    expect((await patchPublic(owner, board.boardId, { indexable: false })).statusCode).toBe(200);
  });

  it('is cacheable: an ETag, a short public max-age and 304 for a matching If-None-Match', async () => {
    const first = await t.app.inject({ url: `/p/${board.slug}` });
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(first.headers['cache-control']).toBe('public, max-age=60');
    const again = await t.app.inject({ url: `/p/${board.slug}`, headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    const other = await t.app.inject({ url: `/p/${board.slug}`, headers: { 'if-none-match': '"other"' } });
    expect(other.statusCode).toBe(200);
  });

  it('serves the calendar of the shown sessions as iCalendar', async () => {
    const res = await t.app.inject({ url: `/p/${board.slug}/calendar.ics` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/calendar/);
    const calendar = new ICAL.Component(ICAL.parse(res.body) as unknown[]);
    const summaries = calendar.getAllSubcomponents('vevent').map((e) => String(e.getFirstPropertyValue('summary')));
    expect(summaries.sort()).toEqual([board.shown.past, board.shown.upcoming].sort());
    expect(res.body).not.toContain(board.hidden);
  });

  it('serves the syllabus as an Atom feed with escaped text', async () => {
    const res = await t.app.inject({ url: `/p/${board.slug}/feed.atom` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/atom\+xml/);
    const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(res.body);
    const feed = parsed.feed;
    expect(feed.xmlns).toBe('http://www.w3.org/2005/Atom');
    expect(feed.id).toMatch(/^tag:/);
    expect(feed.updated).toMatch(/Z$/);
    const titles: string[] = feed.entry.map((e: { title: { '#text': string } }) => e.title['#text']);
    expect(titles).toContain(`Session: ${board.shown.upcoming}`);
    expect(titles).toContain(`Past session: ${board.shown.past}`);
    expect(titles.some((title) => title.includes('Listed <b>paper</b> & co'))).toBe(true);
    expect(new Set(feed.entry.map((e: { id: string }) => e.id)).size).toBe(feed.entry.length);
    expect(res.body).not.toContain(board.hidden);
    expect(res.body).not.toMatch(EMAIL);
  });

  it('answers 404 at once when the owner turns the page off, and again once it is back on', async () => {
    const own = await publishedBoard();
    expect((await t.app.inject({ url: `/p/${own.slug}` })).statusCode).toBe(200);
    expect((await patchPublic(owner, own.boardId, { enabled: false })).statusCode).toBe(200);
    for (const path of ['', '/calendar.ics', '/feed.atom']) {
      const res = await t.app.inject({ url: `/p/${own.slug}${path}` });
      expect(res.statusCode, path).toBe(404);
      expect(res.body).not.toContain(own.shown.upcoming);
    }
    expect((await patchPublic(owner, own.boardId, { enabled: true })).statusCode).toBe(200);
    expect((await t.app.inject({ url: `/p/${own.slug}` })).statusCode).toBe(200);
  });

  it('answers 404 for unknown and malformed slugs', async () => {
    expect((await t.app.inject({ url: '/p/no-such-board-here' })).statusCode).toBe(404);
    expect((await t.app.inject({ url: '/p/NOPE' })).statusCode).toBe(404);
  });

  it('serves the local-times script as JavaScript from its own origin', async () => {
    const res = await t.app.inject({ url: '/p/-/local-times.js' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/javascript/);
    expect(res.body).toContain('time[data-local]');
    // The security headers allow it: scripts from 'self' only.
    expect(String((await t.app.inject({ url: `/p/${board.slug}` })).headers['content-security-policy'])).toMatch(
      /script-src 'self'/,
    );
  });

  it('does not show a stranger anything of a board that is not published', async () => {
    const hidden = await createBoardWithMembers(t.app, stranger, {});
    const detail = await t.app.inject({ url: `/api/boards/${hidden.id}`, headers: { cookie: stranger.cookie } });
    expect(detail.json().board.public.enabled).toBe(false);
  });
});

describe('public notes', () => {
  const noteUrl = (boardId: string, cardId: string) => `/api/boards/${boardId}/cards/${cardId}/note`;
  const publish = (user: TestUser, boardId: string, cardId: string, value: unknown) =>
    t.app.inject({
      method: 'PUT',
      url: noteUrl(boardId, cardId),
      headers: { cookie: user.cookie },
      payload: { public: value },
    });
  const write = (boardId: string, cardId: string, text: string) =>
    t.app.sync.edit(noteRoom(boardId, cardId), new ServerEdit(owner.user.id), (doc) =>
      doc.getText(NOTE_ROOT).insert(0, text),
    );
  const page = async (slug: string) => (await t.app.inject({ url: `/p/${slug}` })).body;

  it('shows a note under its past session only once the owner publishes it, escaped, and hides it again', async () => {
    const board = await publishedBoard();
    const [upcoming, past, , hidden] = board.cards;
    const tag = crypto.randomBytes(3).toString('hex');
    await write(board.boardId, past, `# Takeaways ${tag}\n<script>alert(1)</script> & more`);
    await write(board.boardId, upcoming, `Prep for upcoming ${tag}`);
    await write(board.boardId, hidden, `Private column note ${tag}`);
    // Written, not published: nowhere on the page or its feeds.
    for (const path of ['', '/feed.atom', '/calendar.ics']) {
      expect((await t.app.inject({ url: `/p/${board.slug}${path}` })).body, path).not.toContain(tag);
    }
    const before = await t.app.inject({ url: noteUrl(board.boardId, past), headers: { cookie: viewer.cookie } });
    expect(before.json()).toEqual({ cardId: past, public: false, publishedAt: null, publishedBy: null });

    const res = await publish(owner, board.boardId, past, true);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ cardId: past, public: true, publishedBy: 'Owner' });
    for (const card of [upcoming, hidden])
      expect((await publish(owner, board.boardId, card, true)).statusCode).toBe(200);
    const html = await page(board.slug);
    expect(html).toContain(`# Takeaways ${tag}\n&lt;script&gt;alert(1)&lt;/script&gt; &amp; more`);
    expect(html).not.toContain('<script>alert(1)');
    expect(html.indexOf(`Takeaways ${tag}`)).toBeGreaterThan(html.indexOf('Past sessions'));
    // Published, but the session has not happened, or the column is not shown: still not on the page.
    expect(html).not.toContain(`Prep for upcoming ${tag}`);
    expect(html).not.toContain(`Private column note ${tag}`);
    const atom = (await t.app.inject({ url: `/p/${board.slug}/feed.atom` })).body;
    expect(atom).toContain(`Takeaways ${tag}`);
    expect(atom).not.toContain('<script>');

    // What members write later shows too (the mark is on the card's note, not on a copy).
    await write(board.boardId, past, `Added later ${tag}. `);
    expect(await page(board.slug)).toContain(`Added later ${tag}.`);

    expect((await publish(owner, board.boardId, past, false)).json().public).toBe(false);
    expect(await page(board.slug)).not.toContain(tag);
  });

  it('lets only owners publish, and names the field of a bad body', async () => {
    const board = await publishedBoard();
    const card = board.cards[1];
    expect((await publish(editor, board.boardId, card, true)).statusCode).toBe(403);
    expect((await publish(viewer, board.boardId, card, true)).statusCode).toBe(403);
    expect((await publish(stranger, board.boardId, card, true)).statusCode).toBe(404);
    const bad = await publish(owner, board.boardId, card, 'yes');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/public/);
    const extra = await t.app.inject({
      method: 'PUT',
      url: noteUrl(board.boardId, card),
      headers: { cookie: owner.cookie },
      payload: { public: true, text: 'x' },
    });
    expect(extra.statusCode).toBe(400);
    for (const unknown of ['no-such-card', 'bad.id']) {
      expect((await publish(owner, board.boardId, unknown, true)).statusCode, unknown).toBe(404);
    }
    const [row]: [{ n: number }] = await t.db.sql`
      select count(*)::int as n from public_notes where board_id = ${board.boardId}`;
    expect(row.n).toBe(0);
  });

  it('stores one publication when publishes race, and hides it again', async () => {
    const board = await publishedBoard();
    const card = board.cards[1];
    const answers = await Promise.all([1, 2, 3].map(() => publish(owner, board.boardId, card, true)));
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200]);
    expect(new Set(answers.map((a) => a.json().publishedAt)).size).toBe(1);
    expect((await publish(owner, board.boardId, card, false)).json().public).toBe(false);
  });
});
