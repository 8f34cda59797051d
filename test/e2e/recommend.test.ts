import { beforeAll, expect, it } from 'vitest';
import type { TestApp } from '#test/helpers/app.js';
import { describeInBrowser, RESULTS_DIR, useBrowserServer } from '#test/helpers/e2e.js';
import type { BrowserSessions } from '#test/helpers/browser.js';
import { createBoardWithMembers, nominate, signUp } from '#test/helpers/factories.js';
import { addPaperWith, addTopicPapers, TOPIC_PAPERS } from '#test/helpers/recommend.js';
import { suggestNewPapers } from '#server/features/recommend/recommend.service.js';

describeInBrowser('more like this', () => {
  const server = useBrowserServer();
  let t: TestApp;
  let tabs: BrowserSessions;
  beforeAll(() => {
    ({ t, tabs } = server);
  });

  const suggest = (paperIds: string[]) =>
    suggestNewPapers(
      { sql: t.app.sql, recommender: t.app.recommender, emitToBoard: t.app.emitToBoard.bind(t.app) },
      paperIds,
    );

  it('lists related papers in the card panel, each linking to its page with the shared words', async () => {
    const owner = await signUp(t.app, 'Olivia Owner');
    const ids = await addTopicPapers(t.app, owner);
    const { id: boardId } = await createBoardWithMembers(t.app, owner, {});
    const [cardId] = await nominate(t.app, owner, boardId, ids.robot1);

    const { page } = await tabs.open(`/boards/${boardId}/cards/${cardId}`, { as: owner });
    const section = page.getByRole('region', { name: 'More like this' });
    const related = section.getByRole('link', { name: TOPIC_PAPERS.robot4.title });
    await related.waitFor();
    expect(await related.getAttribute('href')).toBe(`/papers/${ids.robot4}`);
    expect(await section.getByText(/^shares: .*robot/).count()).toBeGreaterThan(0);
    expect(await section.getByRole('link', { name: TOPIC_PAPERS.misc1.title }).count()).toBe(0);
    expect(await section.getByRole('button', { name: '+ Add to board' }).count()).toBeGreaterThan(0);
    await page.screenshot({ path: `${RESULTS_DIR}/recommend-card-panel.png` });

    // The paper's own page has the same list.
    await related.click();
    await page.waitForURL(/\/papers\//);
    await page.getByRole('heading', { name: TOPIC_PAPERS.robot4.title }).waitFor();
    const onPage = page.getByRole('region', { name: 'More like this' });
    await onPage.getByRole('link', { name: TOPIC_PAPERS.robot1.title }).waitFor();
  });

  it('shows a suggestion in the Suggested lane; Nominate puts it on the board, Dismiss removes it for everyone', async () => {
    const owner = await signUp(t.app, 'Olivia Owner');
    const editor = await signUp(t.app, 'Eddie Editor');
    const viewer = await signUp(t.app, 'Vera Viewer');
    const ids = await addTopicPapers(t.app, owner);
    const { id: boardId } = await createBoardWithMembers(t.app, owner, { editor, viewer });
    await nominate(t.app, owner, boardId, ids.robot1, ids.robot2);

    const o = (await tabs.open(`/boards/${boardId}`, { as: owner })).page;
    const e = (await tabs.open(`/boards/${boardId}`, { as: editor })).page;
    const v = (await tabs.open(`/boards/${boardId}`, { as: viewer, width: 390 })).page;
    for (const page of [o, e, v]) await page.getByRole('button', { name: 'Recommended for this board' }).waitFor();
    // Let every page join the board's room (the lane follows it once the page is idle).
    await expect
      .poll(async () => (await t.app.io.in(`board:${boardId}`).fetchSockets()).length, { timeout: 10_000 })
      .toBeGreaterThanOrEqual(3);

    const first = {
      title: 'Robot arm grasping in cluttered bins',
      abstract: 'A robot arm grasps objects with tactile sensing.',
    };
    const second = {
      title: 'Tactile robot hands for grasping',
      abstract: 'A dexterous robot hand grasps objects by touch.',
    };
    const firstId = await addPaperWith(t.app, owner, first);
    const secondId = await addPaperWith(t.app, owner, second);
    await suggest([firstId, secondId]);

    const lane = (page: typeof o) => page.getByRole('region', { name: 'Suggested papers' });
    for (const page of [o, e, v]) {
      await lane(page).getByRole('link', { name: first.title }).waitFor();
      await lane(page).getByRole('link', { name: second.title }).waitFor();
    }
    await o.screenshot({ path: `${RESULTS_DIR}/recommend-lane.png` });
    await v.screenshot({ path: `${RESULTS_DIR}/recommend-lane-phone.png` });
    // On a phone the page itself never scrolls sideways (the lane scrolls inside itself).
    expect(await v.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    // Viewers read the lane but neither nominate nor dismiss.
    expect(
      await lane(v)
        .getByRole('button', { name: /^(Nominate|Dismiss) / })
        .count(),
    ).toBe(0);
    expect(
      await lane(o)
        .getByText(/^shares: .*robot/)
        .count(),
    ).toBe(2);

    // Nominate: the card lands on the board (first column) and the paper leaves every lane.
    await lane(o)
      .getByRole('button', { name: `Nominate “${first.title}”` })
      .click();
    await o.locator('.columns').getByText(first.title, { exact: true }).waitFor();
    await e.locator('.columns').getByText(first.title, { exact: true }).waitFor();
    await lane(e).getByRole('link', { name: first.title }).waitFor({ state: 'detached' });

    // Dismiss: gone from the editor's lane, and live from the owner's; the toast offers Undo.
    await lane(e)
      .getByRole('button', { name: `Dismiss “${second.title}”` })
      .click();
    const undo = e
      .locator('.toast')
      .filter({ hasText: `Dismissed “${second.title}”.` })
      .getByRole('button', { name: 'Undo' });
    await undo.waitFor();
    await lane(o).getByRole('link', { name: second.title }).waitFor({ state: 'detached' });
    await v.getByRole('button', { name: 'Recommended for this board' }).waitFor();
    expect(await lane(v).getByRole('link', { name: second.title }).count()).toBe(0);
    await undo.click();
    await lane(o).getByRole('link', { name: second.title }).waitFor();

    // The lane is useful before any feed run: the board's recommendations are one click away.
    await o.getByRole('button', { name: 'Recommended for this board' }).click();
    const recommended = o.getByRole('region', { name: 'Recommended for this board' });
    await recommended.getByRole('link', { name: TOPIC_PAPERS.robot3.title }).waitFor();
    await recommended.getByRole('button', { name: `Nominate “${TOPIC_PAPERS.robot3.title}”` }).click();
    await recommended.getByText('On the board').waitFor();
    await o.locator('.columns').getByText(TOPIC_PAPERS.robot3.title, { exact: true }).waitFor();
  });
});
