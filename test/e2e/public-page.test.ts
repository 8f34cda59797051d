import { beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { TestApp } from '#test/helpers/app.js';
import { describeInBrowser, useBrowserServer } from '#test/helpers/e2e.js';
import type { BrowserSessions } from '#test/helpers/browser.js';
import { assignPresenter, createBoardWithMembers, nominate, signUp } from '#test/helpers/factories.js';
import { ServerEdit } from '#server/sync/board-room.js';
import { addComment } from '#shared/protocol/board-doc/edits.js';

describeInBrowser('the public syllabus page', () => {
  const server = useBrowserServer();
  let t: TestApp;
  let tabs: BrowserSessions;
  let browser: Browser;
  let baseUrl: string;
  beforeAll(() => {
    ({ t, tabs, browser, baseUrl } = server);
  });

  it('is published from Settings with one column, reads without JavaScript, and answers 404 once turned off', async () => {
    const owner = await signUp(t.app, 'Olivia Owner');
    const editor = await signUp(t.app, 'Edgar Editor');
    const { id: boardId } = await createBoardWithMembers(t.app, owner, { editor });
    const paper = await t.app.inject({
      method: 'POST',
      url: '/api/papers',
      headers: { cookie: owner.cookie },
      payload: {
        title: 'Sparse mixtures of experts',
        authors: ['Noam Shazeer'],
        url: 'https://example.org/moe',
        codeUrls: ['https://github.com/e/moe'],
      },
    });
    const [cardId] = await nominate(t.app, owner, boardId, paper.json().id);
    await assignPresenter(t.app, owner, { boardId, cardId }, editor, '2031-03-04T18:00:00Z');
    await t.app.sync.edit(boardId, new ServerEdit(owner.user.id), (doc) =>
      addComment(doc, { cardId, authorId: owner.user.id, body: 'A members-only remark' }),
    );

    const { page } = await tabs.open(`/boards/${boardId}/settings`, { as: owner });
    const section = page.getByRole('form', { name: 'Public page' });
    await section.getByText('The page is off').waitFor();
    await section.getByLabel('Publish this board').check();
    await section.getByLabel('Address').fill('olivias-group');
    await section.getByLabel('Nominated').check();
    await section.getByRole('button', { name: 'Save public page' }).click();
    await section.getByRole('status').getByText('Saved.').waitFor();
    expect(await section.getByLabel('Public page link').inputValue()).toMatch(/\/p\/olivias-group$/);
    await section.getByRole('button', { name: 'Copy link' }).click();
    await section.getByRole('button', { name: 'Copied' }).waitFor();

    // A stranger's browser without JavaScript reads the whole page, times in UTC.
    const noJs = await browser.newContext({ javaScriptEnabled: false });
    try {
      const visitor = await noJs.newPage();
      const res = await visitor.goto(`${baseUrl}/p/olivias-group`);
      expect(res?.status()).toBe(200);
      await visitor.getByRole('heading', { name: 'Reading group', level: 1 }).waitFor();
      const upcoming = visitor.locator('h2:has-text("Upcoming sessions") + ul');
      await upcoming.getByRole('link', { name: 'Sparse mixtures of experts' }).waitFor({ state: 'attached' });
      expect(await upcoming.innerText()).toContain('Tue, 4 Mar 2031, 18:00 UTC');
      expect(await upcoming.innerText()).toContain('presented by Edgar Editor');
      await visitor.getByText('Times are shown in UTC.').waitFor();
      const text = await visitor.locator('body').innerText();
      expect(text).not.toMatch(/@example\.org/);
      expect(text).not.toContain('members-only remark');
      expect(text).not.toMatch(/vote/i);
    } finally {
      await noJs.close();
    }

    // With JavaScript, times are in the visitor's zone.
    const tokyo = await tabs.open('/p/olivias-group', { timezoneId: 'Asia/Tokyo', locale: 'en-GB' });
    await tokyo.page.getByText('Times are shown in your time zone (Asia/Tokyo).').waitFor();
    expect(await tokyo.page.locator('time[data-local]').first().innerText()).toMatch(/5 Mar 2031.*03:00/);

    // Off: the address answers 404 at once.
    await section.getByLabel('Publish this board').uncheck();
    await section.getByRole('button', { name: 'Save public page' }).click();
    await section.getByText('The page is off').waitFor();
    const gone = await t.app.inject({ url: '/p/olivias-group' });
    expect(gone.statusCode).toBe(404);
    const again = await tabs.open('/p/olivias-group', { expectedConsoleErrors: /status of 404/ });
    await again.page.getByRole('heading', { name: 'Page not found' }).waitFor();
  }, 60_000);
});
