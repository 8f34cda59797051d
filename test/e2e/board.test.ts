import crypto from 'node:crypto';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Config } from '#server/config.js';
import { seedDemo } from '#server/bootstrap/seed.js';
import { ServerEdit } from '#server/sync/board-room.js';
import { renameColumn } from '#shared/protocol/board-doc/edits.js';
import { boardView } from '#shared/protocol/board-doc/view.js';
import type { TestApp } from '#test/helpers/app.js';
import { describeInBrowser, RESULTS_DIR, useBrowserServer } from '#test/helpers/e2e.js';
import { BrowserSessions } from '#test/helpers/browser.js';
import { addMember, createBoard, signUp, type TestUser, nominatePaper } from '#test/helpers/factories.js';
import { storedDoc } from '#test/helpers/yjs.js';
import { createFakeArxiv } from '#test/helpers/fake-arxiv.js';

const PASSWORD = 'a long enough password';
const HOSTILE_TITLE = '<img src=x onerror=alert(1)>';

describeInBrowser('the board in the browser', () => {
  // "+ Add paper" imports pasted arXiv ids from this stand-in; its address is known once it listens,
  // before the app is built (hooks run in the order they are registered).
  const arxiv = createFakeArxiv();
  const config: Partial<Config> = { seedDemo: true };
  beforeAll(async () => {
    config.arxivApiUrl = `${await arxiv.listen()}/api/query`;
  });
  afterAll(() => arxiv.close());
  const server = useBrowserServer({
    config,
    prepare: async (t) => {
      await seedDemo(t.db.sql, t.config);
    },
  });
  let t: TestApp;
  let baseUrl: string;
  let tabs: BrowserSessions;
  beforeAll(() => {
    ({ t, baseUrl, tabs } = server);
  });

  const uniqueEmail = (name: string) =>
    `${name.toLowerCase().replace(/\W+/g, '.')}.${crypto.randomBytes(4).toString('hex')}@example.org`;
  const column = (page: Page, title: string) => page.getByRole('region', { name: title, exact: true });
  const card = (scope: Page | Locator, title: string) => scope.locator('li.card').filter({ hasText: title });
  const voteCount = (scope: Locator) => scope.getByRole('button', { name: /votes:/ });

  async function signUpInBrowser(page: Page, name: string) {
    await page.getByLabel('Name').fill(name);
    await page.getByLabel('Email').fill(uniqueEmail(name));
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByLabel('Password').press('Enter');
    await page.getByRole('button', { name: 'Create a board' }).waitFor();
  }

  async function paperTitled(title: string): Promise<string> {
    const [row] = await t.db.sql<{ id: string }[]>`select id from papers where title = ${title}`;
    if (!row) throw new Error(`no paper titled ${title}`);
    return row.id;
  }

  const addPaper = (user: TestUser, boardId: string, title: string, abstract?: string) =>
    nominatePaper(t.app, user, boardId, title, abstract);

  // ~10 s alone; two browsers through forty steps while another test file runs took 30 s in a CI dry run.
  it(
    'lets two members nominate, move, vote, discuss, schedule and edit offline together',
    { timeout: 90_000 },
    async () => {
      // Two people sign up in two browsers; A creates a board and invites B.
      // No console errors, also while offline: neither socket tries to reconnect until the network is back.
      const a = await tabs.open('/signup');
      await signUpInBrowser(a.page, 'Ada Organiser');
      await a.page.getByRole('button', { name: 'Create a board' }).click();
      await a.page.getByLabel('Name').fill('Friday club');
      await a.page.getByLabel('Name').press('Enter');
      // The new board opens at once.
      await a.page.waitForURL(/\/boards\/[0-9a-f-]{36}$/);
      const boardPath = new URL(a.page.url()).pathname;
      await column(a.page, 'Nominated').waitFor();
      await a.page.getByText('No papers on this board yet').waitFor();

      await a.page
        .getByRole('navigation', { name: 'Board sections' })
        .getByRole('link', { name: /^Members/ })
        .click();
      const invites = a.page.getByRole('region', { name: 'Invite links' });
      await invites.getByRole('button', { name: 'Create invite link' }).click();
      const inviteLink = await invites.getByRole('textbox', { name: 'New invite link' }).inputValue();

      const b = await tabs.open('/signup');
      await signUpInBrowser(b.page, 'Bea Presenter');
      await b.page.goto(inviteLink);
      await b.page.getByRole('button', { name: 'Accept invitation' }).click();
      await b.page.waitForURL(`${baseUrl}${boardPath}`);
      await column(b.page, 'Nominated').waitFor();

      // A nominates a paper from the library; B sees it arrive.
      const title = 'Improving fine-grained understanding in image-text pre-training';
      await a.page.goto(`${baseUrl}/?q=${encodeURIComponent('fine-grained understanding image-text pre-training')}`);
      const row = a.page.getByRole('list', { name: 'Papers' }).getByRole('listitem').filter({ hasText: title }).first();
      await row.getByRole('button', { name: '+ Add to board' }).click();
      await row.getByRole('button', { name: /^Friday club/ }).click();
      await a.page.getByText(`Added “${title}” to Friday club.`).waitFor();
      await row.getByRole('button', { name: '+ Add to board' }).click();
      await row.getByRole('button', { name: /Friday club\s*Already on this board/ }).waitFor();
      await card(column(b.page, 'Nominated'), title).waitFor();

      // B drags it to Shortlist; A sees it there.
      await a.page.goto(`${baseUrl}${boardPath}`);
      await card(column(a.page, 'Nominated'), title).waitFor();
      await card(b.page, title).locator('a.open').dragTo(column(b.page, 'Shortlist').locator('ol'));
      await card(column(b.page, 'Shortlist'), title).waitFor();
      await card(column(a.page, 'Shortlist'), title).waitFor();

      // Both vote; the tallies agree everywhere.
      await voteCount(card(a.page, title)).click();
      await voteCount(card(b.page, title)).click();
      for (const page of [a.page, b.page]) {
        await expect.poll(() => voteCount(card(page, title)).innerText()).toMatch(/2$/);
      }
      expect(await voteCount(card(a.page, title)).getAttribute('aria-pressed')).toBe('true');

      // A comments, B replies; both threads show both.
      await card(a.page, title).locator('a.open').click();
      const panelA = a.page.getByRole('complementary', { name: title });
      await panelA.getByLabel('Add a comment').fill('Worth it for **section 3** alone.');
      await panelA.getByRole('button', { name: 'Comment' }).click();
      await panelA.locator('.body strong').filter({ hasText: 'section 3' }).waitFor();
      await card(b.page, title).locator('a.open').click();
      const panelB = b.page.getByRole('complementary', { name: title });
      await panelB.getByText('Worth it for').waitFor();
      // Presence: each sees the other looking at the card.
      await panelA.getByTitle('Bea Presenter is looking at this card').waitFor();
      await panelB.getByRole('button', { name: 'Reply' }).click();
      await panelB.getByLabel('Reply to Ada Organiser').fill('Agreed, I can present it.');
      await panelB.getByRole('button', { name: 'Reply', exact: true }).last().click();
      await panelA.getByText('Agreed, I can present it.').waitFor();
      await a.page.screenshot({ path: `${RESULTS_DIR}board-card-panel.png` });

      // A makes B the presenter; the card and the schedule show it.
      await panelA.getByLabel('Presenter', { exact: true }).selectOption({ label: 'Bea Presenter' });
      const session = new Date(Date.now() + 3 * 86_400_000);
      session.setHours(18, 0, 0, 0);
      const local = new Date(session.getTime() - session.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
      await panelA.getByLabel('Session', { exact: true }).fill(local);
      await panelA.getByRole('button', { name: 'Save' }).click();
      await panelA.getByText('Bea Presenter presents on').waitFor();
      await card(b.page, title).getByTitle('Bea Presenter presents').waitFor();
      await panelA.getByRole('button', { name: 'Close the card' }).click();
      await a.page.waitForURL(`${baseUrl}${boardPath}`);
      await a.page.getByRole('navigation', { name: 'Board sections' }).getByRole('link', { name: 'Schedule' }).click();
      await a.page.getByText(title).waitFor();
      expect(await a.page.locator('main').innerText()).toContain('Bea Presenter');
      await a.page.screenshot({ path: `${RESULTS_DIR}board-scenario-schedule.png` });

      // A goes offline, moves the card with the keyboard, comes back; B sees the move.
      await a.page.goto(`${baseUrl}${boardPath}`);
      await card(column(a.page, 'Shortlist'), title).waitFor();
      await a.page.getByRole('status', { name: /^Online/ }).waitFor();
      // Once live events are joined and what they may have missed is read again, no request is in flight.
      await a.page.waitForFunction(() => performance.getEntriesByName('board:live').length > 0);
      // The board's other reads (open rounds, suggestions) are done too.
      await a.page.waitForLoadState('networkidle');
      await a.context.setOffline(true);
      await a.page.getByRole('status', { name: /^Offline/ }).waitFor();
      await card(a.page, title).locator('a.open').focus();
      await a.page.keyboard.press('Space');
      await a.page.keyboard.press('ArrowRight');
      await a.page.keyboard.press('Space');
      await card(column(a.page, 'Scheduled'), title).waitFor();
      // Nothing reached B while A was offline.
      expect(await card(column(b.page, 'Shortlist'), title).count()).toBe(1);
      await a.context.setOffline(false);
      await card(column(b.page, 'Scheduled'), title).waitFor({ timeout: 20_000 });
      // Live events reach A again once its socket is back: B takes back their vote, A's tally follows.
      await voteCount(card(b.page, title)).click();
      await expect.poll(() => voteCount(card(a.page, title)).innerText(), { timeout: 20_000 }).toMatch(/1$/);
      await a.page.screenshot({ path: `${RESULTS_DIR}board-scenario.png` });
    },
  );

  it('shows a hostile paper title as text and runs nothing', async () => {
    const owner = await signUp(t.app, 'Wary Owner');
    const board = await createBoard(t.app, owner, 'Hostile titles');
    await addPaper(owner, board.id, HOSTILE_TITLE);
    const { page } = await tabs.open(`/boards/${board.id}`, { as: owner });
    const hostile = card(page, HOSTILE_TITLE);
    await hostile.waitFor();
    expect(await hostile.locator('img').count()).toBe(0);
    expect(await hostile.locator('.title').innerText()).toBe(HOSTILE_TITLE);
    await hostile.locator('a.open').click();
    const panel = page.getByRole('complementary', { name: HOSTILE_TITLE });
    await panel.getByLabel('Add a comment').fill(`${HOSTILE_TITLE} <script>alert(2)</script> [x](javascript:alert(3))`);
    await panel.getByRole('button', { name: 'Comment' }).click();
    await panel.locator('.body').first().waitFor();
    expect(await panel.locator('.body').first().innerText()).toContain(HOSTILE_TITLE);
    // The note editor's own empty `img.cm-widgetBuffer` (CodeMirror's cursor aid beside widgets) is no image.
    expect(
      await page.locator('main img:not(.cm-widgetBuffer), aside img:not(.cm-widgetBuffer), script:not([src])').count(),
    ).toBe(0);
    expect(await page.locator('img.cm-widgetBuffer[src]').count()).toBe(0);
    expect(await panel.locator('.body a[href^="javascript"]').count()).toBe(0);
    // The afterEach hook fails the test if any alert opened.
  });

  it('says "This board is full" when the board refuses an edit past its size limit, and keeps the rest', async () => {
    const owner = await signUp(t.app, 'Full Fran');
    const board = await createBoard(t.app, owner, 'Full board');
    await addPaper(owner, board.id, 'Crowded paper');
    const { page } = await tabs.open(`/boards/${board.id}`, { as: owner });
    await card(page, 'Crowded paper').waitFor();
    const settings = t.app.sync.settings;
    const limit = settings.maxDocBytes;
    try {
      // Room for a little more than the board holds now, not for a 9,000-character comment.
      await t.app.sync.flushAll();
      const [{ bytes }] = await t.db.sql<{ bytes: number }[]>`
        select coalesce(sum(octet_length(update)), 0)::int as bytes from board_updates where board_id = ${board.id}`;
      settings.maxDocBytes = bytes + 2000;
      await card(page, 'Crowded paper').locator('a.open').click();
      const panel = page.getByRole('complementary', { name: 'Crowded paper' });
      await panel.getByLabel('Add a comment').fill('long '.repeat(1800));
      await panel.getByRole('button', { name: 'Comment' }).click();
      await page.getByRole('status').filter({ hasText: 'This board is full' }).waitFor();
      await t.app.sync.flushAll();
      const [{ rows }] = await t.db.sql<{ rows: number }[]>`
        select count(*)::int as rows from board_updates where board_id = ${board.id}`;
      const stored = await storedDoc(t.db.sql, board.id);
      // Nothing of the refused comment was stored, in the log or the live document.
      expect(Object.values(boardView(stored).comments).flat()).toEqual([]);
      expect(Object.values(boardView(t.app.sync.peek(board.id)!).comments).flat()).toEqual([]);
      expect(rows).toBeGreaterThan(0);
    } finally {
      settings.maxDocBytes = limit;
    }
  });

  it("opens the board's document connection before the app runs, and the board takes it over", async () => {
    const owner = await signUp(t.app, 'Early Eve');
    const board = await createBoard(t.app, owner, 'Early board');
    await addPaper(owner, board.id, 'Early paper');
    const documentSockets: string[] = [];
    const { page } = await tabs.open(`/boards/${board.id}`, {
      as: owner,
      setup: async (p) =>
        p.on('websocket', (ws) => {
          if (new URL(ws.url()).pathname.startsWith('/yjs/')) documentSockets.push(ws.url());
        }),
    });
    await card(column(page, 'Nominated'), 'Early paper').waitFor();
    await page.getByRole('status', { name: /^Online/ }).waitFor();
    // The early socket was opened, and it is the board's only document connection.
    expect(await page.evaluate(() => performance.getEntriesByName('board:early-socket').length)).toBe(1);
    expect(documentSockets).toEqual([`${baseUrl.replace(/^http/, 'ws')}/yjs/${board.id}`]);
    // Edits travel over it both ways.
    await card(page, 'Early paper').locator('a.open').focus();
    await page.keyboard.press('Space');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Space');
    await expect
      .poll(() => boardView(t.app.sync.peek(board.id)!).columns[1].cards.map((c) => c.paperId).length)
      .toBe(1);
    await t.app.sync.edit(board.id, new ServerEdit(owner.user.id), (doc) =>
      renameColumn(doc, boardView(doc).columns[3].id, 'Done'),
    );
    await page.getByRole('region', { name: 'Done', exact: true }).waitFor();
    expect(documentSockets).toHaveLength(1);
  });

  it('moves cards with the keyboard, cancels with Escape, and undoes and redoes my own edits', async () => {
    const owner = await signUp(t.app, 'Keyboard Kim');
    const board = await createBoard(t.app, owner, 'Keyboard board');
    await addPaper(owner, board.id, 'First keyboard paper');
    await addPaper(owner, board.id, 'Second keyboard paper');
    const { page } = await tabs.open(`/boards/${board.id}`, { as: owner });
    const nominated = column(page, 'Nominated');
    await card(nominated, 'Second keyboard paper').waitFor();

    const first = card(page, 'First keyboard paper').locator('a.open');
    await first.focus();
    await page.keyboard.press('Space');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Escape');
    expect(await nominated.locator('li.card .title').allInnerTexts()).toEqual([
      'First keyboard paper',
      'Second keyboard paper',
    ]);

    await first.focus();
    await page.keyboard.press('Space');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Space');
    await expect
      .poll(() => nominated.locator('li.card .title').allInnerTexts())
      .toEqual(['Second keyboard paper', 'First keyboard paper']);
    expect(await first.evaluate((el) => el === document.activeElement)).toBe(true);

    await page.locator('body').press('Control+z');
    await expect
      .poll(() => nominated.locator('li.card .title').allInnerTexts())
      .toEqual(['First keyboard paper', 'Second keyboard paper']);
    await page.locator('body').press('Control+Shift+z');
    await expect
      .poll(() => nominated.locator('li.card .title').allInnerTexts())
      .toEqual(['Second keyboard paper', 'First keyboard paper']);

    // Columns: add, rename, sort by votes, delete (cards move to the chosen column).
    await page.getByRole('button', { name: '+ Add column' }).click();
    await page.getByLabel('New column name').fill('Maybe later');
    await page.getByLabel('New column name').press('Enter');
    await column(page, 'Maybe later').waitFor();
    await page.getByRole('button', { name: 'Actions for column Maybe later' }).click();
    await page.getByRole('menuitem', { name: 'Rename' }).click();
    await page.getByLabel('Column name').fill('Someday');
    await page.getByLabel('Column name').press('Enter');
    await column(page, 'Someday').waitFor();

    await voteCount(card(page, 'First keyboard paper')).click();
    await expect.poll(() => voteCount(card(page, 'First keyboard paper')).innerText()).toMatch(/1$/);
    await page.getByRole('button', { name: 'Actions for column Nominated' }).click();
    await page.getByRole('menuitem', { name: 'Sort by votes' }).click();
    await expect
      .poll(() => nominated.locator('li.card .title').allInnerTexts())
      .toEqual(['First keyboard paper', 'Second keyboard paper']);

    await page.getByRole('button', { name: 'Actions for column Nominated' }).click();
    await page.getByRole('menuitem', { name: 'Delete…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete “Nominated”?' });
    await dialog.getByLabel(/move to/).selectOption({ label: 'Someday' });
    await dialog.getByRole('button', { name: 'Delete column' }).click();
    await card(column(page, 'Someday'), 'First keyboard paper').waitFor();
    expect(await column(page, 'Nominated').count()).toBe(0);

    // The activity feed lists what happened, newest first, and keeps up live.
    await page.getByRole('button', { name: 'Activity' }).click();
    const feed = page.getByRole('complementary', { name: 'Activity' });
    await feed.getByText('Keyboard Kim nominated “First keyboard paper”').waitFor();
    await feed.getByText('Keyboard Kim voted for “First keyboard paper”').waitFor();
    await addPaper(owner, board.id, 'Third keyboard paper');
    await feed.getByText('Keyboard Kim nominated “Third keyboard paper”').waitFor();
  });

  it('shows viewers the board without any way to change it, also at 360 px in dark mode', async () => {
    const owner = await signUp(t.app, 'Owner Olive');
    const viewer = await signUp(t.app, 'Viewer Vic');
    const board = await createBoard(t.app, owner, 'Read-only board');
    await addMember(t.app, owner, board.id, viewer, 'viewer');
    await addPaper(owner, board.id, 'A paper to look at');
    const { page } = await tabs.open(`/boards/${board.id}`, { as: viewer, width: 360, dark: true });
    const seen = card(page, 'A paper to look at');
    await seen.waitFor();
    expect(await seen.locator('a.open').getAttribute('draggable')).toBe('false');
    expect(await voteCount(seen).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: '+ Add column' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: '+ Add paper' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Actions for column/ }).count()).toBe(0);
    await page.screenshot({ path: `${RESULTS_DIR}board-viewer-360.png`, fullPage: true });
    await seen.locator('a.open').click();
    const panel = page.getByRole('complementary', { name: 'A paper to look at' });
    await panel.waitFor();
    expect(await panel.getByLabel('Add a comment').count()).toBe(0);
    expect(await panel.getByRole('button', { name: 'Remove from board' }).count()).toBe(0);
    expect(await paperTitled('A paper to look at')).toBeTruthy();
  });

  it('adds a library paper from "+ Add paper" with the keyboard, and opens its page from the card', async () => {
    const owner = await signUp(t.app, 'Adding Ada');
    const board = await createBoard(t.app, owner, 'Add paper board');
    for (const title of ['Quokka routing one', 'Quokka routing two']) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/papers',
        headers: { cookie: owner.cookie },
        payload: { title, abstract: 'About quokkas.', authors: ['Quinn Quokka'] },
      });
      expect(res.statusCode, res.body).toBe(201);
    }
    await addPaper(owner, board.id, 'Quokka routing one');
    const { page } = await tabs.open(`/boards/${board.id}`, { as: owner });
    await card(page, 'Quokka routing one').waitFor();
    await page.getByRole('button', { name: '+ Add paper' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add a paper' });
    const box = dialog.getByRole('combobox');
    expect(await box.evaluate((el) => el === document.activeElement)).toBe(true);
    await box.pressSequentially('quokka routing');
    const options = dialog.getByRole('option');
    await expect.poll(() => options.count()).toBe(2);
    const one = options.filter({ hasText: 'Quokka routing one' });
    expect(await one.innerText()).toContain('Already on this board');
    // The arrows move the choice (aria-activedescendant), Enter adds it.
    const activeTitle = async () => {
      const id = await box.getAttribute('aria-activedescendant');
      return id ? page.locator(`[id="${id}"] .title`).innerText() : null;
    };
    const first = await activeTitle();
    await box.press('ArrowDown');
    const second = await activeTitle();
    expect(new Set([first, second])).toEqual(new Set(['Quokka routing one', 'Quokka routing two']));
    if (second !== 'Quokka routing two') await box.press('ArrowUp');
    expect(await activeTitle()).toBe('Quokka routing two');
    await box.press('Enter');
    await dialog.waitFor({ state: 'hidden' });
    const added = card(column(page, 'Nominated'), 'Quokka routing two');
    await added.waitFor();

    // Escape closes the dialog and leaves the board as it was.
    await page.getByRole('button', { name: '+ Add paper' }).click();
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });

    await added.locator('a.open').click();
    const panel = page.getByRole('complementary', { name: 'Quokka routing two' });
    await panel.getByRole('link', { name: 'Quokka routing two' }).click();
    await page.waitForURL(new RegExp(`/papers/${await paperTitled('Quokka routing two')}$`));
    await page.getByRole('region', { name: 'On your boards' }).getByRole('link', { name: 'Add paper board' }).waitFor();
  });

  it('imports a pasted arXiv id from "+ Add paper" and nominates it', async () => {
    const owner = await signUp(t.app, 'Pasting Pat');
    const board = await createBoard(t.app, owner, 'Pasted board');
    const { page } = await tabs.open(`/boards/${board.id}`, { as: owner });
    await page.getByText('No papers on this board yet').waitFor();
    await page.getByRole('button', { name: '+ Add paper' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add a paper' });
    await dialog.getByRole('combobox').fill('https://arxiv.org/abs/2501.04242v2');
    await dialog
      .getByRole('option', { name: /Import arXiv https:\/\/arxiv.org\/abs\/2501.04242v2 and add it/ })
      .waitFor();
    await dialog.getByRole('combobox').press('Enter');
    await dialog.waitFor({ state: 'hidden' });
    await card(column(page, 'Nominated'), 'Generated Paper 2501.04242').waitFor();
    expect(arxiv.requests.map((r) => r.ids)).toContainEqual(['2501.04242']);

    // Pasted again: the paper is known, and already on the board.
    await page.getByRole('button', { name: '+ Add paper' }).click();
    await dialog.getByRole('combobox').fill('arXiv:2501.04242');
    await dialog.getByRole('option', { name: /Import arXiv/ }).click();
    await dialog.getByRole('alert').filter({ hasText: 'This paper is already on the board.' }).waitFor();
  });

  it('filters the library by a tag, keeps the filter in the address, and greys out boards that have the paper', async () => {
    const owner = await signUp(t.app, 'Tagging Tom');
    const board = await createBoard(t.app, owner, 'Tagged board');
    const tag = `tag-${crypto.randomBytes(3).toString('hex')}`;
    for (const title of ['Tagged paper one', 'Tagged paper two']) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/papers',
        headers: { cookie: owner.cookie },
        payload: { title, abstract: 'About tags.', authors: ['Tess Tag'], tags: [tag] },
      });
      expect(res.statusCode, res.body).toBe(201);
    }
    await addPaper(owner, board.id, 'Tagged paper one');
    const { page } = await tabs.open('/?q=tagged%20paper', { as: owner });
    const results = page.getByRole('list', { name: 'Papers' });
    await results.getByRole('button', { name: tag }).first().click();
    await page.waitForURL((url) => url.searchParams.get('tag') === tag);
    await page.getByRole('button', { name: `Remove the filter ${tag}` }).waitFor();
    await expect.poll(() => results.getByRole('listitem').filter({ hasText: 'Tagged paper' }).count()).toBe(2);
    expect(await results.locator('h3').allInnerTexts()).toEqual(
      expect.arrayContaining(['Tagged paper one', 'Tagged paper two']),
    );

    const first = results.getByRole('listitem').filter({ hasText: 'Tagged paper one' }).first();
    await first.getByRole('button', { name: '+ Add to board' }).click();
    await first.getByRole('button', { name: /Tagged board\s*Already on this board/ }).waitFor();
    expect(await first.getByRole('button', { name: /Tagged board/ }).isDisabled()).toBe(true);

    await page.getByRole('button', { name: `Remove the filter ${tag}` }).click();
    await page.waitForURL((url) => !url.searchParams.has('tag'));
  });
});
