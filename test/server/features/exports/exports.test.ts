import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { NOTE_ROOT } from '#shared/protocol/notes.js';
import { noteMarkdown } from '#server/features/notes/notes.service.js';
import { parseBibtex } from '#server/features/papers/importers/bibtex.js';
import { buildTestApp, type TestApp } from '#test/helpers/app.js';
import {
  createBoard,
  createBoardWithMembers,
  signUp,
  type TestUser,
  castVote,
  assignPresenter,
} from '#test/helpers/factories.js';

let t: TestApp;
let owner: TestUser;
let editor: TestUser;
let viewer: TestUser;

beforeAll(async () => {
  t = await buildTestApp();
  owner = await signUp(t.app, 'Owner');
  editor = await signUp(t.app, 'Editor');
  viewer = await signUp(t.app, 'Viewer');
});
afterAll(() => t.close());

const unique = () => crypto.randomBytes(3).toString('hex');

async function addPaper(payload: object): Promise<string> {
  const res = await t.app.inject({ method: 'POST', url: '/api/papers', headers: { cookie: owner.cookie }, payload });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id;
}

/** Rewrites a board's projection (columns, then cards with papers) as the sync server does. */
async function placeColumns(boardId: string, columns: { title: string; paperIds: (string | null)[] }[]) {
  await t.db.sql`delete from board_columns where board_id = ${boardId}`;
  const cardIds: string[][] = [];
  for (const [position, column] of columns.entries()) {
    const columnId = `col-${unique()}`;
    await t.db.sql`
      insert into board_columns (board_id, column_id, title, position)
      values (${boardId}, ${columnId}, ${column.title}, ${position})`;
    const ids: string[] = [];
    for (const [cardPosition, paperId] of column.paperIds.entries()) {
      const cardId = `card-${unique()}`;
      await t.db.sql`
        insert into board_cards (board_id, card_id, raw_paper_id, paper_id, column_id, position, added_by, added_at)
        values (${boardId}, ${cardId}, ${paperId ?? 'missing'}, ${paperId}, ${columnId}, ${cardPosition},
          ${owner.user.id}, now())`;
      ids.push(cardId);
    }
    cardIds.push(ids);
  }
  return cardIds;
}

function exportBoard(boardId: string, format: string, user: TestUser = viewer) {
  return t.app.inject({ url: `/api/boards/${boardId}/export?format=${format}`, headers: { cookie: user.cookie } });
}

/** A small RFC 4180 reader, to check what a spreadsheet would see. */
function readCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  expect(field, 'the file ends with CRLF').toBe('');
  return rows;
}

/** A board with two columns, votes, an assignment and a card whose paper is missing. */
async function fixture() {
  const tag = unique();
  const board = await createBoardWithMembers(t.app, owner, { editor, viewer }, `Reading group ${tag}`);
  const attention = await addPaper({
    title: `Attention is all you need ${tag}`,
    authors: ['Ashish Vaswani', 'Noam Shazeer'],
    arxivId: `1706.${String(crypto.randomInt(10000, 99999))}`,
    publishedAt: '2017-06-12T00:00:00.000Z',
  });
  const tricky = await addPaper({
    title: `Nets, "quotes" & 100% of $x_i^2$ {braces} #1 ~ back\\slash ${tag}`,
    authors: ['Émile Zola', 'Jean-Luc Picard, Jr.'],
    doi: `10.1234/tricky.${tag}`,
    url: `https://example.org/papers/${tag}?a=1&b=2`,
    publishedAt: '2021-03-01T00:00:00.000Z',
  });
  const plain = await addPaper({ title: `Plain title without identifiers ${tag}` });
  const [[attentionCard, trickyCard], [plainCard, missingCard]] = await placeColumns(board.id, [
    { title: 'To read', paperIds: [attention, tricky] },
    { title: 'Done, "really"', paperIds: [plain, null] },
  ]);
  await castVote(t.app, owner, board.id, attentionCard);
  await castVote(t.app, editor, board.id, attentionCard);
  await castVote(t.app, editor, board.id, trickyCard);
  await assignPresenter(t.app, owner, { boardId: board.id, cardId: attentionCard }, viewer, '2030-03-04T17:30:00.000Z');
  return {
    board,
    papers: { attention, tricky, plain },
    cards: { attentionCard, trickyCard, plainCard, missingCard },
  };
}

describe('export', () => {
  it('exports JSON by column, with votes, presenter and session', async () => {
    const f = await fixture();
    const res = await exportBoard(f.board.id, 'json');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const data = res.json();
    expect(data.board).toEqual({ id: f.board.id, name: f.board.name });
    expect(data.columns.map((c: { title: string }) => c.title)).toEqual(['To read', 'Done, "really"']);
    expect(data.columns[0].cards[0]).toMatchObject({
      cardId: f.cards.attentionCard,
      paper: { id: f.papers.attention, authors: ['Ashish Vaswani', 'Noam Shazeer'] },
      votes: { voters: 2, dots: 2 },
      presenter: { id: viewer.user.id, name: 'Viewer' },
      sessionAt: '2030-03-04T17:30:00.000Z',
    });
    expect(data.columns[0].cards[1]).toMatchObject({ votes: { voters: 1, dots: 1 }, presenter: null, sessionAt: null });
    expect(data.columns[1].cards[1]).toMatchObject({ cardId: f.cards.missingCard, paper: null });
  });

  it('carries attendance, the average rating and interest with their counts in JSON, CSV and Markdown', async () => {
    const f = await fixture();
    const feedback = (user: TestUser, cardId: string, payload: object) =>
      t.app.inject({
        method: 'PUT',
        url: `/api/boards/${f.board.id}/cards/${cardId}/feedback`,
        headers: { cookie: user.cookie },
        payload,
      });
    // The tricky paper was presented yesterday; the attention paper's session is still to come.
    await assignPresenter(
      t.app,
      owner,
      { boardId: f.board.id, cardId: f.cards.trickyCard },
      editor,
      new Date(Date.now() - 86_400_000),
    );
    for (const [user, body] of [
      [owner, { attended: true, rating: 4 }],
      [editor, { attended: true, rating: 5 }],
      [viewer, { attended: false }],
    ] as const) {
      const res = await feedback(user, f.cards.trickyCard, body);
      expect(res.statusCode, res.body).toBe(200);
    }
    expect((await feedback(viewer, f.cards.attentionCard, { interest: 3 })).statusCode).toBe(200);
    expect((await feedback(owner, f.cards.attentionCard, { interest: 4 })).statusCode).toBe(200);

    const data = (await exportBoard(f.board.id, 'json')).json();
    const [attention, tricky] = data.columns[0].cards;
    expect(tricky.feedback).toEqual({
      attended: 2,
      rating: { average: 4.5, count: 2 },
      interest: { average: null, count: 0 },
    });
    expect(attention.feedback).toEqual({
      attended: 0,
      rating: { average: null, count: 0 },
      interest: { average: 3.5, count: 2 },
    });
    expect(data.columns[1].cards[0].feedback).toEqual({
      attended: 0,
      rating: { average: null, count: 0 },
      interest: { average: null, count: 0 },
    });

    const rows = readCsv((await exportBoard(f.board.id, 'csv')).body);
    const byCard = (cardId: string) => rows.find((row) => row[11] === cardId)!;
    expect(byCard(f.cards.trickyCard).slice(12)).toEqual(['2', '4.5', '2', '', '0']);
    expect(byCard(f.cards.attentionCard).slice(12)).toEqual(['0', '', '0', '3.5', '2']);
    expect(byCard(f.cards.plainCard).slice(12)).toEqual(['0', '', '0', '', '0']);

    const lines = (await exportBoard(f.board.id, 'markdown')).body.split('\n');
    const trickyLine = lines.find((l) => l.includes('Picard'));
    expect(trickyLine).toContain('2 attended, rated 4.5/5 (2 ratings)');
    expect(lines.find((l) => l.includes('Attention is all you need'))).toContain('interest 3.5/5 (2)');
    expect(lines.find((l) => l.includes('Plain title'))).not.toMatch(/attended|rated|interest/);
  });

  it('neutralises CSV cells that a spreadsheet would run as formulas', async () => {
    const f = await fixture();
    const hostile = [
      '=HYPERLINK("https://evil.example","x")',
      '+cmd|calc',
      '-2+3',
      '@SUM(A1)',
      '\tleading tab',
      '\rreturn',
    ];
    for (const [i, title] of hostile.entries()) {
      await t.db
        .sql`update papers set title = ${title}, title_key = ${`hostile${i}${unique()}`} where id = ${i % 2 === 0 ? f.papers.plain : f.papers.attention}`;
      const rows = readCsv((await exportBoard(f.board.id, 'csv')).body);
      const titles = rows.slice(1).map((row) => row[1]);
      expect(titles, title).toContain(`'${title}`);
      for (const cell of rows.slice(1).flat()) expect(cell, title).not.toMatch(/^[=+@\t\r]/);
    }
  });

  it('exports CSV with commas, quotes and line breaks quoted per RFC 4180', async () => {
    const f = await fixture();
    await t.db.sql`update papers set title = ${'Line one\nline two, "quoted"'} where id = ${f.papers.plain}`;
    const res = await exportBoard(f.board.id, 'csv');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.body).toContain('"Line one\nline two, ""quoted"""');
    const rows = readCsv(res.body);
    expect(rows[0]).toEqual([
      'column',
      'title',
      'authors',
      'year',
      'arxiv_id',
      'doi',
      'url',
      'voters',
      'votes',
      'presenter',
      'session_at',
      'card_id',
      'attended',
      'rating_average',
      'ratings',
      'interest_average',
      'interest_ratings',
    ]);
    expect(rows).toHaveLength(5);
    const [attention, tricky, plain, missing] = rows.slice(1);
    expect(attention.slice(0, 4)).toEqual([
      'To read',
      expect.stringContaining('Attention'),
      'Ashish Vaswani; Noam Shazeer',
      '2017',
    ]);
    expect(attention.slice(7, 11)).toEqual(['2', '2', 'Viewer', '2030-03-04T17:30:00.000Z']);
    expect(tricky[1]).toMatch(/^Nets, "quotes" & 100% of \$x_i\^2\$ \{braces\} #1 ~ back\\slash /);
    expect(tricky[2]).toBe('Émile Zola; Jean-Luc Picard, Jr.');
    expect(plain.slice(0, 2)).toEqual(['Done, "really"', 'Line one\nline two, "quoted"']);
    expect(missing[1]).toBe('');
    expect(missing[11]).toBe(f.cards.missingCard);
  });

  it('exports Markdown headed by column, with votes and presenter', async () => {
    const f = await fixture();
    const res = await exportBoard(f.board.id, 'markdown');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/markdown/);
    const text = res.body;
    expect(text.indexOf('## To read')).toBeGreaterThan(-1);
    expect(text.indexOf('## Done, "really"')).toBeGreaterThan(text.indexOf('## To read'));
    const line = text.split('\n').find((l) => l.includes('Attention is all you need'));
    expect(line).toContain('2 votes');
    expect(line).toContain('presented by Viewer');
    expect(line).toContain('2030-03-04 17:30 UTC');
    expect(line).toContain(`https://arxiv.org/abs/`);
  });

  it('exports BibTeX with arXiv eprints, DOIs and LaTeX specials escaped', async () => {
    const f = await fixture();
    const res = await exportBoard(f.board.id, 'bibtex');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/x-bibtex/);
    const text = res.body;
    expect(text.match(/^@article\{/gm)).toHaveLength(3);
    expect(text).toMatch(/@article\{vaswani2017attention,/);
    expect(text).toContain('author = {Ashish Vaswani and Noam Shazeer}');
    expect(text).toContain('archivePrefix = {arXiv}');
    expect(text).toMatch(/eprint = \{1706\.\d{5}\}/);
    expect(text).toContain('year = {2017}');
    expect(text).toContain(`doi = {10.1234/tricky.`);
    expect(text).toContain(
      '100\\% of \\$x\\_i\\textasciicircum{}2\\$ \\{braces\\} \\#1 \\textasciitilde{} back\\textbackslash{}slash',
    );
    expect(text).toContain('\\&');

    const papers = await Promise.all(
      Object.values(f.papers).map(async (id) => (await t.app.inject(`/api/papers/${id}`)).json()),
    );
    const parsed = parseBibtex(text).lines;
    expect(parsed.filter((l) => 'error' in l)).toEqual([]);
    const drafts = parsed.flatMap((l) => ('draft' in l ? [l.draft] : []));
    for (const paper of papers) {
      const draft = drafts.find((d) => d.title === paper.title);
      expect(draft, paper.title).toBeDefined();
      expect(draft?.authors).toEqual(paper.authors);
      expect(draft?.arxivId ?? null).toBe(paper.arxivId);
      expect(draft?.doi ?? null).toBe(paper.doi);
    }
  });

  it('re-imports its BibTeX as duplicates only: no errors, no new papers', async () => {
    const f = await fixture();
    const text = (await exportBoard(f.board.id, 'bibtex')).body;
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/papers/import',
      headers: { cookie: editor.cookie },
      payload: { text, format: 'bibtex' },
    });
    expect(res.statusCode, res.body).toBe(200);
    const result = res.json();
    expect(result.errors).toEqual([]);
    expect(result.created).toEqual([]);
    expect(result.duplicates.map((d: { existingId: string }) => d.existingId).sort()).toEqual(
      Object.values(f.papers).sort(),
    );
  });

  it('sends the file as an attachment named after the board', async () => {
    const f = await fixture();
    for (const [format, extension] of [
      ['markdown', 'md'],
      ['csv', 'csv'],
      ['bibtex', 'bib'],
      ['json', 'json'],
    ]) {
      const res = await exportBoard(f.board.id, format);
      const slug = f.board.name.toLowerCase().replace(/ /g, '-');
      expect(res.headers['content-disposition']).toBe(`attachment; filename="${slug}.${extension}"`);
    }
  });

  it('refuses an unknown or missing format, naming format', async () => {
    const f = await fixture();
    for (const url of [`/api/boards/${f.board.id}/export?format=pdf`, `/api/boards/${f.board.id}/export`]) {
      const res = await t.app.inject({ url, headers: { cookie: viewer.cookie } });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().message).toContain('format');
    }
  });

  it('exports an empty board', async () => {
    const board = await createBoard(t.app, owner, 'Empty');
    const res = await exportBoard(board.id, 'bibtex', owner);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.body.match(/^@/gm)).toBeNull();
    expect((await exportBoard(board.id, 'csv', owner)).body.split('\r\n')).toHaveLength(2);
  });
});

describe('notes in the exports', () => {
  /** Stores a card's note as its Yjs document's log would hold it. */
  async function storeNote(boardId: string, cardId: string, markdown: string) {
    const doc = new Y.Doc();
    doc.getText(NOTE_ROOT).insert(0, markdown);
    await t.db.sql`
      insert into board_updates (board_id, doc, update)
      values (${boardId}, ${`notes/${cardId}`}, ${Buffer.from(Y.encodeStateAsUpdate(doc))})`;
  }

  it("puts each card's note under it in Markdown, and in JSON", async () => {
    const board = await createBoard(t.app, owner, `Notes ${unique()}`);
    const paper = await addPaper({ title: `Noted paper ${unique()}` });
    const other = await addPaper({ title: `Unnoted paper ${unique()}` });
    const [[noted, unnoted]] = await placeColumns(board.id, [{ title: 'To read', paperIds: [paper, other] }]);
    const note = '## Key ideas\n\n- self-attention\n- $O(n^2)$ cost\n\n```python\nsoftmax(q @ k.T)\n```';
    await storeNote(board.id, noted, note);

    const res = await exportBoard(board.id, 'markdown', owner);
    expect(res.statusCode).toBe(200);
    const indented = note
      .split('\n')
      .map((line) => (line ? `  ${line}` : ''))
      .join('\n');
    expect(res.body).toContain(`\n\n${indented}\n`);
    expect(res.body.indexOf('Key ideas')).toBeGreaterThan(res.body.indexOf('Noted paper'));
    expect(res.body.indexOf('Key ideas')).toBeLessThan(res.body.indexOf('Unnoted paper'));

    const json = (await exportBoard(board.id, 'json', owner)).json();
    const cards = json.columns[0].cards as { cardId: string; note: string | null }[];
    expect(cards.find((c) => c.cardId === noted)?.note).toBe(note);
    expect(cards.find((c) => c.cardId === unnoted)?.note).toBeNull();
    expect(await noteMarkdown(t.db.sql, board.id, noted)).toBe(note);
    expect(await noteMarkdown(t.db.sql, board.id, unnoted)).toBe('');
  });
});
