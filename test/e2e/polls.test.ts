import type { Locator, Page } from 'playwright-core';
import { beforeAll, expect, it } from 'vitest';
import { boardRoom } from '#shared/protocol/socket-events.js';
import type { Poll } from '#shared/schemas/polls.js';
import type { TestApp } from '#test/helpers/app.js';
import { describeInBrowser, RESULTS_DIR, useBrowserServer } from '#test/helpers/e2e.js';
import type { BrowserSessions } from '#test/helpers/browser.js';
import { addMember, addPaper, createBoardWithMembers, nominate, signUp } from '#test/helpers/factories.js';

const DAY = 24 * 3600_000;
const LOCALE = 'en-GB';
/** The owner and the first editor read times in Tokyo (UTC+9, no DST), the second editor in New York. */
const TOKYO = 'Asia/Tokyo';
const NEW_YORK = 'America/New_York';

/** `days` from now at 18:00 in Tokyo: the date input's value there and the instant. */
function tokyoEvening(days: number): { date: string; iso: string } {
  const date = new Intl.DateTimeFormat('en-CA', { timeZone: TOKYO }).format(new Date(Date.now() + days * DAY));
  const [y, m, d] = date.split('-').map(Number);
  return { date, iso: new Date(Date.UTC(y, m - 1, d, 9, 0)).toISOString() };
}

const dayOf = (iso: string, timeZone: string) =>
  new Intl.DateTimeFormat(LOCALE, { timeZone, weekday: 'short', day: 'numeric', month: 'short' }).format(new Date(iso));
const timeOf = (iso: string, timeZone: string) =>
  new Intl.DateTimeFormat(LOCALE, { timeZone, hour: 'numeric', minute: '2-digit' }).format(new Date(iso));
const dayTimeOf = (iso: string, timeZone: string) =>
  new Intl.DateTimeFormat(LOCALE, {
    timeZone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: 'numeric',
    minute: '2-digit',
  }).format(new Date(iso));

describeInBrowser('availability polls', () => {
  const server = useBrowserServer();
  let t: TestApp;
  let tabs: BrowserSessions;
  beforeAll(() => {
    ({ t, tabs } = server);
  });

  async function socketsInRoom(boardId: string): Promise<number> {
    return (await t.app.io.in(boardRoom(boardId)).fetchSockets()).length;
  }

  const pollOf = (page: Page) => page.getByRole('article', { name: /^When do we read/ });
  const myCells = (poll: Locator) => poll.locator('tr.me button.cell');
  const totals = (poll: Locator) => poll.locator('tr.totals td span[aria-hidden="true"]').allInnerTexts();

  /** Clicks my cell for slot `index` until it shows `mark` (✓, (✓), ✗). */
  async function answer(poll: Locator, index: number, mark: string): Promise<void> {
    const cell = myCells(poll).nth(index);
    for (let i = 0; i < 4 && (await cell.innerText()) !== mark; i++) await cell.click();
    expect(await cell.innerText()).toBe(mark);
  }

  it('lets the owner propose times for a card, two editors answer in their own time zones, and the owner pick the best, live', async () => {
    const owner = await signUp(t.app, 'Olivia Owner');
    const eddie = await signUp(t.app, 'Eddie Editor');
    const erin = await signUp(t.app, 'Erin Editor');
    const { id: boardId } = await createBoardWithMembers(t.app, owner, { editor: eddie });
    await addMember(t.app, owner, boardId, erin, 'editor');
    const title = `Attention is all you need ${boardId.slice(0, 8)}`;
    const [cardId] = await nominate(t.app, owner, boardId, await addPaper(t.app, owner, title));
    const slots = [tokyoEvening(2), tokyoEvening(3), tokyoEvening(4)];

    // The owner starts from the card's panel: "Find a time…" opens the form on the Schedule tab.
    const o = (await tabs.open(`/boards/${boardId}/cards/${cardId}`, { as: owner, timezoneId: TOKYO, locale: LOCALE }))
      .page;
    const e1 = (await tabs.open(`/boards/${boardId}/schedule`, { as: eddie, timezoneId: TOKYO, locale: LOCALE })).page;
    // Erin is on a phone in New York.
    const e2 = (
      await tabs.open(`/boards/${boardId}/schedule`, { as: erin, timezoneId: NEW_YORK, locale: LOCALE, width: 390 })
    ).page;
    for (const page of [e1, e2]) await page.getByText('No open polls.').waitFor();
    // Only owners find a time.
    expect(await e1.getByRole('button', { name: 'Find a time' }).count()).toBe(0);

    await o.getByRole('link', { name: 'Find a time…' }).click();
    await o.waitForURL(`**/boards/${boardId}/schedule`);
    const form = o.getByRole('form', { name: 'Find a time' });
    expect(await form.getByLabel('Paper', { exact: true }).inputValue()).toBe(cardId);
    await expect.poll(() => socketsInRoom(boardId), { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    for (const [i, slot] of slots.entries()) {
      await form.getByLabel(`Time ${i + 1}: day`).fill(slot.date);
      await form.getByLabel(`Time ${i + 1}: time of day`).fill('18:00');
    }
    await o.screenshot({ path: `${RESULTS_DIR}/polls-form.png`, fullPage: true });
    await form.getByRole('button', { name: 'Propose these times' }).click();
    await form.waitFor({ state: 'detached' });

    const [created] = (
      await t.app.inject({ url: `/api/boards/${boardId}/polls`, headers: { cookie: owner.cookie } })
    ).json().items as Poll[];
    expect(created).toMatchObject({ cardId, slots: slots.map((s) => ({ at: s.iso })) });

    // Each sees the poll live, its times in their own zone: 18:00 in Tokyo is early morning in New York.
    for (const [page, zone] of [
      [o, TOKYO],
      [e1, TOKYO],
      [e2, NEW_YORK],
    ] as const) {
      const poll = pollOf(page);
      await poll.waitFor();
      expect(await poll.locator('thead .day').allInnerTexts()).toEqual(slots.map((s) => dayOf(s.iso, zone)));
      expect(await poll.locator('thead .time').allInnerTexts()).toEqual(slots.map((s) => timeOf(s.iso, zone)));
    }
    expect(await pollOf(e2).locator('thead .time').first().innerText()).not.toBe('18:00');

    // Eddie: yes, if need be, no; the last one with the keyboard.
    const p1 = pollOf(e1);
    await answer(p1, 0, '✓');
    await answer(p1, 1, '(✓)');
    const third = myCells(p1).nth(2);
    await third.focus();
    for (const mark of ['✓', '(✓)', '✗']) {
      await e1.keyboard.press('Space');
      expect(await third.innerText()).toBe(mark);
    }
    expect(await third.getAttribute('aria-label')).toBe(`${dayTimeOf(slots[2].iso, TOKYO)}: no`);
    await p1.getByRole('button', { name: 'Save answers' }).click();
    await p1.getByText('Answers saved.').waitFor();
    await expect.poll(() => totals(pollOf(o))).toEqual(['✓ 1 · (✓) 0', '✓ 0 · (✓) 1', '✓ 0 · (✓) 0']);

    // Erin: no, yes, yes, on her phone; the page never scrolls sideways, the grid scrolls in its box.
    const p2 = pollOf(e2);
    await answer(p2, 0, '✗');
    await answer(p2, 1, '✓');
    await answer(p2, 2, '✓');
    await p2.getByRole('button', { name: 'Save answers' }).click();
    await p2.getByText('Answers saved.').waitFor();
    await e2.screenshot({ path: `${RESULTS_DIR}/polls-phone.png`, fullPage: true });
    expect(await e2.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);

    // The owner sees both rows and the best time (one yes and one "if need be") marked in words.
    const po = pollOf(o);
    await expect.poll(() => totals(po)).toEqual(['✓ 1 · (✓) 0', '✓ 1 · (✓) 1', '✓ 1 · (✓) 0']);
    expect(await po.locator('tbody th').allInnerTexts()).toEqual(['Olivia Owner (you)', 'Eddie Editor', 'Erin Editor']);
    const best = po.locator('thead th.best');
    expect(await best.count()).toBe(1);
    expect(await best.innerText()).toContain('Best');
    expect(await best.locator('.day').innerText()).toBe(dayOf(slots[1].iso, TOKYO));
    await po.getByText('2 answers').waitFor();
    await o.screenshot({ path: `${RESULTS_DIR}/polls-grid.png`, fullPage: true });

    // The card panel says so too.
    const panel = (await tabs.open(`/boards/${boardId}/cards/${cardId}`, { as: eddie, locale: LOCALE })).page;
    await panel.getByRole('link', { name: 'Poll open: 2 answers' }).waitFor();
    expect(await panel.getByRole('link', { name: 'Find a time…' }).count()).toBe(0);

    // The owner picks it, with Eddie presenting; the session appears above and the editors see "Decided".
    await po.getByRole('button', { name: `Pick this time: ${dayTimeOf(slots[1].iso, TOKYO)}` }).click();
    const dialog = o.getByRole('dialog', { name: /^Pick / });
    expect(await dialog.getByLabel('Presenter').inputValue()).toBe(owner.user.id);
    await dialog.getByLabel('Presenter').selectOption({ label: 'Eddie Editor' });
    await dialog.getByRole('button', { name: 'Schedule it' }).click();
    await dialog.waitFor({ state: 'hidden' });

    const upcoming = o.getByRole('region', { name: 'Upcoming sessions' });
    await upcoming.getByRole('link', { name: title }).waitFor();
    await upcoming.getByText('Eddie Editor').waitFor();
    for (const [page, zone] of [
      [o, TOKYO],
      [e1, TOKYO],
      [e2, NEW_YORK],
    ] as const) {
      await page.getByText(`Decided: ${dayTimeOf(slots[1].iso, zone)} — Eddie Editor presents`).waitFor();
      expect(await page.getByRole('button', { name: 'Save answers' }).count()).toBe(0);
    }
    await e1.getByRole('region', { name: 'Upcoming sessions' }).getByRole('link', { name: title }).waitFor();
    await e2.screenshot({ path: `${RESULTS_DIR}/polls-decided-phone.png`, fullPage: true });

    const schedule = await t.app.inject({ url: `/api/boards/${boardId}/schedule`, headers: { cookie: erin.cookie } });
    expect(schedule.json().upcoming).toMatchObject([
      { cardId, presenter: { id: eddie.user.id }, sessionAt: slots[1].iso },
    ]);
  });
});
