import type { Locator, Page } from 'playwright-core';
import { beforeAll, expect, it } from 'vitest';
import { boardRoom } from '#shared/protocol/socket-events.js';
import type { BoardCards } from '#shared/schemas/cards.js';
import type { TestApp } from '#test/helpers/app.js';
import { describeInBrowser, RESULTS_DIR, useBrowserServer } from '#test/helpers/e2e.js';
import { BrowserSessions, type BrowserSession, type OpenOptions } from '#test/helpers/browser.js';
import { createBoardWithMembers, signUp, type TestUser } from '#test/helpers/factories.js';

const DAY = 24 * 3600_000;
/** The browser's time zone and locale: sessions stored at 09:30 UTC show as 18:30 (Tokyo has no DST). */
const TIME_ZONE = 'Asia/Tokyo';
const LOCALE = 'en-GB';

/** A board with an owner, a viewer and an editor who presents. */
interface Cast {
  owner: TestUser;
  presenter: TestUser;
  viewer: TestUser;
  boardId: string;
}

/** `days` from now at 09:30 UTC. */
function at930(days: number): string {
  const date = new Date(Date.now() + days * DAY);
  date.setUTCHours(9, 30, 0, 0);
  return date.toISOString();
}

describeInBrowser('the schedule page', () => {
  const server = useBrowserServer();
  let t: TestApp;
  let baseUrl: string;
  let tabs: BrowserSessions;
  beforeAll(() => {
    ({ t, baseUrl, tabs } = server);
  });

  /** Opens `path` in a new browser context in Tokyo, signed in as `as`. */
  const open = (path: string, options: OpenOptions & { as: TestUser }): Promise<BrowserSession> =>
    tabs.open(path, { timezoneId: TIME_ZONE, locale: LOCALE, ...options });

  /** The library paper titled `title`, added unless an earlier test did (titles are unique). */
  async function addPaper(user: TestUser, title: string): Promise<string> {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/papers',
      headers: { cookie: user.cookie },
      payload: { title },
    });
    if (res.statusCode === 409) return res.json().existingId;
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id;
  }

  /**
   * Nominates the paper to the board through the REST API, like the library does, and waits for the
   * card to reach the board's projection (rewritten shortly after each edit), which assignments need.
   */
  async function placeCard(boardId: string, paperId: string, user: TestUser): Promise<string> {
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/boards/${boardId}/cards`,
      headers: { cookie: user.cookie },
      payload: { paperId },
    });
    expect(res.statusCode, res.body).toBe(201);
    const { cardId } = res.json() as { cardId: string };
    await expect
      .poll(
        async () => {
          const cards = await t.app.inject({ url: `/api/boards/${boardId}/cards`, headers: { cookie: user.cookie } });
          return (cards.json() as BoardCards).cards.some((card) => card.id === cardId);
        },
        { timeout: 5_000 },
      )
      .toBe(true);
    return cardId;
  }

  /** A card for a new paper titled `title`, presented by `presenter` at `sessionAt` (through the REST API). */
  async function scheduleSession(
    cast: Cast,
    title: string,
    sessionAt: string,
  ): Promise<{ cardId: string; sessionAt: string }> {
    const cardId = await placeCard(cast.boardId, await addPaper(cast.owner, title), cast.owner);
    await assignPresenter(cast, cardId, sessionAt);
    return { cardId, sessionAt };
  }

  /** The owner names the cast's presenter for `cardId` at `sessionAt`, through the REST API. */
  async function assignPresenter(cast: Cast, cardId: string, sessionAt: string): Promise<void> {
    const res = await t.app.inject({
      method: 'PUT',
      url: `/api/boards/${cast.boardId}/cards/${cardId}/assignment`,
      headers: { cookie: cast.owner.cookie },
      payload: { presenterId: cast.presenter.user.id, sessionAt },
    });
    expect(res.statusCode, res.body).toBe(200);
  }

  /** Waits until a page has joined the board's socket.io room, so that it hears the next change. */
  async function waitForRoom(boardId: string): Promise<void> {
    await expect
      .poll(async () => (await t.app.io.in(boardRoom(boardId)).fetchSockets()).length, { timeout: 5_000 })
      .toBeGreaterThan(0);
  }

  async function newCast(boardName = 'Tuesday reading group'): Promise<Cast> {
    const owner = await signUp(t.app, 'Olivia Organiser');
    const presenter = await signUp(t.app, 'Priya Presenter');
    const viewer = await signUp(t.app, 'Victor Viewer');
    const { id: boardId } = await createBoardWithMembers(t.app, owner, { editor: presenter, viewer }, boardName);
    return { owner, presenter, viewer, boardId };
  }

  const zoned = (options: Intl.DateTimeFormatOptions) =>
    new Intl.DateTimeFormat(LOCALE, { timeZone: TIME_ZONE, ...options });
  const dayHeading = (iso: string) =>
    zoned({ weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' }).format(new Date(iso));
  const upcoming = (page: Page): Locator => page.getByRole('region', { name: 'Upcoming sessions' });
  const past = (page: Page): Locator => page.getByRole('region', { name: 'Past sessions' });
  const calendar = (page: Page): Locator => page.getByRole('region', { name: 'Calendar' });
  const fits = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth);

  async function feed(url: string) {
    const { pathname, search } = new URL(url);
    return t.app.inject({ url: `${pathname}${search}` });
  }

  it('lists sessions by day in my time zone with their presenter, past ones below, from the Schedule tab', async () => {
    const cast = await newCast();
    const soon = await scheduleSession(cast, 'Attention is all you need', at930(3));
    const later = await scheduleSession(cast, 'Deep residual learning', at930(10));
    const done = await scheduleSession(cast, 'Neural machine translation by jointly learning', at930(-7));

    const { page } = await open(`/boards/${cast.boardId}/members`, { as: cast.owner });
    const sections = page.getByRole('navigation', { name: 'Board sections' });
    await sections.getByRole('link', { name: 'Schedule' }).click();
    await page.waitForURL(`${baseUrl}/boards/${cast.boardId}/schedule`);
    expect(await sections.getByRole('link', { name: 'Schedule' }).getAttribute('aria-current')).toBe('page');
    expect(await page.title()).toBe('Schedule · Tuesday reading group · Paperboard');

    const soonList = upcoming(page).getByRole('list', { name: dayHeading(soon.sessionAt) });
    const soonRow = soonList.getByRole('listitem');
    await soonRow.waitFor();
    expect(await upcoming(page).innerText()).toContain('Times in your time zone, Asia/Tokyo.');
    // 09:30 UTC is 18:30 in Tokyo.
    expect(await soonRow.locator('time').innerText()).toBe('18:30');
    expect(await soonRow.locator('time').getAttribute('datetime')).toBe(soon.sessionAt);
    expect(await soonRow.innerText()).toContain('Priya Presenter');
    expect(await soonRow.innerText()).toContain('PP');
    const paperLink = soonRow.getByRole('link', { name: 'Attention is all you need' });
    expect(await paperLink.getAttribute('href')).toBe(`/boards/${cast.boardId}/cards/${soon.cardId}`);

    const upcomingTitles = await upcoming(page).getByRole('link').allInnerTexts();
    expect(upcomingTitles).toEqual(['Attention is all you need', 'Deep residual learning']);
    expect(await upcoming(page).getByRole('heading', { level: 4 }).allInnerTexts()).toEqual([
      dayHeading(soon.sessionAt),
      dayHeading(later.sessionAt),
    ]);
    const pastRow = past(page)
      .getByRole('list', { name: dayHeading(done.sessionAt) })
      .getByRole('listitem');
    expect(await pastRow.innerText()).toContain('Neural machine translation by jointly learning');
    expect(await pastRow.innerText()).toContain('Priya Presenter');
    await page.screenshot({ path: `${RESULTS_DIR}schedule.png`, fullPage: true });
  });

  it('shows a presenter assigned, then cleared, on the board by someone else without a reload', async () => {
    const cast = await newCast();
    const first = await scheduleSession(cast, 'Attention is all you need', at930(3));
    const cardId = await placeCard(cast.boardId, await addPaper(cast.owner, 'Deep residual learning'), cast.owner);
    const { page } = await open(`/boards/${cast.boardId}/schedule`, { as: cast.viewer });
    const titles = () => upcoming(page).getByRole('link').allInnerTexts();
    await upcoming(page).getByRole('link', { name: 'Attention is all you need' }).waitFor();
    expect(await titles()).toEqual(['Attention is all you need']);
    await waitForRoom(cast.boardId);
    let loads = 0;
    page.on('load', () => loads++);

    const later = at930(5);
    await assignPresenter(cast, cardId, later);
    const newRow = upcoming(page)
      .getByRole('list', { name: dayHeading(later) })
      .getByRole('listitem');
    await newRow.getByRole('link', { name: 'Deep residual learning' }).waitFor();
    expect(await newRow.innerText()).toContain('Priya Presenter');
    expect(await titles()).toEqual(['Attention is all you need', 'Deep residual learning']);

    const cleared = await t.app.inject({
      method: 'DELETE',
      url: `/api/boards/${cast.boardId}/cards/${first.cardId}/assignment`,
      headers: { cookie: cast.owner.cookie },
    });
    expect(cleared.statusCode, cleared.body).toBe(204);
    await expect.poll(titles).toEqual(['Deep residual learning']);
    expect(loads).toBe(0);
  });

  it('copies the calendar feed link, which serves the sessions, and lets me reset it', async () => {
    const cast = await newCast();
    await scheduleSession(cast, 'Attention is all you need', at930(3));
    const { page } = await open(`/boards/${cast.boardId}/schedule`, { as: cast.owner });

    const box = calendar(page);
    await box.getByRole('button', { name: 'Subscribe in your calendar' }).click();
    await box.getByRole('button', { name: 'Copied' }).waitFor();
    await box.getByRole('status').filter({ hasText: 'Link copied.' }).waitFor();
    const link = await page.evaluate(() => navigator.clipboard.readText());
    expect(link).toMatch(new RegExp(`^${baseUrl}/api/boards/${cast.boardId}/calendar\\.ics\\?token=[A-Za-z0-9_-]+$`));
    expect(await box.getByRole('textbox', { name: 'Calendar feed link' }).inputValue()).toBe(link);
    const ics = await feed(link);
    expect(ics.statusCode).toBe(200);
    expect(ics.body).toContain('SUMMARY:Attention is all you need');

    await box.getByRole('button', { name: 'Reset link' }).click();
    await box.getByText('Calendars subscribed with your current link stop receiving sessions').waitFor();
    await box.getByRole('button', { name: 'Reset link' }).click();
    await box.getByRole('status').filter({ hasText: 'New link created' }).waitFor();
    const newLink = await box.getByRole('textbox', { name: 'Calendar feed link' }).inputValue();
    expect(newLink).not.toBe(link);
    expect((await feed(link)).statusCode).toBe(404);
    expect((await feed(newLink)).statusCode).toBe(200);
  });

  it('shows a viewer the sessions and a feed link of their own, which they may reset', async () => {
    const cast = await newCast();
    await scheduleSession(cast, 'Attention is all you need', at930(3));
    const { page } = await open(`/boards/${cast.boardId}/schedule`, { as: cast.viewer });
    await upcoming(page).getByRole('link', { name: 'Attention is all you need' }).waitFor();
    const link = await calendar(page).getByRole('textbox', { name: 'Calendar feed link' }).inputValue();
    expect(await calendar(page).getByRole('button', { name: 'Subscribe in your calendar' }).isVisible()).toBe(true);
    expect(await calendar(page).getByRole('button', { name: 'Reset link' }).isVisible()).toBe(true);
    const owners = await t.app.inject({
      url: `/api/boards/${cast.boardId}/calendar`,
      headers: { cookie: cast.owner.cookie },
    });
    expect(owners.json().url).not.toBe(link);
    expect((await feed(link)).statusCode).toBe(200);
  });

  it('selects the link for copying by hand when the clipboard is refused', async () => {
    const cast = await newCast();
    const { page } = await open(`/boards/${cast.boardId}/schedule`, {
      as: cast.viewer,
      setup: (p) =>
        p.addInitScript(() => {
          navigator.clipboard.writeText = () => Promise.reject(new DOMException('Denied', 'NotAllowedError'));
        }),
    });
    const box = calendar(page);
    await box.getByRole('button', { name: 'Subscribe in your calendar' }).click();
    await box.getByRole('status').filter({ hasText: 'Press Ctrl+C' }).waitFor();
    const field = box.getByRole('textbox', { name: 'Calendar feed link' });
    const selection = await field.evaluate((el: HTMLInputElement) => ({
      focused: el === document.activeElement,
      start: el.selectionStart,
      end: el.selectionEnd,
      length: el.value.length,
    }));
    expect(selection).toEqual({ focused: true, start: 0, end: selection.length, length: selection.length });
    expect(selection.length).toBeGreaterThan(0);
  });

  it('explains how to plan a session on a board without sessions, linking to the board', async () => {
    const cast = await newCast('Empty board');
    const { page } = await open(`/boards/${cast.boardId}/schedule`, { as: cast.owner });
    await page.getByText('No sessions planned yet').waitFor();
    await page.getByText('Assign a presenter from a card’s panel on the board').waitFor();
    const toBoard = page.getByRole('link', { name: 'Go to the board' });
    expect(await toBoard.getAttribute('href')).toBe(`/boards/${cast.boardId}`);
    expect(await upcoming(page).count()).toBe(0);
    // Subscribing before anything is planned is fine.
    await calendar(page).getByRole('textbox', { name: 'Calendar feed link' }).waitFor();
  });

  it('offers a retry when the schedule fails to load', async () => {
    const cast = await newCast();
    await scheduleSession(cast, 'Attention is all you need', at930(3));
    let failures = 1;
    const { page } = await open(`/boards/${cast.boardId}/schedule`, {
      as: cast.owner,
      expectedConsoleErrors: /status of 503/,
      setup: (p) =>
        p.route('**/api/boards/*/schedule', (route) => {
          if (failures-- > 0) {
            return route.fulfill({
              status: 503,
              contentType: 'application/json',
              body: JSON.stringify({ error: 'unavailable', message: 'the database is busy' }),
            });
          }
          return route.continue();
        }),
    });
    const alert = page.getByRole('alert').filter({ hasText: 'Could not load the schedule' });
    await alert.waitFor();
    expect(await alert.innerText()).toContain('The database is busy.');
    await alert.getByRole('button', { name: 'Retry' }).click();
    await upcoming(page).getByRole('link', { name: 'Attention is all you need' }).waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);
  });

  it('fits a 360 px wide screen, in light and dark (screenshots in test-results/)', async () => {
    const cast = await newCast('A board whose name is long enough to wrap on a phone');
    await scheduleSession(cast, 'An image is worth 16x16 words: transformers for image recognition at scale', at930(2));
    await scheduleSession(cast, 'Attention is all you need', at930(-3));

    for (const dark of [false, true]) {
      const { page } = await open(`/boards/${cast.boardId}/schedule`, { as: cast.owner, width: 360, dark });
      await upcoming(page).getByRole('listitem').waitFor();
      await past(page).getByRole('listitem').waitFor();
      expect(await fits(page)).toBeLessThanOrEqual(360);
      // Viewport shots: a full-page one would paint the sticky header halfway down.
      await page.screenshot({ path: `${RESULTS_DIR}schedule-360${dark ? '-dark' : ''}.png` });
    }
    const empty = await newCast('Nothing yet');
    const { page } = await open(`/boards/${empty.boardId}/schedule`, { as: empty.owner, width: 360 });
    await page.getByText('No sessions planned yet').waitFor();
    expect(await fits(page)).toBeLessThanOrEqual(360);
    await page.screenshot({ path: `${RESULTS_DIR}schedule-empty-360.png` });
  });
});
