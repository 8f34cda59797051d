import crypto from 'node:crypto';
import type { Locator, Page } from 'playwright-core';
import { beforeAll, expect, it } from 'vitest';
import type { PaperPage } from '#shared/schemas/papers.js';
import { seedDemo } from '#server/bootstrap/seed.js';
import { describeInBrowser, RESULTS_DIR, useBrowserServer } from '#test/helpers/e2e.js';
import { BrowserSessions } from '#test/helpers/browser.js';
import { castVote, createBoard, signUp, type TestUser } from '#test/helpers/factories.js';

/** Small enough that a test can exceed it with a modest file. */
const BODY_LIMIT = 64 * 1024;

/** A pasted "trending papers" text: a title line then an abstract line per paper. */
function trendingText(titles: string[]): string {
  return titles
    .map(
      (title) =>
        `${title}\nWe study ${title.toLowerCase()} in a controlled setting and report what we measured. ` +
        'The method is compared with strong baselines on three benchmarks, ablations isolate each component, ' +
        'and the code, data and trained checkpoints are released so that every number can be reproduced.',
    )
    .join('\n');
}

describeInBrowser('the library page', () => {
  /** A signed-up reader: importing needs one. */
  let reader: TestUser;
  const server = useBrowserServer({
    config: { bodyLimitBytes: BODY_LIMIT },
    prepare: async (t) => {
      await seedDemo(t.db.sql, t.config);
      reader = await signUp(t.app, 'Library Reader');
    },
  });
  let baseUrl: string;
  let tabs: BrowserSessions;
  beforeAll(() => {
    ({ baseUrl, tabs } = server);
  });
  const paperHeading = (page: Page) => page.locator('#paper-heading');

  const rows = (page: Page): Locator => page.getByRole('list', { name: 'Papers' }).locator(':scope > li');
  const searchBox = (page: Page): Locator => page.getByRole('searchbox', { name: 'Search papers' });
  const isFocused = (locator: Locator) => locator.evaluate((el) => el === document.activeElement);
  const rowTitles = (page: Page) => rows(page).locator('h3').allInnerTexts();

  async function api(query: string): Promise<PaperPage> {
    const response = await fetch(`${baseUrl}/api/papers?${query}`);
    expect(response.status).toBe(200);
    return (await response.json()) as PaperPage;
  }

  async function waitForResults(page: Page, query: string) {
    await page
      .getByRole('status')
      .filter({ hasText: `match “${query}”` })
      .waitFor({ state: 'attached' });
  }

  async function importViaDialog(page: Page, text: string) {
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Import papers' });
    await dialog.getByRole('textbox', { name: 'Paste papers' }).fill(text);
    await dialog.getByRole('button', { name: 'Import', exact: true }).click();
    return dialog;
  }

  it('lists the papers of the library, newest first, with Relevance disabled', async () => {
    const { page } = await tabs.open('/');
    await rows(page).first().waitFor();
    expect(await rows(page).count()).toBe(20);
    const newest = await api('sort=recent&limit=20');
    expect(await rowTitles(page)).toEqual(newest.items.map((p) => p.title));
    expect(await page.getByRole('button', { name: 'Relevance' }).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Recent' }).getAttribute('aria-pressed')).toBe('true');
    expect(await page.getByRole('button', { name: 'Load more' }).isVisible()).toBe(true);
  });

  it('shows matching results with the query words highlighted in <mark>', async () => {
    const { page } = await tabs.open('/');
    await rows(page).first().waitFor();
    await searchBox(page).fill('mixture of experts');
    await waitForResults(page, 'mixture of experts');
    expect(page.url()).toBe(`${baseUrl}/?q=mixture+of+experts`);
    const marks = await page.getByRole('list', { name: 'Papers' }).locator('mark').allInnerTexts();
    expect(marks.length).toBeGreaterThan(0);
    for (const mark of marks) expect(mark).toMatch(/mixture|expert/i);
    const expected = await api('q=mixture%20of%20experts&limit=20');
    expect(await rowTitles(page)).toEqual(expected.items.map((p) => p.title));
    expect(await rows(page).first().locator('h3 mark').count()).toBeGreaterThan(0);
  });

  it('focuses the search box on "/" and clears it on Escape', async () => {
    const { page } = await tabs.open('/?q=diffusion');
    await waitForResults(page, 'diffusion');
    expect(await isFocused(searchBox(page))).toBe(false);
    await page.keyboard.press('/');
    expect(await isFocused(searchBox(page))).toBe(true);
    expect(await searchBox(page).inputValue()).toBe('diffusion');
    await page.keyboard.press('Escape');
    expect(await searchBox(page).inputValue()).toBe('');
    await page.waitForURL(`${baseUrl}/`);
    expect(await page.getByRole('button', { name: 'Relevance' }).isDisabled()).toBe(true);
  });

  it('sorts a search by date on the Recent tab, kept in the URL across reload and back', async () => {
    const { page } = await tabs.open('/?q=mixture%20of%20experts');
    await waitForResults(page, 'mixture of experts');
    const relevance = page.getByRole('button', { name: 'Relevance' });
    const recent = page.getByRole('button', { name: 'Recent' });
    expect(await relevance.getAttribute('aria-pressed')).toBe('true');

    await recent.click();
    await page.waitForURL(/sort=recent/);
    const byDate = await api('q=mixture%20of%20experts&sort=recent&limit=20');
    await expect.poll(() => rowTitles(page)).toEqual(byDate.items.map((p) => p.title));
    expect(await recent.getAttribute('aria-pressed')).toBe('true');

    await page.reload();
    await waitForResults(page, 'mixture of experts');
    expect(await searchBox(page).inputValue()).toBe('mixture of experts');
    expect(await recent.getAttribute('aria-pressed')).toBe('true');

    await page.goBack();
    await page.waitForURL(/\/\?q=mixture(\+|%20)of(\+|%20)experts$/);
    await expect.poll(() => relevance.getAttribute('aria-pressed')).toBe('true');
  });

  it('loads the next page when the list is scrolled to its end', async () => {
    const { page } = await tabs.open('/');
    await rows(page).first().waitFor();
    expect(await rows(page).count()).toBe(20);
    await rows(page).last().scrollIntoViewIfNeeded();
    await expect.poll(() => rows(page).count()).toBeGreaterThan(20);
    const titles = await rowTitles(page);
    expect(new Set(titles).size).toBe(titles.length);
  });

  it('suggests removing words when nothing matches', async () => {
    const { page } = await tabs.open('/?q=mixture%20zyxwvut');
    await page.getByText('No papers match “mixture zyxwvut”').waitFor();
    await page.getByRole('button', { name: 'without zyxwvut' }).click();
    await waitForResults(page, 'mixture');
    expect(await rows(page).count()).toBeGreaterThan(0);
    expect(await searchBox(page).inputValue()).toBe('mixture');
  });

  it('corrects a typo when the words find nothing, and says what it searched', async () => {
    const { page } = await tabs.open('/?q=mixure%20of%20experts');
    await page.getByText('No papers match “mixure of experts”. Showing results for mixture of experts.').waitFor();
    expect(await rows(page).count()).toBeGreaterThan(0);
    // The corrected words are highlighted in the results like any match.
    expect(await rows(page).first().locator('mark').count()).toBeGreaterThan(0);
  });

  it('explains how to add papers when the library is empty', async () => {
    const { page } = await tabs.open('/', {
      as: reader,
      setup: async (p) => {
        await p.route('**/api/papers?*', (route) => route.fulfill({ json: { items: [], nextCursor: null } }));
      },
    });
    await page.getByText('No papers yet').waitFor();
    expect(await page.getByText('npm run import -- FILE').isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Import papers' }).click();
    expect(await page.getByRole('dialog', { name: 'Import papers' }).isVisible()).toBe(true);
  });

  it('shows a failed search with a Retry button that recovers', async () => {
    let fail = true;
    const { page } = await tabs.open('/', {
      expectedConsoleErrors: /status of 500/,
      setup: async (p) => {
        await p.route('**/api/papers?*', (route) =>
          fail
            ? route.fulfill({ status: 500, json: { error: 'internal', message: 'something went wrong on our side' } })
            : route.fallback(),
        );
      },
    });
    const alert = page.getByRole('alert').filter({ hasText: 'The search failed' });
    await alert.waitFor();
    expect(await alert.innerText()).toContain('Something went wrong on our side.');
    fail = false;
    await page.getByRole('button', { name: 'Retry' }).click();
    await rows(page).first().waitFor();
    expect(await alert.count()).toBe(0);
  });

  it('imports pasted text, reporting created papers and then duplicates on a second import', async () => {
    const titles = ['Sparse Lattice Routing for Tiny Transformers', 'Causal Probing of Retrieval Heads'];
    const { page } = await tabs.open('/', { as: reader });
    await rows(page).first().waitFor();
    const dialog = await importViaDialog(page, trendingText(titles));
    await dialog.getByText('2 created').waitFor();
    expect(await dialog.getByRole('link', { name: titles[0] }).isVisible()).toBe(true);
    // The library refreshes: the new papers are the most recent ones.
    await expect.poll(async () => (await rowTitles(page)).slice(0, 2).sort()).toEqual([...titles].sort());

    await dialog.getByRole('button', { name: 'Import', exact: true }).click();
    await dialog.getByText('0 created').waitFor();
    expect(await dialog.getByText('2 duplicates').isVisible()).toBe(true);
    expect(await dialog.getByText('Already in the library').isVisible()).toBe(true);
    await page.screenshot({ path: `${RESULTS_DIR}library-import.png` });
  });

  it('renders a title made of HTML as literal text', async () => {
    const title = '<img src=x onerror=alert(1)>';
    const { page } = await tabs.open('/', { as: reader });
    await rows(page).first().waitFor();
    const dialog = await importViaDialog(page, trendingText([title]));
    await dialog.getByText('1 created').waitFor();
    // Choosing the created paper opens its page.
    await dialog.getByRole('link', { name: title }).click();
    await page.waitForURL(/\/papers\/[0-9a-f-]{36}$/);
    expect(await dialog.isVisible()).toBe(false);
    expect(await paperHeading(page).innerText()).toBe(title);
    expect(await page.locator('main img').count()).toBe(0);
    await page.goto(`${baseUrl}/?q=${encodeURIComponent(title)}`);
    await waitForResults(page, title);
    expect(await rows(page).first().locator('h3').innerText()).toBe(title);
    expect(await page.locator('main img').count()).toBe(0);
  });

  it('tells a signed-out visitor what Paperboard is and to sign in to import, with the library usable', async () => {
    const { page } = await tabs.open('/');
    const intro = page.getByRole('complementary', { name: 'About Paperboard' });
    await intro.waitFor();
    expect(await intro.innerText()).toContain(
      'Paperboard is a shared board where your reading group finds papers, votes on them and schedules who presents what.',
    );
    expect(await intro.getByRole('link', { name: 'Sign up' }).getAttribute('href')).toBe('/signup');
    expect(await intro.getByRole('link', { name: 'Sign in' }).getAttribute('href')).toBe('/login?next=%2F');
    // No import dialog that would fail: a link to sign in, which comes back here.
    expect(await page.getByRole('button', { name: 'Import', exact: true }).count()).toBe(0);
    const signIn = page.getByRole('link', { name: 'Sign in to import' });
    expect(await signIn.getAttribute('href')).toBe('/login?next=%2F');
    await rows(page).first().waitFor();
    await searchBox(page).fill('mixture of experts');
    await waitForResults(page, 'mixture of experts');

    const signedIn = await tabs.open('/', { as: reader });
    await rows(signedIn.page).first().waitFor();
    expect(await signedIn.page.getByRole('complementary', { name: 'About Paperboard' }).count()).toBe(0);
    expect(await signedIn.page.getByRole('button', { name: 'Import', exact: true }).isVisible()).toBe(true);
  });

  it('opens a paper page from a title in the results, with its authors, date, links and abstract', async () => {
    const { page } = await tabs.open('/?q=mixture%20of%20experts');
    await waitForResults(page, 'mixture of experts');
    const [first] = (await api('q=mixture%20of%20experts&limit=1')).items;
    await rows(page).first().locator('h3 a').click();
    await page.waitForURL(`${baseUrl}/papers/${first.id}`);
    expect(await paperHeading(page).innerText()).toBe(first.title);
    if (first.authors.length > 0) expect(await page.getByText(first.authors.join(', ')).isVisible()).toBe(true);
    expect(await page.title()).toBe(`${first.title} · Paperboard`);
    const links = page.getByRole('list', { name: 'Links' });
    if (first.arxivId) {
      expect(await links.getByRole('link', { name: 'PDF' }).getAttribute('href')).toBe(
        `https://arxiv.org/pdf/${first.arxivId}`,
      );
    }
    expect(await page.getByRole('region', { name: 'Abstract' }).innerText()).toContain(first.abstract.slice(0, 60));
    // Signed out: no boards section, and adding to a board asks to sign in first.
    expect(await page.getByRole('link', { name: 'Sign in to add it to a board' }).isVisible()).toBe(true);
    await page.goBack();
    await waitForResults(page, 'mixture of experts');
  });

  it('says plainly that a malformed or unknown paper id names no paper', async () => {
    for (const path of ['/papers/not-a-paper', `/papers/${crypto.randomUUID()}`]) {
      const { page } = await tabs.open(path, { expectedConsoleErrors: /status of 404/ });
      await page.getByRole('heading', { name: 'Paper not found' }).waitFor();
      expect(await page.getByRole('link', { name: 'library', exact: true }).getAttribute('href')).toBe('/');
    }
  });

  it('adds a paper to a board from its page and lists my boards with its column and votes', async () => {
    const board = await createBoard(server.t.app, reader, 'Paper page board');
    const [paper] = (await api('sort=recent&limit=1')).items;
    const { page } = await tabs.open(`/papers/${paper.id}`, { as: reader });
    const mine = page.getByRole('region', { name: 'On your boards' });
    await mine.getByText('None of your boards has this paper yet.').waitFor();
    // The paper's own button comes first; the papers "More like this" lists below have theirs.
    await page.getByRole('button', { name: '+ Add to board' }).first().click();
    await page.getByRole('button', { name: 'Paper page board' }).click();
    const entry = mine.getByRole('listitem').filter({ hasText: 'Paper page board' });
    await entry.waitFor();
    expect(await entry.innerText()).toMatch(/Paper page board\s*Nominated\s*0 votes/);
    const cardHref = await entry.getByRole('link').getAttribute('href');
    expect(cardHref).toMatch(new RegExp(`^/boards/${board.id}/cards/`));

    await castVote(server.t.app, reader, board.id, decodeURIComponent(cardHref!.split('/').pop()!));
    await page.reload();
    await mine.getByRole('listitem').filter({ hasText: '1 vote' }).waitFor();
    await mine.getByRole('link', { name: 'Paper page board' }).click();
    await page.waitForURL(`${baseUrl}${cardHref}`);
    await page.getByRole('complementary', { name: paper.title }).waitFor();
  });

  it('shows a year-only BibTeX entry as its year, links a duplicate to the existing paper, and explains errors', async () => {
    const { page } = await tabs.open('/', { as: reader });
    await rows(page).first().waitFor();
    const bib = '@misc{yearonly, title = {A Paper Dated By Its Year Alone}, author = {Yara Year}, year = {2019}}';
    const dialog = await importViaDialog(page, bib);
    await dialog.getByText('1 created').waitFor();
    const created = dialog.getByRole('link', { name: 'A Paper Dated By Its Year Alone' });
    const href = await created.getAttribute('href');
    expect(href).toMatch(/^\/papers\/[0-9a-f-]{36}$/);

    // The same entry again: a duplicate, linked to the paper already in the library.
    await dialog.getByRole('button', { name: 'Import', exact: true }).click();
    await dialog.getByText('1 duplicate').waitFor();
    expect(await dialog.getByRole('link', { name: 'A Paper Dated By Its Year Alone' }).getAttribute('href')).toBe(href);

    // A broken entry: what is wrong, where, and what to do, in plain words.
    const broken = ['@article{nocomma,', '  title = {Missing Comma}', '  author = {Ann Bee}', '}'].join('\n');
    await dialog.getByRole('textbox', { name: 'Paste papers' }).fill(broken);
    await dialog.getByRole('button', { name: 'Import', exact: true }).click();
    await dialog.getByText('1 error').waitFor();
    const error = dialog.getByRole('listitem').filter({ hasText: 'nocomma' });
    expect(await error.innerText()).toMatch(
      /Line 1\s*Entry nocomma: a comma is missing before the field "author" on line 3: end each field with a comma\./,
    );
    expect(await error.innerText()).not.toMatch(/Token|column/);

    await page.goto(`${baseUrl}${href}`);
    expect(await paperHeading(page).innerText()).toBe('A Paper Dated By Its Year Alone');
    expect(await page.locator('.paper-page time').innerText()).toBe('2019');
    await page.goto(`${baseUrl}/?q=${encodeURIComponent('Paper Dated By Its Year Alone')}`);
    const row = rows(page).filter({ hasText: 'A Paper Dated By Its Year Alone' });
    await row.waitFor();
    expect(await row.locator('time').innerText()).toBe('2019');
  });

  it('explains an upload that is too large or not text', async () => {
    const { page } = await tabs.open('/', { as: reader, expectedConsoleErrors: /status of 41[35]/ });
    await rows(page).first().waitFor();
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Import papers' });
    const fileInput = dialog.getByLabel('Or choose a file');

    await fileInput.setInputFiles({
      name: 'huge.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('a few words on one line\n'.repeat(Math.ceil(BODY_LIMIT / 20))),
    });
    await dialog.getByText('huge.txt').waitFor();
    await dialog.getByRole('button', { name: 'Import', exact: true }).click();
    await dialog.getByRole('alert').filter({ hasText: 'too large to import at once' }).waitFor();
    expect(await dialog.getByRole('alert').innerText()).toContain('64.0 KB');

    await dialog.getByRole('button', { name: 'Remove file' }).click();
    await fileInput.setInputFiles({
      name: 'picture.png',
      mimeType: 'image/png',
      buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]),
    });
    await dialog.getByRole('button', { name: 'Import', exact: true }).click();
    await dialog.getByRole('alert').filter({ hasText: 'not a text file' }).waitFor();
  });

  it('fits a 360 px wide screen and looks clean (screenshots in test-results/)', async () => {
    const desktop = await tabs.open('/?q=mixture%20of%20experts');
    await waitForResults(desktop.page, 'mixture of experts');
    await desktop.page.screenshot({ path: `${RESULTS_DIR}library.png` });

    const dark = await tabs.open('/', { dark: true });
    await rows(dark.page).first().waitFor();
    await dark.page.screenshot({ path: `${RESULTS_DIR}library-dark.png` });

    const { page } = await tabs.open('/?q=mixture%20of%20experts', { as: reader, width: 360, height: 740 });
    await waitForResults(page, 'mixture of experts');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await page.screenshot({ path: `${RESULTS_DIR}library-360.png` });
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByRole('dialog', { name: 'Import papers' }).waitFor();
    await page.screenshot({ path: `${RESULTS_DIR}library-import-360.png` });
  });
});
