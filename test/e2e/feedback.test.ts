import type { Locator, Page } from 'playwright-core';
import { beforeAll, expect, it } from 'vitest';
import { moveCard } from '#shared/protocol/board-doc/edits.js';
import { boardView } from '#shared/protocol/board-doc/view.js';
import { ServerEdit } from '#server/sync/board-room.js';
import type { TestApp } from '#test/helpers/app.js';
import type { BrowserSessions } from '#test/helpers/browser.js';
import { describeInBrowser, RESULTS_DIR, useBrowserServer } from '#test/helpers/e2e.js';
import {
  assignPresenter,
  createBoardWithMembers,
  nominatePaper,
  projectedCardIds,
  signUp,
  type TestUser,
} from '#test/helpers/factories.js';

const DAY = 24 * 3600_000;

describeInBrowser('attendance and ratings on the card', () => {
  const server = useBrowserServer();
  let t: TestApp;
  let tabs: BrowserSessions;
  beforeAll(() => {
    ({ t, tabs } = server);
  });

  const card = (scope: Page | Locator, title: string) => scope.locator('li.card').filter({ hasText: title });
  const column = (page: Page, title: string) => page.getByRole('region', { name: title, exact: true });
  const panelOf = (page: Page, title: string) => page.getByRole('complementary', { name: title });
  const ratingOn = (page: Page, title: string) => card(page, title).locator('.rating [aria-hidden="true"]');

  /**
   * A board of `owner` with `viewer` as a member, and a card titled `title` in the column named `columnTitle`,
   * presented by the owner `sessionOffset` ms from now.
   */
  async function boardWithCard(
    owner: TestUser,
    viewer: TestUser,
    title: string,
    columnTitle: string,
    sessionOffset: number,
  ) {
    const board = await createBoardWithMembers(t.app, owner, { viewer });
    const cardId = await nominatePaper(t.app, owner, board.id, title);
    await t.app.sync.edit(board.id, new ServerEdit(owner.user.id), (doc) => {
      const target = boardView(doc).columns.find((c) => c.title === columnTitle)!;
      moveCard(doc, cardId, { columnId: target.id });
    });
    // Assignments need the card in the projection, written a moment after the edit.
    await expect.poll(() => projectedCardIds(t.app, owner, board.id), { timeout: 10_000 }).toContain(cardId);
    await assignPresenter(t.app, owner, { boardId: board.id, cardId }, owner, new Date(Date.now() + sessionOffset));
    return { boardId: board.id, cardId };
  }

  async function openBoard(user: TestUser, boardId: string, title: string) {
    const session = await tabs.open(`/boards/${boardId}`, { as: user });
    await card(session.page, title).waitFor();
    await session.page.getByRole('status', { name: /^Online/ }).waitFor();
    await session.page.waitForFunction(() => performance.getEntriesByName('board:live').length > 0);
    return session;
  }

  it('lets two members mark attendance and rate; the other page shows the average live, and the takeaway in the panel', async () => {
    const owner = await signUp(t.app, 'Rating Rosa');
    const viewer = await signUp(t.app, 'Viewer Vik');
    const title = 'Attention in hindsight';
    const { boardId } = await boardWithCard(owner, viewer, title, 'Read', -2 * DAY);

    const rosa = (await openBoard(owner, boardId, title)).page;
    const vik = (await openBoard(viewer, boardId, title)).page;
    await card(column(rosa, 'Read'), title).waitFor();
    expect(await ratingOn(vik, title).count()).toBe(0);

    // Rosa attends, rates 4 and leaves a takeaway (Enter saves).
    await card(rosa, title).locator('a.open').click();
    const panel = panelOf(rosa, title);
    await panel
      .getByRole('group', { name: 'Did you attend?' })
      .getByRole('button', { name: 'Yes', exact: true })
      .click();
    const rating = panel.getByRole('group', { name: 'Your rating' });
    await rating.getByRole('radio', { name: '4 out of 5' }).check();
    await expect.poll(() => ratingOn(vik, title).innerText()).toBe('★ 4.0 (1)');
    const takeaway = panel.getByLabel('Your takeaway');
    await takeaway.fill('Attention is a soft dictionary lookup');
    await takeaway.press('Enter');
    await panel.getByRole('list', { name: 'Takeaways' }).getByText('Attention is a soft dictionary lookup').waitFor();

    // Vik, a viewer, attends too and rates 5 with the keyboard: Rosa's card shows the new average.
    await card(vik, title).locator('a.open').click();
    const vikPanel = panelOf(vik, title);
    await vikPanel.getByRole('button', { name: 'Yes', exact: true }).click();
    const vikRating = vikPanel.getByRole('group', { name: 'Your rating' });
    await vikRating.getByRole('radio', { name: '5 out of 5' }).waitFor();
    await vikRating.getByRole('radio', { name: '5 out of 5' }).focus();
    await vik.keyboard.press('Space');
    await expect.poll(() => vikRating.getByRole('radio', { name: '5 out of 5' }).isChecked()).toBe(true);
    await expect.poll(() => ratingOn(rosa, title).innerText()).toBe('★ 4.5 (2)');
    await expect.poll(() => ratingOn(vik, title).innerText()).toBe('★ 4.5 (2)');

    // Rosa's takeaway reached Vik's panel, with her name; the summary counts both.
    const takeaways = vikPanel.getByRole('list', { name: 'Takeaways' });
    await takeaways.getByText('Attention is a soft dictionary lookup').waitFor();
    expect(await takeaways.innerText()).toContain('Rating Rosa');
    await expect
      .poll(() => vikPanel.getByTestId('feedback-summary').innerText())
      .toMatch(/2 members attended · ★ 4\.5 average from 2 ratings/);
    await rosa.screenshot({ path: `${RESULTS_DIR}feedback-rating.png` });

    // Saying "No" takes my rating back, on both pages.
    await vikPanel.getByRole('button', { name: 'No', exact: true }).click();
    await expect.poll(() => ratingOn(rosa, title).innerText()).toBe('★ 4.0 (1)');
    expect(await vikPanel.getByRole('group', { name: 'Your rating' }).count()).toBe(0);
  });

  it('offers interest before the session, not attendance, and shows no rating outside the Read column', async () => {
    const owner = await signUp(t.app, 'Early Erin');
    const viewer = await signUp(t.app, 'Viewer Vera');
    const title = 'A paper for next week';
    const { boardId, cardId } = await boardWithCard(owner, viewer, title, 'Shortlist', 5 * DAY);
    const { page } = await openBoard(viewer, boardId, title);

    await card(page, title).locator('a.open').click();
    const panel = panelOf(page, title);
    const interest = panel.getByRole('group', { name: 'How interested are you?' });
    await interest.getByRole('radio', { name: '3 out of 5' }).check();
    await panel.getByText('Group interest: 3.0 out of 5 from 1 member').waitFor();
    expect(await panel.getByRole('group', { name: 'Did you attend?' }).count()).toBe(0);
    expect(await panel.getByRole('group', { name: 'Your rating' }).count()).toBe(0);
    expect(await card(page, title).locator('.rating').count()).toBe(0);

    const saved = await t.app.inject({
      url: `/api/boards/${boardId}/cards/${cardId}/feedback`,
      headers: { cookie: viewer.cookie },
    });
    expect(saved.json().mine).toEqual({ attended: null, rating: null, takeaway: null, interest: 3 });
  });
});
