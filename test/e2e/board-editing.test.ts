import type { Locator, Page } from 'playwright-core';
import { beforeAll, expect, it } from 'vitest';
import { boardView } from '#shared/protocol/board-doc/view.js';
import type { TestApp } from '#test/helpers/app.js';
import type { BrowserSessions } from '#test/helpers/browser.js';
import { describeInBrowser, RESULTS_DIR, useBrowserServer } from '#test/helpers/e2e.js';
import { addMember, createBoard, signUp, type TestUser, nominatePaper } from '#test/helpers/factories.js';

describeInBrowser('editing the board: one kind of undo, offline controls, and the small things', () => {
  const server = useBrowserServer();
  let t: TestApp;
  let tabs: BrowserSessions;
  beforeAll(() => {
    ({ t, tabs } = server);
  });

  const column = (page: Page, title: string) => page.getByRole('region', { name: title, exact: true });
  const card = (scope: Page | Locator, title: string) => scope.locator('li.card').filter({ hasText: title });
  const voteCount = (scope: Locator) => scope.getByRole('button', { name: /votes:/ });
  const toast = (page: Page, text: string) => page.locator('.toast').filter({ hasText: text });
  const panelOf = (page: Page, title: string) => page.getByRole('complementary', { name: title });

  const addPaper = (user: TestUser, boardId: string, title: string, abstract?: string) =>
    nominatePaper(t.app, user, boardId, title, abstract);

  /** Votes as soon as the card is in the board's projection (written a moment after the card). */
  async function voteOnceProjected(user: TestUser, boardId: string, cardId: string) {
    await expect
      .poll(
        async () =>
          (
            await t.app.inject({
              method: 'PUT',
              url: `/api/boards/${boardId}/cards/${cardId}/vote`,
              headers: { cookie: user.cookie },
              payload: {},
            })
          ).statusCode,
      )
      .toBe(200);
  }

  /** The ids of the cards on the server's live copy of the board, in order. */
  const serverCardIds = (boardId: string) =>
    boardView(t.app.sync.peek(boardId)!).columns.flatMap((c) => c.cards.map((entry) => entry.id));

  async function openBoard(user: TestUser, boardId: string, firstCard: string) {
    const session = await tabs.open(`/boards/${boardId}`, { as: user });
    await card(session.page, firstCard).waitFor();
    await session.page.getByRole('status', { name: /^Online/ }).waitFor();
    return session;
  }

  it('removes a card at once and brings it back with the toast’s Undo, or with Ctrl+Z once its panel is closed', async () => {
    const owner = await signUp(t.app, 'Undo Uma');
    const board = await createBoard(t.app, owner, 'Undo board');
    const cardId = await addPaper(owner, board.id, 'A paper to remove');
    const { page } = await openBoard(owner, board.id, 'A paper to remove');

    await card(page, 'A paper to remove').locator('a.open').click();
    const panel = panelOf(page, 'A paper to remove');
    await panel.getByRole('button', { name: 'Remove from board' }).click();
    // No confirm(): the afterEach hook fails the test on any browser dialog.
    await panel.waitFor({ state: 'detached' });
    await expect.poll(() => card(page, 'A paper to remove').count()).toBe(0);
    await expect.poll(() => serverCardIds(board.id)).toEqual([]);
    await toast(page, 'Removed “A paper to remove” from the board.').getByRole('button', { name: 'Undo' }).click();
    await card(column(page, 'Nominated'), 'A paper to remove').waitFor();
    await expect.poll(() => serverCardIds(board.id)).toEqual([cardId]);

    // Again, and this time Ctrl+Z with no panel open.
    await card(page, 'A paper to remove').locator('a.open').click();
    await panel.getByRole('button', { name: 'Remove from board' }).click();
    await panel.waitFor({ state: 'detached' });
    await expect.poll(() => card(page, 'A paper to remove').count()).toBe(0);
    expect(page.url()).toMatch(/\/boards\/[0-9a-f-]{36}$/);
    await page.locator('body').press('Control+z');
    await card(column(page, 'Nominated'), 'A paper to remove').waitFor();
    await expect.poll(() => serverCardIds(board.id)).toEqual([cardId]);
  });

  it("holds back the removal of another member's card for its Undo, and makes it when the toast's time is up", async () => {
    const owner = await signUp(t.app, 'Owner Otto');
    const editor = await signUp(t.app, 'Editor Edda');
    const board = await createBoard(t.app, owner, 'Shared board');
    await addMember(t.app, owner, board.id, editor, 'editor');
    const cardId = await addPaper(editor, board.id, 'Edda’s paper');
    const { page } = await openBoard(owner, board.id, 'Edda’s paper');

    const remove = async () => {
      await card(page, 'Edda’s paper').locator('a.open').click();
      await panelOf(page, 'Edda’s paper').getByRole('button', { name: 'Remove from board' }).click();
      await expect.poll(() => card(page, 'Edda’s paper').count()).toBe(0);
    };
    await remove();
    await toast(page, 'Removed “Edda’s paper” from the board.').getByRole('button', { name: 'Undo' }).click();
    await card(page, 'Edda’s paper').waitFor();
    expect(serverCardIds(board.id)).toEqual([cardId]);

    await remove();
    await expect.poll(() => serverCardIds(board.id), { timeout: 15_000 }).toEqual([]);
    expect(await card(page, 'Edda’s paper').count()).toBe(0);
  });

  it('deletes my comment at once and restores it with the toast’s Undo', async () => {
    const owner = await signUp(t.app, 'Comment Cleo');
    const board = await createBoard(t.app, owner, 'Comment board');
    await addPaper(owner, board.id, 'A discussed paper');
    const { page } = await openBoard(owner, board.id, 'A discussed paper');
    await card(page, 'A discussed paper').locator('a.open').click();
    const panel = panelOf(page, 'A discussed paper');
    await panel.getByLabel('Add a comment').fill('Second thoughts on section 2.');
    await panel.getByRole('button', { name: 'Comment' }).click();
    await panel.getByText('Second thoughts on section 2.').waitFor();

    await panel.getByRole('button', { name: 'Delete' }).click();
    await panel.getByText('No comments yet').waitFor();
    await expect
      .poll(() =>
        Object.values(boardView(t.app.sync.peek(board.id)!).comments)
          .flat()
          .map((c) => c.deleted),
      )
      .toEqual([]);
    await toast(page, 'Comment deleted.').getByRole('button', { name: 'Undo' }).click();
    await panel.getByText('Second thoughts on section 2.').waitFor();
    await expect
      .poll(() =>
        Object.values(boardView(t.app.sync.peek(board.id)!).comments)
          .flat()
          .map((c) => [c.body, c.deleted]),
      )
      .toEqual([['Second thoughts on section 2.', false]]);
  });

  it('disables votes and presenter changes offline, saying why, and enables them again online', async () => {
    const owner = await signUp(t.app, 'Offline Olga');
    const board = await createBoard(t.app, owner, 'Offline board');
    await addPaper(owner, board.id, 'An offline paper');
    const { page, context } = await openBoard(owner, board.id, 'An offline paper');
    await page.waitForFunction(() => performance.getEntriesByName('board:live').length > 0);
    await card(page, 'An offline paper').locator('a.open').click();
    const panel = panelOf(page, 'An offline paper');
    await panel.getByRole('button', { name: 'I’ll present' }).waitFor();
    // The panel's own reads (notes editor, feedback, related papers) finish before the network goes: a
    // request cut off by going offline would be a console error of the test, not of the page.
    await panel.locator('.cm-editor').waitFor();
    await page.waitForLoadState('networkidle');

    await context.setOffline(true);
    await page.getByRole('status', { name: /^Offline/ }).waitFor();
    const controls = [
      voteCount(card(page, 'An offline paper')),
      panel.getByRole('button', { name: /^▲ Vote/ }),
      panel.getByRole('button', { name: 'I’ll present' }),
      panel.getByRole('button', { name: 'Save' }),
      panel.getByRole('button', { name: 'Suggest' }),
    ];
    for (const control of controls) {
      expect(await control.isDisabled()).toBe(true);
      const describedBy = await control.getAttribute('aria-describedby');
      expect(await page.locator(`#${describedBy}`).textContent()).toBe(
        'Offline: votes, presenters and feedback can be changed again when you are back online.',
      );
    }
    await page.screenshot({ path: `${RESULTS_DIR}board-offline-controls.png` });

    await context.setOffline(false);
    await page.getByRole('status', { name: /^Online/ }).waitFor({ timeout: 20_000 });
    for (const control of controls) expect(await control.isEnabled()).toBe(true);
    await voteCount(card(page, 'An offline paper')).click();
    await expect.poll(() => voteCount(card(page, 'An offline paper')).innerText()).toMatch(/1$/);
  });

  it('shows a repeated failure as one toast with a count', async () => {
    const owner = await signUp(t.app, 'Failing Fay');
    const board = await createBoard(t.app, owner, 'Failing board');
    await addPaper(owner, board.id, 'A paper the server refuses');
    const { page } = await tabs.open(`/boards/${board.id}`, {
      as: owner,
      expectedConsoleErrors: /status of 409/,
      setup: (p) =>
        p.route('**/api/boards/*/cards/*/vote', (route) =>
          route.fulfill({
            status: 409,
            contentType: 'application/json',
            body: JSON.stringify({ error: 'conflict', message: 'not enough dots left' }),
          }),
        ),
    });
    const refused = card(page, 'A paper the server refuses');
    await refused.waitFor();
    for (let attempt = 1; attempt <= 3; attempt++) {
      await voteCount(refused).click();
      await expect
        .poll(() => toast(page, 'Your vote was not counted').innerText())
        .toContain(attempt > 1 ? `×${attempt}` : 'not counted');
      await expect.poll(() => voteCount(refused).innerText()).toMatch(/0$/);
    }
    expect(await toast(page, 'Your vote was not counted').count()).toBe(1);
  });

  it('keeps “+ Add column” within reach at 1280 px, and closes menus after their action', async () => {
    const owner = await signUp(t.app, 'Menu Mo');
    const board = await createBoard(t.app, owner, 'Menu board');
    await addPaper(owner, board.id, 'A paper on a wide board');
    const { page } = await openBoard(owner, board.id, 'A paper on a wide board');

    const addColumn = page.getByRole('button', { name: '+ Add column' });
    // In view as the board opens, with the default four columns: nothing to scroll to find it.
    const area = await page.locator('.columns').boundingBox();
    const button = await addColumn.boundingBox();
    expect(area && button).toBeTruthy();
    expect(button!.x).toBeGreaterThanOrEqual(area!.x);
    expect(button!.x + button!.width).toBeLessThanOrEqual(area!.x + area!.width);
    expect(button!.x + button!.width).toBeLessThanOrEqual(1280);
    await page.screenshot({ path: `${RESULTS_DIR}board-add-column-1280.png` });
    await addColumn.click();
    await page.getByLabel('New column name').fill('Later');
    await page.getByLabel('New column name').press('Enter');
    await column(page, 'Later').waitFor();

    // The column menu closes after an action, and on a click elsewhere.
    await page.getByRole('button', { name: 'Actions for column Later' }).click();
    await page.getByRole('menuitem', { name: 'Move left' }).click();
    await expect.poll(() => page.getByRole('menu').count()).toBe(0);
    await page.getByRole('button', { name: 'Actions for column Later' }).click();
    await page.getByRole('menu').waitFor();
    await page.locator('#board-heading').click();
    await expect.poll(() => page.getByRole('menu').count()).toBe(0);

    // The export menu closes once a format is chosen.
    await page.getByText('Export', { exact: true }).click();
    const markdown = page.getByRole('link', { name: 'Markdown' });
    await markdown.waitFor();
    const download = page.waitForEvent('download');
    await markdown.click();
    await download;
    await expect.poll(() => markdown.isVisible()).toBe(false);
  });

  it('shows who nominated a card, who voted for it, and a long abstract collapsed with Show more', async () => {
    const owner = await signUp(t.app, 'Ann Nominator');
    const viewer = await signUp(t.app, 'Vera Viewer');
    const editor = await signUp(t.app, 'Ed Voter');
    const board = await createBoard(t.app, owner, 'Names board');
    await addMember(t.app, owner, board.id, viewer, 'viewer');
    await addMember(t.app, owner, board.id, editor, 'editor');
    const abstract = Array.from({ length: 40 }, (_, i) => `Sentence ${i + 1} of a long abstract.`).join(' ');
    const cardId = await addPaper(owner, board.id, 'A long paper', abstract);
    await addPaper(editor, board.id, 'A short paper');
    await voteOnceProjected(owner, board.id, cardId);
    await voteOnceProjected(editor, board.id, cardId);

    const { page } = await openBoard(viewer, board.id, 'A long paper');
    expect(await card(page, 'A long paper').locator('.nominator').innerText()).toBe('by Ann Nominator');
    expect(await card(page, 'A short paper').locator('.nominator').innerText()).toBe('by Ed Voter');

    await card(page, 'A long paper').locator('a.open').click();
    const panel = panelOf(page, 'A long paper');
    await panel.getByText('Voted: Ann Nominator, Ed Voter').waitFor();
    const text = panel.locator('.abstract');
    await text.waitFor();
    const showMore = panel.getByRole('button', { name: 'Show more' });
    await showMore.waitFor();
    const collapsed = await text.evaluate((el) => ({ shown: el.clientHeight, full: el.scrollHeight }));
    expect(collapsed.shown).toBeLessThan(collapsed.full);
    // The votes stay in view below the collapsed abstract.
    expect(await panel.getByRole('region', { name: 'Votes' }).isVisible()).toBe(true);
    await showMore.click();
    await panel.getByRole('button', { name: 'Show less' }).waitFor();
    const open = await text.evaluate((el) => ({ shown: el.clientHeight, full: el.scrollHeight }));
    expect(open.shown).toBeGreaterThanOrEqual(open.full - 1);
    await page.screenshot({ path: `${RESULTS_DIR}board-panel-names.png` });

    // A vote elsewhere reaches the names.
    await t.app.inject({
      method: 'DELETE',
      url: `/api/boards/${board.id}/cards/${cardId}/vote`,
      headers: { cookie: editor.cookie },
    });
    await panel.getByText('Voted: Ann Nominator', { exact: true }).waitFor();
  });

  it('opens another card’s panel afresh and announces a keyboard drop at the right position', async () => {
    const owner = await signUp(t.app, 'Switch Sam');
    const board = await createBoard(t.app, owner, 'Switch board');
    await addPaper(owner, board.id, 'First switch paper');
    await addPaper(owner, board.id, 'Second switch paper');
    const { page } = await openBoard(owner, board.id, 'Second switch paper');

    await card(page, 'First switch paper').locator('a.open').click();
    const first = panelOf(page, 'First switch paper');
    await first.getByLabel('Presenter', { exact: true }).selectOption({ label: 'Switch Sam' });
    await card(page, 'Second switch paper').locator('a.open').click();
    const second = panelOf(page, 'Second switch paper');
    await second.waitFor();
    expect(await second.getByLabel('Presenter', { exact: true }).inputValue()).toBe('');
    await second.getByRole('button', { name: 'Close the card' }).click();
    await second.waitFor({ state: 'detached' });

    await card(page, 'First switch paper').locator('a.open').focus();
    await page.keyboard.press('Space');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Space');
    await expect
      .poll(() => page.locator('p[aria-live="assertive"]').textContent())
      .toBe('Dropped. Nominated, position 2 of 2.');
  });
});
