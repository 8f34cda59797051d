import { beforeAll, it } from 'vitest';
import type { TestApp } from '#test/helpers/app.js';
import { describeInBrowser, useBrowserServer } from '#test/helpers/e2e.js';
import { BrowserSessions } from '#test/helpers/browser.js';
import { addMember, createBoard, signUp } from '#test/helpers/factories.js';

/**
 * Well under the 15 s after which y-protocols renews a tab's awareness state: an arrival that only
 * shows at the renewal fails.
 */
const AT_ONCE_MS = 5_000;

describeInBrowser('presence on a board', () => {
  const server = useBrowserServer({});
  let t: TestApp;
  let tabs: BrowserSessions;
  beforeAll(() => {
    ({ t, tabs } = server);
  });

  it('shows a member who opens the board in everyone\'s "Here now" at once, and drops them when they go', async () => {
    const ann = await signUp(t.app, 'Ann Arrives');
    const bob = await signUp(t.app, 'Bob Browses');
    const board = await createBoard(t.app, ann, 'Presence club');
    await addMember(t.app, ann, board.id, bob, 'viewer');
    const a = await tabs.open(`/boards/${board.id}`, { as: ann });
    const annHere = a.page.getByRole('list', { name: 'Here now' });
    await a.page.getByRole('region', { name: 'Nominated', exact: true }).waitFor();

    const b = await tabs.open(`/boards/${board.id}`, { as: bob });
    await b.page.getByRole('region', { name: 'Nominated', exact: true }).waitFor();
    // Each sees the other without waiting for a renewal: the newcomer arrives, and learns who is there.
    await annHere.getByText('Bob Browses').waitFor({ timeout: AT_ONCE_MS });
    await b.page.getByRole('list', { name: 'Here now' }).getByText('Ann Arrives').waitFor({ timeout: AT_ONCE_MS });

    await b.page.close();
    await annHere.getByText('Bob Browses').waitFor({ state: 'detached', timeout: AT_ONCE_MS });
  });
});
