import { beforeAll, expect, it } from 'vitest';
import type { TestApp } from '#test/helpers/app.js';
import { describeInBrowser, useBrowserServer } from '#test/helpers/e2e.js';
import type { BrowserSessions } from '#test/helpers/browser.js';
import { createBoardWithMembers, signUp } from '#test/helpers/factories.js';

describeInBrowser('chat notifications on the Settings tab', () => {
  const server = useBrowserServer();
  let t: TestApp;
  let tabs: BrowserSessions;
  beforeAll(() => {
    ({ t, tabs } = server);
  });

  it('lets the owner add a webhook, shown with its URL masked, and remove it after confirming', async () => {
    const owner = await signUp(t.app, 'Olivia Owner');
    const { id: boardId } = await createBoardWithMembers(t.app, owner, {});
    const { page } = await tabs.open(`/boards/${boardId}/settings`, { as: owner });
    const section = page.getByRole('region', { name: 'Chat notifications' });
    await section.getByText('No webhooks yet. Add one below.').waitFor();
    const form = section.getByRole('form', { name: 'Add a webhook' });
    await form.getByLabel('Platform').selectOption({ label: 'Slack' });
    await form.getByLabel('Webhook URL').fill('https://hooks.slack.com/services/T000/B000/secretTOKEN1234');
    await form.getByLabel('A ballot round closes within a day').uncheck();
    await form.getByRole('button', { name: 'Add webhook' }).click();
    const list = section.getByRole('list', { name: 'Webhooks' });
    await list.getByText('https://hooks.slack.com/…/1234').waitFor();
    await list.getByText('Active').waitFor();
    expect(await page.locator('body').innerText()).not.toContain('secretTOKEN');
    const [row] = await t.db.sql<{ events: string[] }[]>`select events from webhooks where board_id = ${boardId}`;
    expect(row.events).not.toContain('round.closing');

    await list.getByRole('button', { name: 'Remove the Slack webhook' }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove this webhook?' });
    await dialog.getByRole('button', { name: 'Remove the webhook' }).click();
    await section.getByText('No webhooks yet. Add one below.').waitFor();
    expect(await t.db.sql`select 1 from webhooks where board_id = ${boardId}`).toHaveLength(0);
  });
});
