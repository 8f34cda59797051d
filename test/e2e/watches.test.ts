import { beforeAll, expect, it } from 'vitest';
import type { TestApp } from '#test/helpers/app.js';
import { describeInBrowser, useBrowserServer } from '#test/helpers/e2e.js';
import type { BrowserSessions } from '#test/helpers/browser.js';
import { createBoardWithMembers, signUp } from '#test/helpers/factories.js';

describeInBrowser('paper feeds on the Settings tab', () => {
  const server = useBrowserServer();
  let t: TestApp;
  let tabs: BrowserSessions;
  beforeAll(() => {
    ({ t, tabs } = server);
  });

  it('lets the owner add and remove watches (with Undo), shows their runs, and viewers only read them', async () => {
    const owner = await signUp(t.app, 'Olivia Owner');
    const viewer = await signUp(t.app, 'Vera Viewer');
    const { id: boardId } = await createBoardWithMembers(t.app, owner, { viewer });

    // The refused private URL logs its 400.
    const { page } = await tabs.open(`/boards/${boardId}/settings`, {
      as: owner,
      expectedConsoleErrors: /status of 400/,
    });
    const section = page.getByRole('region', { name: 'Paper feeds' });
    await section.getByText('No watches yet. Add one below.').waitFor();
    const form = section.getByRole('form', { name: 'Add a watch' });

    // An arXiv watch over two categories, matching a word.
    await form.getByLabel('Source').selectOption({ label: 'arXiv new submissions' });
    await form.getByLabel('arXiv categories').fill('cs.LG, cs.CL');
    await form.getByLabel(/Words to match/).fill('diffusion');
    await form.getByRole('button', { name: 'Add watch' }).click();
    const watches = section.getByRole('list', { name: 'Watches' });
    await watches.getByText('arXiv new submissions in cs.LG, cs.CL · matching “diffusion”').waitFor();
    await watches.getByText('Not run yet').waitFor();

    // A feed on this machine is refused, and the field is marked.
    await form.getByLabel('Source').selectOption({ label: 'RSS or Atom feed' });
    await form.getByLabel('Feed URL').fill('http://127.0.0.1:9/feed.xml');
    await form.getByRole('button', { name: 'Add watch' }).click();
    await form
      .getByRole('alert')
      .getByText(/private network/)
      .waitFor();
    expect(await form.getByLabel('Feed URL').getAttribute('aria-invalid')).toBe('true');
    expect(await watches.locator(':scope > li').count()).toBe(1);

    // The watch's first run, as the daily job records it.
    const [watch] = await t.db.sql<{ id: string }[]>`select id from board_watches where board_id = ${boardId}`;
    await t.db.sql`
      insert into feed_runs (feed_key, source, watch_id, board_id, day, status, fetched, created, duplicates,
        claimed_at, finished_at)
      values (${`watch:${watch.id}`}, 'arxiv', ${watch.id}, ${boardId}, '2026-12-05', 'done', 12, 3, 9, now(), now())`;

    // The viewer reads the watch and its run, without the owner's controls.
    const v = (await tabs.open(`/boards/${boardId}/settings`, { as: viewer })).page;
    const theirs = v.getByRole('region', { name: 'Paper feeds' });
    await theirs.getByText('12 fetched, 3 new, 9 already in the library').waitFor();
    expect(await theirs.getByRole('button', { name: /Stop watching/ }).count()).toBe(0);
    expect(await theirs.getByRole('form', { name: 'Add a watch' }).count()).toBe(0);

    // Removed, then brought back with Undo.
    await watches.getByRole('button', { name: /^Stop watching arXiv/ }).click();
    await section.getByText('No watches yet. Add one below.').waitFor();
    await page.getByRole('button', { name: 'Undo' }).click();
    await watches.getByText('arXiv new submissions in cs.LG, cs.CL · matching “diffusion”').waitFor();
    const rows = await t.db.sql<{ categories: string[]; query: string }[]>`
      select categories, query from board_watches where board_id = ${boardId}`;
    expect(rows).toEqual([{ categories: ['cs.LG', 'cs.CL'], query: 'diffusion' }]);
  });
});
