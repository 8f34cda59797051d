import crypto from 'node:crypto';
import type { Locator, Page } from 'playwright-core';
import { beforeAll, expect, it } from 'vitest';
import type { BoardDetail } from '#shared/schemas/boards.js';
import { seedDemoAccount, type DemoCredentials } from '#server/bootstrap/demo.js';
import { seedDemo } from '#server/bootstrap/seed.js';
import type { TestApp } from '#test/helpers/app.js';
import { describeInBrowser, RESULTS_DIR, useBrowserServer } from '#test/helpers/e2e.js';
import { BrowserSessions } from '#test/helpers/browser.js';
import { addMember, createBoard, signUp, type TestUser } from '#test/helpers/factories.js';

const PASSWORD = 'a long enough password';

describeInBrowser('accounts, boards and invitations in the browser', () => {
  let demo: DemoCredentials;
  const server = useBrowserServer({
    config: { seedDemo: true },
    prepare: async (t) => {
      await seedDemo(t.db.sql, t.config);
      const credentials = await seedDemoAccount(t.db.sql, t.config);
      if (!credentials) throw new Error('the demo account was not created');
      demo = credentials;
    },
  });
  let t: TestApp;
  let baseUrl: string;
  let tabs: BrowserSessions;
  beforeAll(() => {
    ({ t, baseUrl, tabs } = server);
  });

  const uniqueEmail = (name: string) =>
    `${name.toLowerCase().replace(/\W+/g, '.')}.${crypto.randomBytes(4).toString('hex')}@example.org`;
  const isFocused = (locator: Locator) => locator.evaluate((el) => el === document.activeElement);
  const header = (page: Page) => page.locator('header.app-header');
  const membersList = (page: Page) => page.getByRole('list', { name: 'Members' });
  const memberRow = (page: Page, name: string) => membersList(page).getByRole('listitem').filter({ hasText: name });

  async function boardDetail(user: TestUser, boardId: string): Promise<BoardDetail> {
    const res = await t.app.inject({ url: `/api/boards/${boardId}`, headers: { cookie: user.cookie } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  }

  async function fillSignup(page: Page, name: string, email: string, password: string) {
    await page.getByLabel('Name').fill(name);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByLabel('Password').press('Enter');
  }

  it('shows the demo credentials on the login page, and "Use demo account" signs in to the demo board', async () => {
    const { page } = await tabs.open('/login');
    const demoBox = page.getByRole('complementary', { name: 'Demo account' });
    await demoBox.waitFor();
    expect(await demoBox.innerText()).toContain(demo.email);
    expect(await demoBox.innerText()).toContain(demo.password);
    expect(await isFocused(page.getByLabel('Email'))).toBe(true);
    await page.screenshot({ path: `${RESULTS_DIR}login.png` });

    await demoBox.getByRole('button', { name: 'Use demo account' }).click();
    await page.waitForURL(`${baseUrl}/boards`);
    await page.getByRole('link', { name: 'Demo reading group' }).waitFor();
    expect(await header(page).getByRole('button', { name: 'Demo Reader' }).isVisible()).toBe(true);
  });

  it('says that the email or password is incorrect after a wrong password', async () => {
    const { page } = await tabs.open('/login', { expectedConsoleErrors: /status of 401/ });
    await page.getByLabel('Email').fill(demo.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByLabel('Password').press('Enter');
    const alert = page.getByRole('alert');
    await alert.filter({ hasText: /email or password is incorrect/i }).waitFor();
    expect(page.url()).toBe(`${baseUrl}/login`);
    expect(await page.getByRole('button', { name: 'Sign in' }).isEnabled()).toBe(true);
  });

  it('stays on this site after signing in, whatever another site put in ?next=', async () => {
    const user = await signUp(t.app, 'Nora Next');
    for (const hostile of ['/%09/evil.example/phish', '/%5Cevil.example/phish', '//evil.example/phish']) {
      const { page } = await tabs.open(`/login?next=${hostile}`);
      await page.getByLabel('Email').fill(user.user.email);
      await page.getByLabel('Password').fill(user.password);
      await page.getByLabel('Password').press('Enter');
      await page.waitForURL(`${baseUrl}/boards`);
      expect(new URL(page.url()).origin, hostile).toBe(baseUrl);
      await page.close();
    }
    // A path of this site is still where the sign-in leads.
    const { page } = await tabs.open('/login?next=%2Fsettings');
    await page.getByLabel('Email').fill(user.user.email);
    await page.getByLabel('Password').fill(user.password);
    await page.getByLabel('Password').press('Enter');
    await page.waitForURL(`${baseUrl}/settings`);
  });

  it('signs a new user up, explaining a too-short password first, and shows their empty boards list', async () => {
    const { page } = await tabs.open('/signup');
    expect(await isFocused(page.getByLabel('Name'))).toBe(true);
    await fillSignup(page, 'Nadia New', uniqueEmail('Nadia New'), 'short');
    await page.getByRole('alert').filter({ hasText: 'Use at least 10 characters' }).waitFor();
    expect(page.url()).toBe(`${baseUrl}/signup`);

    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByLabel('Password').press('Enter');
    await page.waitForURL(`${baseUrl}/boards`);
    await page.getByText('No boards yet').waitFor();
    expect(await page.getByRole('button', { name: 'Create a board' }).isVisible()).toBe(true);
    expect(await header(page).getByRole('button', { name: 'Nadia New' }).isVisible()).toBe(true);
  });

  it('creates a board from the empty boards list, opens it at once, and lists it', async () => {
    const owner = await signUp(t.app, 'Olga Owner');
    const { page } = await tabs.open('/boards', { as: owner });
    await page.getByRole('button', { name: 'Create a board' }).click();
    const name = page.getByLabel('Name');
    expect(await isFocused(name)).toBe(true);
    await name.fill('Thursday papers');
    await page.getByLabel('Description').fill('Efficient transformers, one paper a week.');
    await name.press('Enter');

    // The new board opens: it is there to be filled.
    await page.waitForURL(/\/boards\/[0-9a-f-]{36}$/);
    await page.getByRole('heading', { name: 'Thursday papers' }).waitFor();
    await page.getByText('No papers on this board yet').waitFor();
    const res = await t.app.inject({ url: '/api/boards', headers: { cookie: owner.cookie } });
    expect(res.json().map((b: { id: string; name: string }) => [b.id, b.name])).toEqual([
      [page.url().split('/').pop(), 'Thursday papers'],
    ]);

    await page.goBack();
    const link = page.getByRole('link', { name: 'Thursday papers' });
    const row = page.getByRole('list', { name: 'Your boards' }).getByRole('listitem').filter({ has: link });
    await row.waitFor();
    expect(await row.innerText()).toMatch(/Owner[\s\S]*1 member/);
    await page.screenshot({ path: `${RESULTS_DIR}boards.png` });
  });

  it('copies a new editor invite link that another user opens, signs up through and accepts', async () => {
    const owner = await signUp(t.app, 'Irene Inviter');
    const board = await createBoard(t.app, owner, 'Vision reading group');
    const ownerTab = await tabs.open(`/boards/${board.id}`, { as: owner });
    const sections = ownerTab.page.getByRole('navigation', { name: 'Board sections' });
    await sections.getByRole('link', { name: /^Members/ }).click();
    await ownerTab.page.waitForURL(`${baseUrl}/boards/${board.id}/members`);
    await memberRow(ownerTab.page, 'Irene Inviter').waitFor();

    const invites = ownerTab.page.getByRole('region', { name: 'Invite links' });
    expect(await invites.getByLabel('Role').inputValue()).toBe('editor');
    await invites.getByRole('button', { name: 'Create invite link' }).click();
    const linkField = invites.getByRole('textbox', { name: 'New invite link' });
    await linkField.waitFor();
    await invites.getByRole('button', { name: 'Copy' }).click();
    await invites.getByText('Copied to the clipboard.').waitFor();
    const link = await ownerTab.page.evaluate(() => navigator.clipboard.readText());
    expect(link).toMatch(new RegExp(`^${baseUrl}/invite/[A-Za-z0-9_-]{16,}$`));
    expect(await linkField.inputValue()).toBe(link);
    const inviteList = invites.getByRole('list', { name: 'Invite links' });
    expect(await inviteList.innerText()).toMatch(/Editor[\s\S]*Expires in 14 days[\s\S]*0 uses/);

    // Another person, signed out, opens the link: sign-up first, then back to the invitation.
    const guest = await tabs.open(new URL(link).pathname, { expectedConsoleErrors: /status of 401/ });
    const { page } = guest;
    await page.waitForURL(`${baseUrl}/login?next=${encodeURIComponent(new URL(link).pathname)}`);
    expect(await page.getByText('to accept your invitation').isVisible()).toBe(true);
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.waitForURL(/\/signup\?next=/);
    await fillSignup(page, 'Greta Guest', uniqueEmail('Greta Guest'), PASSWORD);
    await page.waitForURL(link);
    await page.getByRole('heading', { name: 'Join Vision reading group as an editor' }).waitFor();
    await page.getByText('Irene Inviter invited you to this reading board.').waitFor();
    expect(await isFocused(page.getByRole('button', { name: 'Accept invitation' }))).toBe(true);
    await page.screenshot({ path: `${RESULTS_DIR}invite.png` });
    await page.getByRole('button', { name: 'Accept invitation' }).click();
    await page.waitForURL(`${baseUrl}/boards/${board.id}`);
    await page.getByRole('heading', { name: 'Vision reading group' }).waitFor();
    expect(await page.getByText('Your role:').innerText()).toBe('Your role: Editor');
    await page.screenshot({ path: `${RESULTS_DIR}board.png` });

    await ownerTab.page.reload();
    await memberRow(ownerTab.page, 'Greta Guest').waitFor();
    expect(await ownerTab.page.getByRole('combobox', { name: 'Role of Greta Guest' }).inputValue()).toBe('editor');
    expect(await ownerTab.page.getByRole('list', { name: 'Invite links' }).innerText()).toContain('1 use');
  });

  it("changes a member's role from editor to viewer", async () => {
    const owner = await signUp(t.app, 'Omar Owner');
    const member = await signUp(t.app, 'Mia Member');
    const board = await createBoard(t.app, owner, 'Robotics journal club');
    await addMember(t.app, owner, board.id, member, 'editor');

    const { page } = await tabs.open(`/boards/${board.id}/members`, { as: owner });
    const role = page.getByRole('combobox', { name: 'Role of Mia Member' });
    expect(await role.inputValue()).toBe('editor');
    await role.selectOption('viewer');
    await page.getByRole('status').filter({ hasText: 'Mia Member is now viewer.' }).waitFor({ state: 'attached' });
    const detail = await boardDetail(owner, board.id);
    expect(detail.members.find((m) => m.userId === member.user.id)?.role).toBe('viewer');
    await page.screenshot({ path: `${RESULTS_DIR}members.png`, fullPage: true });
  });

  it('shows the server’s message when the last owner tries to demote themselves', async () => {
    const owner = await signUp(t.app, 'Lone Owner');
    const board = await createBoard(t.app, owner, 'Solo board');
    const { page } = await tabs.open(`/boards/${board.id}/members`, {
      as: owner,
      expectedConsoleErrors: /status of 409/,
    });
    const role = page.getByRole('combobox', { name: 'Role of Lone Owner' });
    await role.selectOption('editor');
    await page
      .getByRole('alert')
      .filter({ hasText: 'The last owner cannot be demoted; make someone else owner first.' })
      .waitFor();
    expect(await role.inputValue()).toBe('owner');
    expect((await boardDetail(owner, board.id)).board.role).toBe('owner');
  });

  it('revokes an invite link', async () => {
    const owner = await signUp(t.app, 'Rita Revoker');
    const board = await createBoard(t.app, owner, 'Revocations');
    const created = await t.app.inject({
      method: 'POST',
      url: `/api/boards/${board.id}/invites`,
      headers: { cookie: owner.cookie },
      payload: { role: 'viewer', maxUses: 5 },
    });
    expect(created.statusCode).toBe(201);

    const { page } = await tabs.open(`/boards/${board.id}/members`, { as: owner });
    const invite = page.getByRole('list', { name: 'Invite links' }).getByRole('listitem');
    expect(await invite.innerText()).toMatch(/Viewer[\s\S]*0 of 5 uses/);
    await invite.getByRole('button', { name: /^Revoke the viewer invite/ }).click();
    await invite.getByText('Revoked').waitFor();
    const accept = await t.app.inject({
      method: 'POST',
      url: `/api/invites/${created.json().token}/accept`,
      headers: { cookie: (await signUp(t.app)).cookie },
    });
    expect(accept.json().error).toBe('invite_revoked');

    // The link says so before anyone clicks, and tells nothing more about the board.
    const guest = await tabs.open(`/invite/${created.json().token}`, {
      as: await signUp(t.app),
      expectedConsoleErrors: /status of 410/,
    });
    await guest.page.getByRole('alert').getByText('This invitation was withdrawn').waitFor();
    expect(await guest.page.getByRole('button', { name: 'Accept invitation' }).count()).toBe(0);
    expect(await guest.page.locator('body').innerText()).not.toContain('Revocations');
  });

  it('shows a used-up link as used up, and an existing member "Open board" instead of joining', async () => {
    const owner = await signUp(t.app, 'Uma Owner');
    const member = await signUp(t.app, 'Mo Member');
    const board = await createBoard(t.app, owner, 'Already in');
    await addMember(t.app, owner, board.id, member, 'editor');
    const link = async (maxUses?: number) =>
      (
        await t.app.inject({
          method: 'POST',
          url: `/api/boards/${board.id}/invites`,
          headers: { cookie: owner.cookie },
          payload: { role: 'viewer', ...(maxUses ? { maxUses } : {}) },
        })
      ).json().token as string;

    const open = await tabs.open(`/invite/${await link()}`, { as: member });
    await open.page.getByText('You are a member already').waitFor();
    const button = open.page.getByRole('link', { name: 'Open board' });
    expect(await isFocused(button)).toBe(true);
    expect(await open.page.getByRole('button', { name: 'Accept invitation' }).count()).toBe(0);
    await button.click();
    await open.page.waitForURL(`${baseUrl}/boards/${board.id}`);

    const once = await link(1);
    const first = await t.app.inject({
      method: 'POST',
      url: `/api/invites/${once}/accept`,
      headers: { cookie: (await signUp(t.app)).cookie },
    });
    expect(first.statusCode).toBe(200);
    const late = await tabs.open(`/invite/${once}`, {
      as: await signUp(t.app),
      expectedConsoleErrors: /status of 410/,
    });
    await late.page.getByRole('alert').getByText('This invitation has been used up').waitFor();
  });

  it('lets a viewer leave a board, without showing them owner controls', async () => {
    const owner = await signUp(t.app, 'Paula Owner');
    const viewer = await signUp(t.app, 'Victor Viewer');
    const board = await createBoard(t.app, owner, 'Leaving soon');
    await addMember(t.app, owner, board.id, viewer, 'viewer');

    const { page } = await tabs.open(`/boards/${board.id}/members`, { as: viewer });
    await memberRow(page, 'Paula Owner').waitFor();
    expect(await page.getByRole('combobox').count()).toBe(0);
    expect(await page.getByRole('region', { name: 'Invite links' }).count()).toBe(0);
    expect(await memberRow(page, 'Victor Viewer').innerText()).toContain('Viewer');

    await page.getByRole('button', { name: 'Leave board' }).click();
    await page.getByRole('button', { name: 'Yes, leave' }).click();
    await page.waitForURL(`${baseUrl}/boards`);
    await page.getByText('No boards yet').waitFor();
    expect((await boardDetail(owner, board.id)).members.map((m) => m.name)).toEqual(['Paula Owner']);
  });

  it('saves the daily digest from the settings screen, starting from the browser time zone', async () => {
    const user = await signUp(t.app, 'Dora Digest');
    const { page } = await tabs.open('/settings', { as: user, timezoneId: 'Pacific/Auckland' });
    const digest = page.getByRole('form', { name: 'Daily digest' });
    await digest.getByLabel('Send me the daily digest').waitFor();
    expect(await digest.getByLabel('Time zone').inputValue()).toBe('Pacific/Auckland');
    await digest.getByLabel('Send me the daily digest').check();
    await digest.getByLabel('At').selectOption('7');
    await digest.getByRole('button', { name: 'Save digest settings' }).click();
    await digest.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    const saved = await t.app.inject({ url: '/api/me/digest', headers: { cookie: user.cookie } });
    expect(saved.json()).toMatchObject({ enabled: true, hour: 7, timeZone: 'Pacific/Auckland' });
  });

  it('asks for a password reset link from the login page and answers the same for any address', async () => {
    const { page } = await tabs.open('/login');
    await page.getByRole('link', { name: 'Forgot password?' }).click();
    await page.waitForURL(`${baseUrl}/forgot`);
    await page.getByLabel('Email').fill(uniqueEmail('Nobody Known'));
    await page.getByLabel('Email').press('Enter');
    await page.getByRole('status').filter({ hasText: 'a link to choose a new password is on its way' }).waitFor();
  });

  it('logs out to the signed-out header, after which /api/me answers 401', async () => {
    const user = await signUp(t.app, 'Lou Logout');
    const { page } = await tabs.open('/login');
    await page.getByLabel('Email').fill(user.user.email);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${baseUrl}/boards`);

    await header(page).getByRole('button', { name: 'Lou Logout' }).click();
    await header(page).getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(`${baseUrl}/`);
    await header(page).getByRole('link', { name: 'Sign in' }).waitFor();
    expect(await header(page).getByRole('button', { name: 'Lou Logout' }).count()).toBe(0);
    expect((await page.request.get(`${baseUrl}/api/me`)).status()).toBe(401);

    // Boards now need signing in again.
    await header(page).getByRole('link', { name: 'Boards' }).click();
    await page.waitForURL(`${baseUrl}/login`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  });

  it('changes the name and the password in settings', async () => {
    const user = await signUp(t.app, 'Sam Settings');
    const { page } = await tabs.open('/settings', { as: user, expectedConsoleErrors: /status of 400/ });
    const name = page.getByLabel('Name');
    expect(await isFocused(name)).toBe(true);
    await name.fill('Samira Settings');
    await name.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await header(page).getByRole('button', { name: 'Samira Settings' }).waitFor();

    await page.getByLabel('Current password').fill('not my password');
    await page.getByLabel('New password').fill('a brand new password');
    await page.getByLabel('New password').press('Enter');
    await page.getByRole('alert').filter({ hasText: 'The current password is not correct.' }).waitFor();
    await page.getByLabel('Current password').fill(user.password);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('status').filter({ hasText: 'Password changed.' }).waitFor();
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: user.user.email, password: 'a brand new password' },
    });
    expect(login.statusCode).toBe(200);
  });

  it('offers a signed-out visitor "Sign in to import" before any pasting, returning to the library', async () => {
    const user = await signUp(t.app, 'Ivan Importer');
    const { page } = await tabs.open('/');
    await page.getByRole('link', { name: 'Sign in to import' }).click();
    await page.waitForURL(`${baseUrl}/login?next=%2F`);
    await page.getByLabel('Email').fill(user.user.email);
    await page.getByLabel('Password').fill(user.password);
    await page.getByLabel('Password').press('Enter');
    await page.waitForURL(`${baseUrl}/`);
    await header(page).getByRole('button', { name: 'Ivan Importer' }).waitFor();
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByRole('dialog', { name: 'Import papers' }).waitFor();
  });

  it('fits a 360 px wide screen (screenshots in test-results/)', async () => {
    const owner = await signUp(t.app, 'Narrow Screen Owner');
    const member = await signUp(t.app, 'Member With A Rather Long Name');
    const board = await createBoard(t.app, owner, 'A board whose name is long enough to wrap on a phone');
    await addMember(t.app, owner, board.id, member, 'editor');
    const fits = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth);

    const login = await tabs.open('/login', { width: 360 });
    await login.page.getByRole('complementary', { name: 'Demo account' }).waitFor();
    expect(await fits(login.page)).toBeLessThanOrEqual(360);
    await login.page.screenshot({ path: `${RESULTS_DIR}login-360.png`, fullPage: true });

    const boards = await tabs.open('/boards', { as: owner, width: 360 });
    await boards.page.getByRole('link', { name: board.name }).waitFor();
    expect(await fits(boards.page)).toBeLessThanOrEqual(360);
    await boards.page.screenshot({ path: `${RESULTS_DIR}boards-360.png`, fullPage: true });

    const members = await tabs.open(`/boards/${board.id}/members`, { as: owner, width: 360 });
    await memberRow(members.page, 'Member With A Rather Long Name').waitFor();
    // Viewport shots: a full-page one would paint the sticky header halfway down.
    await members.page.screenshot({ path: `${RESULTS_DIR}members-360.png` });
    await members.page.getByRole('button', { name: 'Create invite link' }).click();
    await members.page.getByRole('textbox', { name: 'New invite link' }).waitFor();
    expect(await fits(members.page)).toBeLessThanOrEqual(360);
    await members.page.screenshot({ path: `${RESULTS_DIR}members-invite-360.png` });

    const dark = await tabs.open(`/boards/${board.id}/members`, { as: owner, dark: true });
    await memberRow(dark.page, 'Member With A Rather Long Name').waitFor();
    await dark.page.screenshot({ path: `${RESULTS_DIR}members-dark.png` });
  });
});
