import type { Locator, Page } from 'playwright-core';
import { beforeAll, expect, it } from 'vitest';
import { boardRoom } from '#shared/protocol/socket-events.js';
import type { BoardCards } from '#shared/schemas/cards.js';
import type { Round } from '#shared/schemas/rounds.js';
import type { TestApp } from '#test/helpers/app.js';
import { describeInBrowser, RESULTS_DIR, useBrowserServer } from '#test/helpers/e2e.js';
import type { BrowserSessions } from '#test/helpers/browser.js';
import {
  addMember,
  addPaper,
  createBoardWithMembers,
  nominate,
  signUp,
  type TestUser,
} from '#test/helpers/factories.js';

const DAY = 24 * 3600_000;

describeInBrowser('ballot rounds', () => {
  const server = useBrowserServer();
  let t: TestApp;
  let baseUrl: string;
  let tabs: BrowserSessions;
  beforeAll(() => {
    ({ t, baseUrl, tabs } = server);
  });

  async function socketsInRoom(boardId: string): Promise<number> {
    return (await t.app.io.in(boardRoom(boardId)).fetchSockets()).length;
  }

  /** A board with three papers nominated in its first column, in this order. */
  async function boardWithPapers(owner: TestUser, members: { editor?: TestUser; viewer?: TestUser }) {
    const { id: boardId } = await createBoardWithMembers(t.app, owner, members);
    const titles = ['Attention is all you need', 'Deep residual learning', 'Graph attention networks'].map(
      (title) => `${title} ${boardId.slice(0, 8)}`,
    );
    const paperIds = [];
    for (const title of titles) paperIds.push(await addPaper(t.app, owner, title));
    const cardIds = await nominate(t.app, owner, boardId, ...paperIds);
    return { boardId, titles, cardIds };
  }

  async function boardCards(user: TestUser, boardId: string): Promise<BoardCards> {
    const res = await t.app.inject({ url: `/api/boards/${boardId}/cards`, headers: { cookie: user.cookie } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  }

  const round = (page: Page) => page.getByRole('article');
  const ballotCount = (page: Page) => round(page).locator('.ballot-count').innerText();
  const ranking = (page: Page) => page.getByRole('list', { name: 'My ranking' }).locator('.title');
  const column = (page: Page, title: string) => page.getByRole('region', { name: title, exact: true });

  it('lets the owner open a ranked round over a column, two editors rank by keyboard and buttons, and everyone see the instant-runoff result', async () => {
    const owner = await signUp(t.app, 'Olivia Owner');
    const editor = await signUp(t.app, 'Eddie Editor');
    const second = await signUp(t.app, 'Erin Editor');
    const { boardId, titles, cardIds } = await boardWithPapers(owner, { editor });
    await addMember(t.app, owner, boardId, second, 'editor');
    const [attention, residual, graph] = titles;

    // The owner's refused round (a closing time in the past) logs its 400.
    const o = (await tabs.open(`/boards/${boardId}/rounds`, { as: owner, expectedConsoleErrors: /status of 400/ }))
      .page;
    const e1 = (await tabs.open(`/boards/${boardId}/rounds`, { as: editor })).page;
    const e2 = (await tabs.open(`/boards/${boardId}/rounds`, { as: second })).page;
    for (const page of [o, e1, e2]) await page.getByText('No ballot rounds yet').waitFor();
    await expect.poll(() => socketsInRoom(boardId), { timeout: 10_000 }).toBe(3);
    expect(await o.title()).toMatch(/^Rounds · /);
    // Only owners open rounds.
    expect(await e1.getByRole('button', { name: 'Open a round' }).count()).toBe(0);

    // The owner opens a ranked round over "Nominated", winners to "Scheduled".
    await o.getByRole('button', { name: 'Open a round' }).click();
    const form = o.getByRole('form', { name: 'Open a round' });
    await form.getByLabel('Column', { exact: true }).selectOption({ label: 'Nominated (3)' });
    expect(await form.getByLabel('Method', { exact: true }).inputValue()).toBe('ranked');
    // The closing time defaults to about three days ahead, in the browser's zone.
    const closing = await form.getByLabel('Closes at', { exact: true }).inputValue();
    // Read as the browser reads it: a time in its own zone.
    const closes = await o.evaluate((value) => new Date(value).getTime(), closing);
    expect(closes).toBeGreaterThan(Date.now() + 2.9 * DAY);
    expect(closes).toBeLessThan(Date.now() + 3.1 * DAY);
    // A refusal names its field: a closing time in the past.
    await form.getByLabel('Closes at', { exact: true }).fill('2020-01-01T12:00');
    await form.getByRole('button', { name: 'Open the round' }).click();
    await form.getByText('Must be in the future.').waitFor();
    expect(await form.getByLabel('Closes at', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    await form.getByLabel('Closes at', { exact: true }).fill(closing);
    await form.getByLabel('Move winners to', { exact: true }).selectOption({ label: 'Scheduled' });
    await form.getByRole('button', { name: 'Open the round' }).click();
    await form.waitFor({ state: 'detached' });

    // Everyone sees the open round live, with its countdown and no count.
    for (const page of [o, e1, e2]) {
      await round(page).getByText('Ranked choice round · 3 papers').waitFor();
      await round(page)
        .getByText(/\d d( \d+ h)? left/)
        .waitFor();
      expect(await ballotCount(page)).toBe('0 ballots');
    }
    const [opened] = (
      await t.app.inject({ url: `/api/boards/${boardId}/rounds`, headers: { cookie: owner.cookie } })
    ).json().items as Round[];
    expect(opened.candidates).toEqual(cardIds);

    // Eddie ranks by keyboard: Residual, then Attention, then Attention moved up with Alt+↑.
    await e1.getByRole('button', { name: `Add to my ranking: ${residual}` }).focus();
    await e1.keyboard.press('Enter');
    await e1.getByRole('button', { name: `Add to my ranking: ${attention}` }).focus();
    await e1.keyboard.press('Enter');
    expect(await ranking(e1).allInnerTexts()).toEqual([residual, attention]);
    await ranking(e1).filter({ hasText: attention }).focus();
    await e1.keyboard.press('Alt+ArrowUp');
    expect(await ranking(e1).allInnerTexts()).toEqual([attention, residual]);
    // The moved paper keeps the focus.
    expect(await e1.evaluate(() => document.activeElement?.textContent)).toBe(attention);
    await e1.getByRole('button', { name: 'Save my ballot' }).click();
    await e1.getByText('Your ballot is saved; you can change it until').waitFor();
    for (const page of [o, e1, e2]) await expect.poll(() => ballotCount(page)).toBe('1 ballot');
    await round(o).getByText('Voted: Eddie Editor').waitFor();

    // Erin ranks with the buttons: Residual above Attention.
    await e2.getByRole('button', { name: `Add to my ranking: ${attention}` }).click();
    await e2.getByRole('button', { name: `Add to my ranking: ${residual}` }).click();
    await e2.getByRole('button', { name: `Move up: ${residual}` }).click();
    expect(await ranking(e2).allInnerTexts()).toEqual([residual, attention]);
    await e2.getByRole('button', { name: 'Save my ballot' }).click();
    await e2.getByText('Your ballot is saved; you can change it until').waitFor();
    for (const page of [o, e1, e2]) await expect.poll(() => ballotCount(page)).toBe('2 ballots');

    // The owner adds all three, removes Attention and drags Graph above Residual.
    await o.getByRole('button', { name: `Add to my ranking: ${residual}` }).click();
    await o.getByRole('button', { name: `Add to my ranking: ${graph}` }).click();
    await o.getByRole('button', { name: `Add to my ranking: ${attention}` }).click();
    await o.getByRole('button', { name: `Remove: ${attention}` }).click();
    expect(await ranking(o).allInnerTexts()).toEqual([residual, graph]);
    await ranking(o)
      .filter({ hasText: graph })
      .dragTo(ranking(o).filter({ hasText: residual }));
    await expect.poll(() => ranking(o).allInnerTexts()).toEqual([graph, residual]);
    await o.getByRole('button', { name: 'Save my ballot' }).click();
    for (const page of [o, e1, e2]) await expect.poll(() => ballotCount(page)).toBe('3 ballots');
    // Secret and open alike: nothing of the count shows while the round is open.
    for (const page of [o, e1, e2]) expect(await page.getByRole('table').count()).toBe(0);

    // The owner closes it, confirming once in the page's own dialog.
    await o.getByRole('button', { name: 'Close now' }).click();
    const dialog = o.getByRole('dialog', { name: 'Close this round now?' });
    await dialog.getByRole('button', { name: 'Close the round' }).click();
    await dialog.waitFor({ state: 'hidden' });

    // Count 1: one vote each, Graph (listed last) goes; count 2: its vote goes to Residual, which wins.
    for (const page of [o, e1, e2]) {
      const results = page.getByRole('region', { name: 'Results' });
      await results.waitFor();
      expect(await results.getByRole('list', { name: 'Winner' }).innerText()).toContain(residual);
      const rows = results.getByRole('table').locator('tbody tr');
      await expect.poll(() => rows.count()).toBe(2);
      const first = (await rows.nth(0).innerText()).replace(/\s+/g, ' ');
      expect(first).toContain(`${attention}: 1`);
      expect(first).toContain(`${residual}: 1`);
      expect(first).toContain(`${graph}: 1`);
      expect(await rows.nth(0).locator('td').nth(1).innerText()).toBe(graph);
      expect(await rows.nth(0).locator('td').nth(2).innerText()).toBe(`${residual} +1`);
      const second = (await rows.nth(1).innerText()).replace(/\s+/g, ' ');
      expect(second).toContain(`${residual}: 2`);
      expect(second).toContain(`${attention}: 1`);
      expect(second).not.toContain(graph);
      expect(await rows.nth(1).locator('td').nth(2).innerText()).toBe(`elected ${residual}`);
      // No ballots by member in a secret round.
      expect(await results.getByRole('list', { name: 'Ballots' }).count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Save my ballot' }).count()).toBe(0);
    }
    await o.screenshot({ path: `${RESULTS_DIR}rounds-results.png`, fullPage: true });

    // The winner moved to "Scheduled" on the board.
    const scheduled = (await boardCards(owner, boardId)).columns.find((c) => c.title === 'Scheduled');
    await expect
      .poll(async () => (await boardCards(owner, boardId)).cards.find((c) => c.id === cardIds[1])?.columnId, {
        timeout: 10_000,
      })
      .toBe(scheduled?.id);
    await o.getByRole('navigation', { name: 'Board sections' }).getByRole('link', { name: 'Board' }).click();
    await o.waitForURL(`${baseUrl}/boards/${boardId}`);
    await column(o, 'Scheduled').locator('li.card').filter({ hasText: residual }).waitFor();
  });

  it('shows a viewer the open round read-only, and no count of a secret round while open', async () => {
    const owner = await signUp(t.app, 'Olivia Owner');
    const editor = await signUp(t.app, 'Eddie Editor');
    const viewer = await signUp(t.app, 'Vera Viewer');
    const { boardId, titles, cardIds } = await boardWithPapers(owner, { editor, viewer });
    const opened = await t.app.inject({
      method: 'POST',
      url: `/api/boards/${boardId}/rounds`,
      headers: { cookie: owner.cookie },
      payload: { method: 'approval', candidates: { cardIds }, closesAt: new Date(Date.now() + DAY).toISOString() },
    });
    expect(opened.statusCode, opened.body).toBe(201);
    const ballot = await t.app.inject({
      method: 'PUT',
      url: `/api/boards/${boardId}/rounds/${opened.json().id}/ballot`,
      headers: { cookie: editor.cookie },
      payload: { approve: [cardIds[0], cardIds[2]] },
    });
    expect(ballot.statusCode, ballot.body).toBe(200);

    const { page } = await tabs.open(`/boards/${boardId}/rounds`, { as: viewer });
    const item: Locator = round(page);
    await item.getByText('Approval round · 3 papers').waitFor();
    await item.getByText('Viewers follow rounds; the board’s editors and owners vote in them.').waitFor();
    for (const title of titles) await item.getByRole('list', { name: 'Candidates' }).getByText(title).waitFor();
    expect(await ballotCount(page)).toBe('1 ballot');
    await item.getByText('Secret ballot').waitFor();
    await item.getByText('Voted: Eddie Editor').waitFor();
    expect(await page.getByRole('checkbox').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Save my ballot' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Close now' }).count()).toBe(0);
    expect(await page.getByRole('region', { name: 'Results' }).count()).toBe(0);
    expect(await item.innerText()).not.toMatch(/\d+ votes/);

    // The editor sees their own ballot ticked, and still no count.
    const e = (await tabs.open(`/boards/${boardId}/rounds`, { as: editor })).page;
    const boxes = e.getByRole('checkbox');
    await expect.poll(() => boxes.count()).toBe(3);
    expect(await Promise.all([0, 1, 2].map((i) => boxes.nth(i).isChecked()))).toEqual([true, false, true]);
    expect(await e.getByRole('region', { name: 'Results' }).count()).toBe(0);
  });

  it('lets an editor spread dots within the budget, and turns the round into an open-ballot tally when it closes', async () => {
    const owner = await signUp(t.app, 'Olivia Owner');
    const editor = await signUp(t.app, 'Eddie Editor');
    const { boardId, titles, cardIds } = await boardWithPapers(owner, { editor });
    const [attention, residual, graph] = titles;
    const opened = await t.app.inject({
      method: 'POST',
      url: `/api/boards/${boardId}/rounds`,
      headers: { cookie: owner.cookie },
      payload: {
        method: 'dots',
        dotsPerMember: 3,
        openBallot: true,
        candidates: { cardIds },
        closesAt: new Date(Date.now() + DAY).toISOString(),
      },
    });
    expect(opened.statusCode, opened.body).toBe(201);
    const roundId = opened.json().id as string;

    // On a phone: the page never scrolls sideways.
    const { page } = await tabs.open(`/boards/${boardId}/rounds`, { as: editor, width: 390, height: 844 });
    await round(page).getByText('Dots (3 each) round · 3 papers').waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await expect.poll(() => socketsInRoom(boardId), { timeout: 10_000 }).toBe(1);
    await page.getByText('3 of 3 dots left.').waitFor();
    await page.getByRole('button', { name: `One dot more: ${graph}` }).click();
    await page.getByRole('button', { name: `One dot more: ${graph}` }).click();
    await page.getByRole('button', { name: `One dot more: ${attention}` }).click();
    await page.getByText('0 of 3 dots left.').waitFor();
    expect(await page.getByRole('button', { name: `One dot more: ${residual}` }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: `One dot less: ${attention}` }).click();
    await page.getByRole('button', { name: `One dot more: ${residual}` }).click();
    await page.getByRole('button', { name: 'Save my ballot' }).click();
    await page.getByText('Your ballot is saved; you can change it until').waitFor();
    const mine = await t.app.inject({
      url: `/api/boards/${boardId}/rounds/${roundId}`,
      headers: { cookie: editor.cookie },
    });
    expect(mine.json().myBallot).toEqual({ dots: { [cardIds[2]]: 2, [cardIds[1]]: 1 } });

    // Closed elsewhere: the page shows the tally, most dots first, and who gave what, without a reload.
    const closed = await t.app.inject({
      method: 'POST',
      url: `/api/boards/${boardId}/rounds/${roundId}/close`,
      headers: { cookie: owner.cookie },
    });
    expect(closed.statusCode, closed.body).toBe(200);
    const results = page.getByRole('region', { name: 'Results' });
    await results.waitFor();
    expect(await results.getByRole('list', { name: 'Winner' }).innerText()).toContain(graph);
    expect(await results.getByRole('list', { name: 'Tally' }).locator('li').allInnerTexts()).toEqual([
      `${graph}: 2 dots`,
      `${residual}: 1 dot`,
      `${attention}: 0 dots`,
    ]);
    await results.getByRole('list', { name: 'Ballots' }).getByText(`Eddie Editor: ${graph} 2, ${residual} 1`).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: `${RESULTS_DIR}rounds-phone.png`, fullPage: true });
    expect(await page.getByRole('button', { name: 'Save my ballot' }).count()).toBe(0);
  });

  it('lets the owner open an approval round over chosen cards, shows it on the board, and an editor approve with checkboxes', async () => {
    const owner = await signUp(t.app, 'Olivia Owner');
    const editor = await signUp(t.app, 'Eddie Editor');
    const { boardId, titles, cardIds } = await boardWithPapers(owner, { editor });
    const [attention, residual, graph] = titles;

    const e = (await tabs.open(`/boards/${boardId}`, { as: editor })).page;
    await column(e, 'Nominated').locator('li.card').filter({ hasText: graph }).waitFor();
    const banner = e.getByRole('complementary', { name: 'Open ballot rounds' });
    expect(await banner.count()).toBe(0);
    await expect.poll(() => socketsInRoom(boardId), { timeout: 10_000 }).toBeGreaterThanOrEqual(1);

    // The owner opens it from the form: two chosen cards, approval.
    const o = (await tabs.open(`/boards/${boardId}/rounds`, { as: owner })).page;
    await o.getByRole('button', { name: 'Open a round' }).click();
    const form = o.getByRole('form', { name: 'Open a round' });
    await form.getByLabel('Cards I choose').check();
    await form.getByLabel(graph).check();
    await form.getByLabel(attention).check();
    await form.getByLabel('Method', { exact: true }).selectOption('approval');
    await form.getByRole('button', { name: 'Open the round' }).click();
    await form.waitFor({ state: 'detached' });
    await round(o).getByText('Approval round · 2 papers').waitFor();

    // The editor's board shows the open round live, and leads to the ballot.
    await banner.getByText('Approval over 2 papers').waitFor();
    expect((await banner.innerText()).replace(/\s+/g, ' ')).toMatch(/0 ballots · \d d( \d+ h)? left/);
    await banner.getByRole('link', { name: 'Vote' }).click();
    await e.waitForURL(`${baseUrl}/boards/${boardId}/rounds`);
    const boxes = e.getByRole('checkbox');
    await expect.poll(() => boxes.count()).toBe(2);
    // Board order, whatever order the owner ticked them in.
    const labels = await boxes.evaluateAll((inputs) => inputs.map((input) => input.parentElement?.textContent?.trim()));
    expect(labels).toEqual([attention, graph]);
    expect(await round(e).innerText()).not.toContain(residual);
    await e.getByLabel(graph).check();
    await e.getByRole('button', { name: 'Save my ballot' }).click();
    await e.getByText('Your ballot is saved; you can change it until').waitFor();
    const [mine] = (
      await t.app.inject({ url: `/api/boards/${boardId}/rounds`, headers: { cookie: editor.cookie } })
    ).json().items as Round[];
    expect(mine.myBallot).toEqual({ approve: [cardIds[2]] });

    // Back on the board: my ballot is in; once the round closes the banner goes.
    await e.getByRole('navigation', { name: 'Board sections' }).getByRole('link', { name: 'Board' }).click();
    await banner.getByRole('link', { name: 'Change my ballot' }).waitFor();
    await expect.poll(async () => (await banner.innerText()).replace(/\s+/g, ' ')).toContain('1 ballot ·');
    const closed = await t.app.inject({
      method: 'POST',
      url: `/api/boards/${boardId}/rounds/${mine.id}/close`,
      headers: { cookie: owner.cookie },
    });
    expect(closed.statusCode, closed.body).toBe(200);
    await banner.waitFor({ state: 'detached' });
  });
});
