import type { Page } from 'playwright-core';
import { beforeAll, expect, it } from 'vitest';
import { boardRoom } from '#shared/protocol/socket-events.js';
import type { TestApp } from '#test/helpers/app.js';
import { describeInBrowser, RESULTS_DIR, useBrowserServer } from '#test/helpers/e2e.js';
import type { BrowserSession, BrowserSessions, OpenOptions } from '#test/helpers/browser.js';
import {
  addPaper,
  assignPresenter,
  createBoardWithMembers,
  nominate,
  signUp,
  type TestUser,
} from '#test/helpers/factories.js';

const DAY = 24 * 3600_000;
/** The browser's zone and locale: Tokyo has no daylight saving, so 18:30 there is always 09:30 UTC. */
const TIME_ZONE = 'Asia/Tokyo';
const LOCALE = 'en-GB';

interface Cast {
  owner: TestUser;
  editor: TestUser;
  viewer: TestUser;
  boardId: string;
}

describeInBrowser('board settings and sessions', () => {
  const server = useBrowserServer();
  let t: TestApp;
  let baseUrl: string;
  let tabs: BrowserSessions;
  beforeAll(() => {
    ({ t, baseUrl, tabs } = server);
  });

  const open = (path: string, options: OpenOptions & { as: TestUser }): Promise<BrowserSession> =>
    tabs.open(path, { timezoneId: TIME_ZONE, locale: LOCALE, ...options });

  async function newCast(name = 'Tuesday reading group'): Promise<Cast> {
    const owner = await signUp(t.app, 'Olivia Owner');
    const editor = await signUp(t.app, 'Eddie Editor');
    const viewer = await signUp(t.app, 'Vera Viewer');
    const { id: boardId } = await createBoardWithMembers(t.app, owner, { editor, viewer }, name);
    return { owner, editor, viewer, boardId };
  }

  async function socketsInRoom(boardId: string): Promise<number> {
    return (await t.app.io.in(boardRoom(boardId)).fetchSockets()).length;
  }

  const heading = (page: Page) => page.locator('#board-heading');
  const card = (page: Page, title: string) => page.locator('li.card').filter({ hasText: title });
  /** What a card says of its presenter's session, as read on screen (the avatar and name are beside it). */
  const presenterText = async (page: Page, title: string) =>
    (await card(page, title).locator('.presenter').innerText()).replace(/\s+/g, ' ');
  const zoned = (options: Intl.DateTimeFormatOptions) =>
    new Intl.DateTimeFormat(LOCALE, { timeZone: TIME_ZONE, ...options });
  /** What a card says of its session's day. */
  const cardDate = (iso: string) => zoned({ weekday: 'short', day: 'numeric', month: 'short' }).format(new Date(iso));
  /** `YYYY-MM-DD` in Tokyo. */
  const tokyoDay = (at: Date) =>
    zoned({ year: 'numeric', month: '2-digit', day: '2-digit' }).format(at).split('/').reverse().join('-');

  it('lets the owner rename the board from its Settings tab, live for the others, then delete it by typing its name', async () => {
    const cast = await newCast();
    const other = await open(`/boards/${cast.boardId}`, {
      as: cast.editor,
      // The board the editor looks at disappears: its reads then answer 404.
      expectedConsoleErrors: /status of 404/,
    });
    await expect.poll(() => socketsInRoom(cast.boardId), { timeout: 10_000 }).toBeGreaterThan(0);

    const { page } = await open(`/boards/${cast.boardId}`, {
      as: cast.owner,
      // A read the board's page had in flight when the board went (e.g. on `board:changed`) answers 404.
      expectedConsoleErrors: /status of 404/,
    });
    const sections = page.getByRole('navigation', { name: 'Board sections' });
    await sections.getByRole('link', { name: 'Settings' }).click();
    await page.waitForURL(`${baseUrl}/boards/${cast.boardId}/settings`);
    await expect.poll(() => page.title()).toBe('Settings · Tuesday reading group · Paperboard');

    await page.getByLabel('Name', { exact: true }).fill('Thursday journal club');
    await page.getByLabel('Description', { exact: true }).fill('Sequence models, one paper a week.');
    await page.getByRole('button', { name: 'Save name and description' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    expect(await heading(page).innerText()).toBe('Thursday journal club');
    // The editor's header follows without a reload.
    await expect.poll(() => heading(other.page).innerText()).toBe('Thursday journal club');
    await other.page.getByText('Sequence models, one paper a week.').waitFor();

    const remove = page.getByRole('button', { name: 'Delete this board' });
    expect(await remove.isDisabled()).toBe(true);
    const confirmation = page.getByLabel('Type the board’s name');
    await confirmation.fill('Thursday journal');
    expect(await remove.isDisabled()).toBe(true);
    await confirmation.fill('Thursday journal club');
    await page.screenshot({ path: `${RESULTS_DIR}board-settings.png`, fullPage: true });
    await remove.click();
    await page.waitForURL(`${baseUrl}/boards`);
    await page.getByText('Deleted the board “Thursday journal club”.').waitFor();
    const gone = await t.app.inject({ url: `/api/boards/${cast.boardId}`, headers: { cookie: cast.owner.cookie } });
    expect(gone.statusCode).toBe(404);
    await other.page.getByRole('alert').getByText('Board not found').waitFor();
  });

  it('shows editors what they may change, and viewers that they may change nothing', async () => {
    const cast = await newCast();
    const { page } = await open(`/boards/${cast.boardId}/settings`, { as: cast.editor });
    await page.getByText('Only the board’s owners choose how it votes.').waitFor();
    expect(await page.getByLabel('Name', { exact: true }).isDisabled()).toBe(false);
    expect(await page.getByLabel('Meets').isDisabled()).toBe(false);
    expect(await page.getByLabel('Mode').isDisabled()).toBe(true);
    await page.getByText('Only the board’s owners can delete it.').waitFor();
    expect(await page.getByRole('button', { name: 'Delete this board' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Save voting' }).count()).toBe(0);

    const viewer = await open(`/boards/${cast.boardId}/settings`, { as: cast.viewer });
    await viewer.page.getByText('Viewers see the board’s settings; its owners and editors change them.').waitFor();
    expect(await viewer.page.getByLabel('Name', { exact: true }).isDisabled()).toBe(true);
    expect(await viewer.page.getByLabel('Meets').isDisabled()).toBe(true);
    expect(await viewer.page.getByRole('button', { name: /^Save/ }).count()).toBe(0);

    // The members page points at the settings where it speaks of renaming and deleting.
    const members = await open(`/boards/${cast.boardId}/members`, { as: cast.owner });
    await members.page.getByText('To close the board for everyone instead').waitFor();
    const link = members.page.getByRole('link', { name: 'settings', exact: true });
    expect(await link.getAttribute('href')).toBe(`/boards/${cast.boardId}/settings`);
  });

  it('takes session dates from the meeting time: Suggest and I’ll present fill the next free meeting', async () => {
    const cast = await newCast();
    const [first, second] = await nominate(
      t.app,
      cast.owner,
      cast.boardId,
      await addPaper(t.app, cast.owner, `Attention is all you need ${cast.boardId}`),
      await addPaper(t.app, cast.owner, `Deep residual learning ${cast.boardId}`),
    );
    // The group meets on the weekday of the day after tomorrow (in Tokyo), at 18:30.
    const meetingDay = tokyoDay(new Date(Date.now() + 2 * DAY));
    const weekday = new Date(`${meetingDay}T00:00:00Z`).getUTCDay() || 7;
    const firstSession = new Date(`${meetingDay}T09:30:00Z`).toISOString();
    const secondSession = new Date(Date.parse(firstSession) + 7 * DAY).toISOString();

    const { page } = await open(`/boards/${cast.boardId}/settings`, { as: cast.owner });
    await page.getByLabel('Meets').selectOption('weekly');
    await page.getByLabel('On', { exact: true }).selectOption(String(weekday));
    await page.getByLabel('At', { exact: true }).fill('18:30');
    await page.getByLabel('Time zone').selectOption(TIME_ZONE);
    await page.getByRole('button', { name: 'Save meeting time' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    const saved = await t.app.inject({ url: `/api/boards/${cast.boardId}`, headers: { cookie: cast.owner.cookie } });
    expect(saved.json().board.meeting).toEqual({
      weekday,
      time: '18:30',
      timeZone: TIME_ZONE,
      frequency: 'weekly',
      startsOn: meetingDay,
    });

    await page.goto(`${baseUrl}/boards/${cast.boardId}/cards/${first}`);
    const panel = page.getByRole('complementary', { name: /Attention is all you need/ });
    await panel.getByRole('button', { name: 'Suggest' }).click();
    await panel.getByText('Next free session').waitFor();
    // Whose turn it is, and why: nobody has presented yet, so the first by name.
    await panel.getByText(/^Eddie Editor — never presented, available \(no past sessions yet/).waitFor();
    expect(await panel.getByLabel('Presenter', { exact: true }).inputValue()).toBe(cast.editor.user.id);
    expect(await panel.locator('#session-input').inputValue()).toBe(`${meetingDay}T18:30`);
    await panel.getByRole('button', { name: 'Save' }).click();
    await expect
      .poll(() => presenterText(page, 'Attention is all you need'))
      .toBe(`EE Eddie Editor: Presenting ${cardDate(firstSession)}`);

    // The next card has no date: "I'll present" takes the next meeting the first card leaves free.
    await page.goto(`${baseUrl}/boards/${cast.boardId}/cards/${second}`);
    const secondPanel = page.getByRole('complementary', { name: /Deep residual learning/ });
    expect(await secondPanel.locator('#session-input').inputValue()).toBe('');
    await secondPanel.getByRole('button', { name: 'I’ll present' }).click();
    await secondPanel.getByText('Olivia Owner presents on').waitFor();
    expect(await secondPanel.locator('#session-input').inputValue()).toBe(`${tokyoDay(new Date(secondSession))}T18:30`);
    await expect
      .poll(() => presenterText(page, 'Deep residual learning'))
      .toBe(`OO Olivia Owner: Presenting ${cardDate(secondSession)}`);
    const stored = await t.app.inject({
      url: `/api/boards/${cast.boardId}/schedule`,
      headers: { cookie: cast.owner.cookie },
    });
    expect(stored.json().upcoming.map((s: { sessionAt: string }) => s.sessionAt)).toEqual([
      firstSession,
      secondSession,
    ]);
  });

  it('says "Presenting" on a card before its session and "Presented" after it', async () => {
    const cast = await newCast();
    const [soon, done] = await nominate(
      t.app,
      cast.owner,
      cast.boardId,
      await addPaper(t.app, cast.owner, `Upcoming paper ${cast.boardId}`),
      await addPaper(t.app, cast.owner, `Presented paper ${cast.boardId}`),
    );
    const future = new Date(Date.now() + 3 * DAY).toISOString();
    const past = new Date(Date.now() - 3 * DAY).toISOString();
    await assignPresenter(t.app, cast.owner, { boardId: cast.boardId, cardId: soon }, cast.editor, future);
    await assignPresenter(t.app, cast.owner, { boardId: cast.boardId, cardId: done }, cast.editor, past);

    const { page } = await open(`/boards/${cast.boardId}`, { as: cast.viewer });
    const upcoming = card(page, 'Upcoming paper').locator('.presenter');
    await upcoming.waitFor();
    expect(await presenterText(page, 'Upcoming paper')).toBe(`EE Eddie Editor: Presenting ${cardDate(future)}`);
    expect(await upcoming.getAttribute('title')).toContain('Eddie Editor presents');
    expect(await presenterText(page, 'Presented paper')).toBe(`EE Eddie Editor: Presented ${cardDate(past)}`);
  });
});
