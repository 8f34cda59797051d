import type { Page } from 'playwright-core';
import { beforeAll, expect, it } from 'vitest';
import { NOTE_ROOT, noteRoom } from '#shared/protocol/notes.js';
import type { TestApp } from '#test/helpers/app.js';
import type { BrowserSessions } from '#test/helpers/browser.js';
import { describeInBrowser, RESULTS_DIR, useBrowserServer } from '#test/helpers/e2e.js';
import {
  addMember,
  assignPresenter,
  createBoard,
  nominatePaper,
  signUp,
  type TestUser,
} from '#test/helpers/factories.js';
import { boardView } from '#shared/protocol/board-doc/view.js';
import { connectClient, waitForDoc } from '#test/helpers/yjs.js';

describeInBrowser("a card's notes, written together", () => {
  const server = useBrowserServer();
  let t: TestApp;
  let tabs: BrowserSessions;
  beforeAll(() => {
    ({ t, tabs } = server);
  });

  const editorOf = (page: Page) => page.locator('#card-notes-editor .cm-content');

  async function openNote(user: TestUser, boardId: string, cardId: string): Promise<Page> {
    const { page } = await tabs.open(`/boards/${boardId}/cards/${cardId}`, { as: user });
    await editorOf(page).waitFor();
    await page.locator('[data-status="saved"]').waitFor();
    return page;
  }

  /** Writes the note on the server's side, as a member's client would, and waits until it is stored. */
  async function seedNote(user: TestUser, boardId: string, cardId: string, text: string) {
    const client = await connectClient(t.app, noteRoom(boardId, cardId), user);
    client.doc.getText(NOTE_ROOT).insert(0, text);
    await waitForDoc(t.app.sync.peek(noteRoom(boardId, cardId))!, (doc) => doc.getText(NOTE_ROOT).length > 0);
    client.provider.destroy();
  }

  /** The note's text as the page shows it, line by line, without the others' caret labels. */
  const noteText = (page: Page) =>
    editorOf(page).evaluate((content) => {
      const copy = content.cloneNode(true) as HTMLElement;
      copy.querySelectorAll('.cm-ySelectionCaret, .cm-widgetBuffer').forEach((node) => node.remove());
      return [...copy.querySelectorAll('.cm-line')].map((line) => line.textContent ?? '').join('\n');
    });

  const serverText = (boardId: string, cardId: string) =>
    t.app.sync.peek(noteRoom(boardId, cardId))?.getText(NOTE_ROOT).toString() ?? '';

  it('ends with the same text in both pages when two members type in the same note at once, no keystroke lost', async () => {
    const alice = await signUp(t.app, 'Alice Notes');
    const bob = await signUp(t.app, 'Bob Notes');
    const board = await createBoard(t.app, alice, 'Notes board');
    await addMember(t.app, alice, board.id, bob, 'editor');
    const cardId = await nominatePaper(t.app, alice, board.id, 'Attention is all you need');
    // Each writes on a line of their own, as people do: two cursors at one spot would interleave letters.
    await seedNote(alice, board.id, cardId, '## Alice\n\n## Bob\n');

    const a = await openNote(alice, board.id, cardId);
    const b = await openNote(bob, board.id, cardId);
    await editorOf(a).click();
    await a.keyboard.press('Control+Home');
    await a.keyboard.press('End');
    await editorOf(b).click();
    await b.keyboard.press('Control+End');

    const aliceWords = ['\nqueries', 'keys', 'values', 'softmax', 'heads', 'residual', 'layernorm', '$QK^T$'];
    const bobWords = ['encoder', 'decoder', 'positional', 'sinusoid', 'dropout', 'warmup', 'BLEU', '`code`'];
    for (let i = 0; i < aliceWords.length; i++) {
      // Both type at the same time, a word each, keystroke by keystroke.
      await Promise.all([
        a.keyboard.type(`${aliceWords[i]} `, { delay: 15 }),
        b.keyboard.type(`${bobWords[i]} `, { delay: 15 }),
      ]);
    }
    const text = (page: Page) => noteText(page);
    await expect.poll(async () => (await text(a)) === (await text(b)) && (await text(a)).includes('BLEU')).toBe(true);
    const final = await text(a);
    for (const word of [...aliceWords.map((w) => w.trim()), ...bobWords]) expect(final).toContain(word);
    // Alice's words stayed under her heading, Bob's under his.
    expect(final.indexOf('softmax')).toBeLessThan(final.indexOf('## Bob'));
    expect(final.indexOf('dropout')).toBeGreaterThan(final.indexOf('## Bob'));
    expect(final).toBe(await text(b));
    await expect.poll(() => serverText(board.id, cardId)).toBe(final);
    // Each sees the other's caret with their name.
    await a.locator('.cm-ySelectionInfo', { hasText: 'Bob Notes' }).waitFor({ state: 'attached' });
    await a.screenshot({ path: `${RESULTS_DIR}/notes-two-writers.png` });
  });

  it('shows a viewer the note, read only', async () => {
    const owner = await signUp(t.app, 'Olga Notes');
    const viewer = await signUp(t.app, 'Victor Viewer');
    const board = await createBoard(t.app, owner, 'Viewer notes board');
    await addMember(t.app, owner, board.id, viewer, 'viewer');
    const cardId = await nominatePaper(t.app, owner, board.id, 'Deep residual learning');
    await seedNote(owner, board.id, cardId, '# Summary\n\n- skip connections\n');

    const page = await openNote(viewer, board.id, cardId);
    await expect.poll(() => noteText(page)).toContain('skip connections');
    expect(await editorOf(page).getAttribute('contenteditable')).toBe('false');
    expect(await page.getByRole('toolbar', { name: 'Format the note' }).count()).toBe(0);
    await page.getByText('Read only: viewers can read').waitFor();
    await editorOf(page).click();
    await page.keyboard.type('vandalism');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await noteText(page)).not.toContain('vandalism');
    expect(serverText(board.id, cardId)).toBe('# Summary\n\n- skip connections\n');
  });

  it('lets the owner publish a note on the public page, where visitors read it as text', async () => {
    const owner = await signUp(t.app, 'Paula Publisher');
    const editor = await signUp(t.app, 'Eddie Editor');
    const board = await createBoard(t.app, owner, 'Public notes board');
    await addMember(t.app, owner, board.id, editor, 'editor');
    const cardId = await nominatePaper(t.app, owner, board.id, 'Mastering the game of Go');
    await assignPresenter(t.app, owner, { boardId: board.id, cardId }, editor, new Date(Date.now() - 86_400_000));
    const columnId = await t.app.sync.read(board.id, (doc) => boardView(doc).columns[0].id);
    const slug = `go-club-${Date.now().toString(36)}`;
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/api/boards/${board.id}`,
      headers: { cookie: owner.cookie },
      payload: { public: { enabled: true, slug, columns: [columnId] } },
    });
    expect(res.statusCode, res.body).toBe(200);
    await seedNote(owner, board.id, cardId, '## What we said\n\n- <b>policy</b> and value nets\n');

    // An editor sees no switch; the owner does.
    const editorPage = await openNote(editor, board.id, cardId);
    expect(await editorPage.getByLabel('Show on the public page').count()).toBe(0);
    const page = await openNote(owner, board.id, cardId);
    const toggle = page.getByLabel('Show on the public page');
    await expect.poll(() => toggle.isEnabled()).toBe(true);
    expect(await toggle.isChecked()).toBe(false);
    const visitor = (await tabs.open(`/p/${slug}`)).page;
    expect(await visitor.locator('.notes').count()).toBe(0);

    await toggle.check();
    await expect.poll(async () => (await t.app.inject({ url: `/p/${slug}` })).body).toContain('What we said');
    await visitor.reload();
    const shown = visitor.locator('.notes');
    await shown.waitFor();
    expect(await shown.innerText()).toContain('- <b>policy</b> and value nets');
    expect(await shown.locator('b').count()).toBe(0);
    // The editor, reopening the card, is told the note is public.
    await editorPage.reload();
    await editorPage.getByText("Shown on the board's public page.").waitFor();

    await toggle.uncheck();
    await expect.poll(async () => (await t.app.inject({ url: `/p/${slug}` })).body).not.toContain('What we said');
    await page.screenshot({ path: `${RESULTS_DIR}/notes-public-toggle.png` });
  });
});
