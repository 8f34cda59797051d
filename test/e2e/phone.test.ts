import type { CDPSession, Locator, Page } from 'playwright-core';
import { beforeAll, expect, it } from 'vitest';
import { boardView } from '#shared/protocol/board-doc/view.js';
import type { TestApp } from '#test/helpers/app.js';
import { BrowserSessions, type BrowserSession, type OpenOptions } from '#test/helpers/browser.js';
import { describeInBrowser, RESULTS_DIR, useBrowserServer } from '#test/helpers/e2e.js';
import { addMember, createBoard, nominate, signUp, type TestUser } from '#test/helpers/factories.js';

/** An iPhone 12-sized screen with touch. */
const PHONE = { width: 390, height: 844, touch: true } as const;
/** A word with no place to break it, as pasted titles and names sometimes have. */
const LONG_WORD = 'Supercalifragilisticexpialidociousmixtureofexpertsattention';

describeInBrowser('the board on a phone (390 × 844, touch)', () => {
  const server = useBrowserServer();
  let t: TestApp;
  let tabs: BrowserSessions;
  beforeAll(() => {
    ({ t, tabs } = server);
  });

  const open = (path: string, options: OpenOptions = {}): Promise<BrowserSession> =>
    tabs.open(path, { ...PHONE, ...options });
  const column = (page: Page, title: string) => page.getByRole('region', { name: title, exact: true });
  const card = (scope: Page | Locator, title: string) => scope.locator('li.card').filter({ hasText: title });
  const columns = (page: Page) => page.locator('.board-area .columns');

  /** How far the page itself scrolls sideways (0 when it fits). */
  const sidewaysOverflow = (page: Page) =>
    page.evaluate(() => document.documentElement.scrollWidth - Math.min(window.innerWidth, 390));

  async function paper(user: TestUser, title: string): Promise<string> {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/papers',
      headers: { cookie: user.cookie },
      payload: { title, abstract: `${LONG_WORD} is not a word.`, authors: [`Ada ${LONG_WORD}`, 'Alan Turing'] },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id;
  }

  /** A board with the given papers in its first column; its id. */
  async function boardWith(owner: TestUser, name: string, ...titles: string[]): Promise<string> {
    const board = await createBoard(t.app, owner, name);
    const paperIds: string[] = [];
    for (const title of titles) paperIds.push(await paper(owner, title));
    await nominate(t.app, owner, board.id, ...paperIds);
    return board.id;
  }

  /** The title of the column a card is in, in the server's copy of the board. */
  function columnOf(boardId: string, cardTitle: string, papers: Record<string, string>): string | undefined {
    const view = boardView(t.app.sync.peek(boardId)!);
    return view.columns.find((c) => c.cards.some((entry) => papers[entry.paperId] === cardTitle))?.title;
  }

  async function papersOf(boardId: string): Promise<Record<string, string>> {
    const rows = await t.db.sql<{ id: string; title: string }[]>`
      select p.id, p.title from papers p join board_cards c on c.paper_id = p.id where c.board_id = ${boardId}`;
    return Object.fromEntries(rows.map((row) => [row.id, row.title]));
  }

  /** A finger on the screen, through Chromium's own touch input (gestures, scrolling, long-press). */
  function finger(cdp: CDPSession) {
    const send = (type: 'touchStart' | 'touchMove' | 'touchEnd', x = 0, y = 0) =>
      cdp.send('Input.dispatchTouchEvent', { type, touchPoints: type === 'touchEnd' ? [] : [{ x, y }] });
    return {
      down: (x: number, y: number) => send('touchStart', x, y),
      /** Moves in small steps, as a finger does. */
      async move(from: { x: number; y: number }, to: { x: number; y: number }, steps = 8) {
        for (let i = 1; i <= steps; i++) {
          await send('touchMove', from.x + ((to.x - from.x) * i) / steps, from.y + ((to.y - from.y) * i) / steps);
        }
      },
      up: () => send('touchEnd'),
    };
  }

  async function centreOf(locator: Locator): Promise<{ x: number; y: number }> {
    const box = (await locator.boundingBox())!;
    return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  }

  it('never scrolls a page sideways, even with names and titles that cannot wrap', async () => {
    const owner = await signUp(t.app, `Owner ${LONG_WORD}`);
    const member = await signUp(t.app, `Member ${LONG_WORD}`);
    const boardId = await boardWith(owner, `Board ${LONG_WORD}`, `A paper about ${LONG_WORD}`);
    await addMember(t.app, owner, boardId, member, 'editor');

    const pages: [string, (page: Page) => Promise<unknown>, TestUser | undefined][] = [
      [
        '/login',
        (page) =>
          page
            .getByRole('button', { name: /sign in/i })
            .first()
            .waitFor(),
        undefined,
      ],
      [
        '/?q=supercalifragilisticexpialidocious',
        (page) => page.getByRole('list', { name: 'Papers' }).getByText(LONG_WORD).first().waitFor(),
        owner,
      ],
      [
        '/boards',
        (page) =>
          page
            .getByRole('link', { name: new RegExp(LONG_WORD) })
            .first()
            .waitFor(),
        owner,
      ],
      [`/boards/${boardId}`, (page) => card(page, LONG_WORD).waitFor(), owner],
      [`/boards/${boardId}/members`, (page) => page.getByText(`Member ${LONG_WORD}`).first().waitFor(), owner],
      [`/boards/${boardId}/schedule`, (page) => page.getByText('No sessions planned yet').waitFor(), owner],
      ['/settings', (page) => page.getByLabel('Name').first().waitFor(), owner],
    ];
    for (const [path, ready, as] of pages) {
      const { page } = await open(path, { as });
      await ready(page);
      expect(await sidewaysOverflow(page), path).toBeLessThanOrEqual(0);
      const name = path.startsWith('/?') ? 'library' : path.replace(boardId, 'board').slice(1).replaceAll('/', '-');
      await page.screenshot({ path: `${RESULTS_DIR}phone-${name}.png` });
    }
  });

  it('lays the columns out one per screen, snapping, inside a board that does not scroll sideways', async () => {
    const owner = await signUp(t.app, 'Snapping Sam');
    const boardId = await boardWith(owner, 'Snap board', 'Snapping paper');
    const { page } = await open(`/boards/${boardId}`, { as: owner });
    await card(page, 'Snapping paper').waitFor();
    const layout = await columns(page).evaluate((element) => ({
      snap: getComputedStyle(element).scrollSnapType,
      columnWidth: element.querySelector('section')!.getBoundingClientRect().width,
      scrolls: element.scrollWidth > element.clientWidth,
    }));
    expect(layout.snap).toMatch(/^x mandatory/);
    expect(layout.columnWidth / PHONE.width).toBeGreaterThanOrEqual(0.84);
    expect(layout.columnWidth / PHONE.width).toBeLessThanOrEqual(0.9);
    expect(layout.scrolls).toBe(true);
    // The toolbar fits on the screen.
    const toolbar = (await page.locator('.toolbar').boundingBox())!;
    expect(toolbar.x + toolbar.width).toBeLessThanOrEqual(PHONE.width);
    expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);
  });

  it('opens a card as a full-screen sheet, leaving the board where it was, and gives the focus back', async () => {
    const owner = await signUp(t.app, 'Sheet Sue');
    const boardId = await boardWith(owner, 'Sheet board', 'Sheet paper');
    const { page } = await open(`/boards/${boardId}`, { as: owner });
    await card(page, 'Sheet paper').waitFor();
    // The card sits in the second column, which is scrolled to.
    await card(page, 'Sheet paper')
      .getByRole('button', { name: /^Move to/ })
      .click();
    await page.getByRole('menuitem', { name: 'Shortlist' }).click();
    await card(column(page, 'Shortlist'), 'Sheet paper').waitFor();
    await column(page, 'Shortlist').evaluate((element) => element.scrollIntoView({ inline: 'start' }));
    await expect.poll(() => columns(page).evaluate((element) => element.scrollLeft)).toBeGreaterThan(100);
    const scrolled = await columns(page).evaluate((element) => element.scrollLeft);
    const pageScroll = await page.evaluate(() => window.scrollY);

    const title = await centreOf(card(page, 'Sheet paper').locator('.title'));
    await page.touchscreen.tap(title.x, title.y);
    const sheet = page.getByRole('complementary', { name: 'Sheet paper' });
    await sheet.waitFor();
    expect(await sheet.boundingBox()).toEqual({ x: 0, y: 0, width: PHONE.width, height: PHONE.height });
    // The page behind it does not scroll.
    expect(await page.evaluate(() => getComputedStyle(document.documentElement).overflow)).toBe('hidden');
    await page.screenshot({ path: `${RESULTS_DIR}phone-card-sheet.png` });

    await sheet.getByRole('button', { name: 'Close the card' }).tap();
    await sheet.waitFor({ state: 'detached' });
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.closest('li.card')?.textContent ?? ''))
      .toContain('Sheet paper');
    expect(await columns(page).evaluate((element) => element.scrollLeft)).toBe(scrolled);
    expect(await page.evaluate(() => window.scrollY)).toBe(pageScroll);
    expect(await page.evaluate(() => getComputedStyle(document.documentElement).overflow)).not.toBe('hidden');
  });

  it('keeps a toast with a long title on the screen', async () => {
    const owner = await signUp(t.app, 'Toast Tina');
    await createBoard(t.app, owner, 'Toast board');
    const title = `Toasting ${LONG_WORD}`;
    await paper(owner, title);
    const { page } = await open(`/?q=${encodeURIComponent('toasting')}`, { as: owner });
    const row = page.getByRole('list', { name: 'Papers' }).getByRole('listitem').filter({ hasText: title }).first();
    await row.getByRole('button', { name: '+ Add to board' }).click();
    await row.getByRole('button', { name: /^Toast board/ }).click();
    const toast = page.locator('.toast').filter({ hasText: 'Added' });
    await toast.waitFor();
    await page.screenshot({ path: `${RESULTS_DIR}phone-toast.png` });
    // Everything in it, text and buttons, is inside the viewport.
    for (const part of [toast, toast.locator('span').first(), toast.getByRole('button').last()]) {
      const box = (await part.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
      expect(box.y + box.height).toBeLessThanOrEqual(PHONE.height);
    }
    expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);
  });

  it('drags a card to another column with a long press, while a swipe only scrolls', async () => {
    const owner = await signUp(t.app, 'Thumb Theo');
    const boardId = await boardWith(owner, 'Touch board', 'Touch paper', 'Staying paper');
    const papers = await papersOf(boardId);
    const { page } = await open(`/boards/${boardId}`, { as: owner });
    await card(column(page, 'Nominated'), 'Touch paper').waitFor();
    const touch = finger(await page.context().newCDPSession(page));
    const scrollLeft = () => columns(page).evaluate((element) => element.scrollLeft);

    // A long press lifts the card; dragging to the right edge brings the next column in; releasing drops it.
    const from = await centreOf(card(page, 'Touch paper'));
    await touch.down(from.x, from.y);
    await page.locator('li.card.lifted').waitFor();
    const edge = { x: PHONE.width - 6, y: from.y };
    await touch.move(from, edge);
    await expect.poll(scrollLeft).toBeGreaterThan(100);
    const middle = { x: PHONE.width / 2, y: from.y };
    await touch.move(edge, middle, 4);
    await page.locator('.marker').waitFor();
    // The column under the finger (the floating copy of the card covers the point itself).
    const under = await page.evaluate(({ x }) => {
      const hit = [...document.querySelectorAll('section.column')].find((section) => {
        const box = section.getBoundingClientRect();
        return box.left <= x && x < box.right;
      });
      return hit?.querySelector('h3')?.textContent;
    }, middle);
    expect(under).toBeTruthy();
    expect(under).not.toBe('Nominated');
    await touch.up();
    await card(column(page, under!), 'Touch paper').waitFor();
    await expect.poll(() => columnOf(boardId, 'Touch paper', papers)).toBe(under);
    expect(columnOf(boardId, 'Staying paper', papers)).toBe('Nominated');
    // Releasing did not open the card.
    expect(new URL(page.url()).pathname).toBe(`/boards/${boardId}`);
    expect(await page.locator('li.card.lifted').count()).toBe(0);

    // A swipe across a card scrolls the columns and lifts nothing.
    await expect
      .poll(() =>
        columns(page).evaluate((element) => {
          element.scrollTo({ left: 0, behavior: 'instant' });
          return element.scrollLeft;
        }),
      )
      .toBe(0);
    const start = await centreOf(card(page, 'Staying paper'));
    await touch.down(start.x, start.y);
    await touch.move(start, { x: start.x - 200, y: start.y }, 6);
    await touch.up();
    await expect.poll(scrollLeft).toBeGreaterThan(0);
    expect(await page.locator('li.card.lifted').count()).toBe(0);
    expect(columnOf(boardId, 'Staying paper', papers)).toBe('Nominated');
  });

  it('moves a card to the top of another column with "Move to…", an alternative to dragging', async () => {
    const owner = await signUp(t.app, 'Menu Mo');
    const boardId = await boardWith(owner, 'Menu board', 'Menu paper');
    const papers = await papersOf(boardId);
    const { page } = await open(`/boards/${boardId}`, { as: owner });
    const moving = card(column(page, 'Nominated'), 'Menu paper');
    await moving.waitFor();
    const button = moving.getByRole('button', { name: /^Move to/ });
    await button.tap();
    const menu = page.getByRole('menu', { name: /^Move/ });
    expect(await menu.getByRole('menuitem').allInnerTexts()).toEqual(['Shortlist', 'Scheduled', 'Read']);
    await page.screenshot({ path: `${RESULTS_DIR}phone-move-to.png` });
    await menu.getByRole('menuitem', { name: 'Scheduled' }).tap();
    await card(column(page, 'Scheduled'), 'Menu paper').waitFor();
    await expect.poll(() => columnOf(boardId, 'Menu paper', papers)).toBe('Scheduled');
    // The moved card keeps the focus, and the board shows it.
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.closest('li.card')?.textContent ?? ''))
      .toContain('Menu paper');
    const box = (await card(page, 'Menu paper').boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
    // Undo puts it back, like any other move of mine.
    await page.getByRole('button', { name: 'Undo' }).tap();
    await expect.poll(() => columnOf(boardId, 'Menu paper', papers)).toBe('Nominated');
  });
});
