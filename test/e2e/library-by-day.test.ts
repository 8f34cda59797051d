import type { Page } from 'playwright-core';
import { beforeAll, expect, it } from 'vitest';
import { describeInBrowser, useBrowserServer } from '#test/helpers/e2e.js';
import { BrowserSessions } from '#test/helpers/browser.js';
import { recordFeedPapers } from '#server/features/feeds/feeds.repository.js';

/** Papers an instance feed listed on two days, with their upvotes. */
const LISTED: Record<string, [string, number, string | null][]> = {
  '2026-12-05': [
    ['Quiet Paper Of Friday', 3, null],
    ['Loud Paper Of Friday', 250, 'https://github.com/example/loud'],
  ],
  '2026-12-04': [['Only Paper Of Thursday', 9, null]],
};

describeInBrowser('the library by day', () => {
  const server = useBrowserServer({
    prepare: async (t) => {
      for (const [day, papers] of Object.entries(LISTED)) {
        const entries = [];
        for (const [title, upvotes, code] of papers) {
          const [row] = await t.db.sql<{ id: string }[]>`
            insert into papers (title, title_key, authors, abstract, code_urls)
            values (${title}, ${title.toLowerCase().replaceAll(' ', '')}, ${['Feed Author']}, 'Listed by a feed.',
              ${code ? [code] : []})
            returning id`;
          entries.push({ paperId: row.id, upvotes });
        }
        await recordFeedPapers(t.db.sql, 'hf-daily', day, entries);
      }
    },
  });
  let tabs: BrowserSessions;
  beforeAll(() => ({ tabs } = server));

  /** The date tab of `day` (its label depends on the locale). */
  const dayTab = (page: Page, day: string) => page.locator(`[role=tab]:has(time[datetime="${day}"])`);
  const titles = (page: Page) => page.getByRole('tabpanel').locator('h3').allInnerTexts();

  it('shows the latest day first, most upvoted first, with upvotes and code links; arrow keys change the day', async () => {
    const { page } = await tabs.open('/');
    await page.getByRole('button', { name: 'By day' }).click();
    const friday = dayTab(page, '2026-12-05');
    await expect.poll(() => friday.getAttribute('aria-selected')).toBe('true');
    await expect.poll(() => titles(page)).toEqual(['Loud Paper Of Friday', 'Quiet Paper Of Friday']);
    const loud = page.getByRole('tabpanel').locator('li', { hasText: 'Loud Paper Of Friday' }).first();
    expect(await loud.innerText()).toContain('▲ 250');
    expect(await loud.getByRole('link', { name: /Code/ }).getAttribute('href')).toBe('https://github.com/example/loud');

    await friday.focus();
    await page.keyboard.press('ArrowRight');
    const thursday = dayTab(page, '2026-12-04');
    await expect.poll(() => thursday.getAttribute('aria-selected')).toBe('true');
    expect(await thursday.evaluate((el) => el === document.activeElement)).toBe(true);
    await expect.poll(() => titles(page)).toEqual(['Only Paper Of Thursday']);
    // The view is in the address, so a reload keeps it.
    expect(new URL(page.url()).searchParams.get('view')).toBe('day');
  });

  it('says so when no feed brought papers for the day, and fits a phone', async () => {
    const { page } = await tabs.open('/?view=day', {
      width: 390,
      setup: (p) =>
        p.route('**/api/papers/feed-days', (route) =>
          route.fulfill({
            json: {
              items: [
                { day: '2026-12-06', papers: 0 },
                { day: '2026-12-05', papers: 2 },
              ],
            },
          }),
        ),
    });
    await page.getByText('No feed has brought papers for this day.').waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  });
});
