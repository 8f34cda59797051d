import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '#test/helpers/app.js';
import { createBoardWithMembers, nominate, signUpCast, type TestUser } from '#test/helpers/factories.js';
import { addPaperWith, addTopicPapers, recommendRequests } from '#test/helpers/recommend.js';
import { connectSocket, joinBoard, nextEvent } from '#test/helpers/socket.js';
import {
  SUGGESTIONS_PER_BOARD,
  suggestNewPapers,
  type RecommendDeps,
} from '#server/features/recommend/recommend.service.js';

let t: TestApp;
let owner: TestUser;
let editor: TestUser;
let viewer: TestUser;
let stranger: TestUser;
let ids: Record<string, string>;

beforeAll(async () => {
  t = await buildTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  ({ owner, editor, viewer, stranger } = await signUpCast(t.app));
  ids = await addTopicPapers(t.app, owner);
});
afterAll(() => t.close());

const { lane, suggestions, dismiss, restore } = recommendRequests(() => t.app);
const deps = (): RecommendDeps => ({
  sql: t.app.sql,
  recommender: t.app.recommender,
  emitToBoard: t.app.emitToBoard.bind(t.app),
});

let serial = 0;
/** A new robot paper (on the robot board's topic), distinct each time. */
const robotPaper = () =>
  addPaperWith(t.app, owner, {
    title: `Robot arm grasping in clutter ${++serial}`,
    abstract: 'A robot arm grasps objects with tactile sensing in cluttered bins.',
  });

async function robotBoard(): Promise<string> {
  const boardId = (await createBoardWithMembers(t.app, owner, { editor, viewer })).id;
  await nominate(t.app, owner, boardId, ids.robot1, ids.robot2);
  return boardId;
}

const laneIds = async (boardId: string) => (await lane(viewer, boardId)).items.map((s) => s.paper.id);

describe('suggesting new papers to boards', () => {
  it('puts a new paper scoring above the threshold in the lane, with reasons, and leaves off-topic ones out', async () => {
    const boardId = await robotBoard();
    const onTopic = await robotPaper();
    const offTopic = await addPaperWith(t.app, owner, {
      title: 'Tax law in medieval guilds',
      abstract: 'Guild ledgers record taxes paid by merchants.',
    });
    // Shares one word with the board: ranked among its recommendations, but far below the threshold.
    const weak = await addPaperWith(t.app, owner, {
      title: 'Ledgers of medieval guilds',
      abstract: 'Merchants listed the objects they sold, and the taxes paid, in ledgers.',
    });
    const recommended = await recommendRequests(() => t.app).recommended(owner, boardId, '?limit=50');
    expect(recommended.items.map((i) => i.paper.id)).toContain(weak);
    const result = await suggestNewPapers(deps(), [onTopic, offTopic, weak]);
    expect(result).toContainEqual({ boardId, paperIds: [onTopic] });
    const { items } = await lane(viewer, boardId);
    expect(items.map((s) => s.paper.id)).toEqual([onTopic]);
    expect(items[0].reasons).toContain('robot');
    expect(items[0].score).toBeGreaterThan(0);
  });

  it(`suggests at most ${SUGGESTIONS_PER_BOARD} papers per board per call, never one on the board`, async () => {
    const boardId = await robotBoard();
    const fresh = [];
    for (let i = 0; i < SUGGESTIONS_PER_BOARD + 2; i++) fresh.push(await robotPaper());
    await suggestNewPapers(deps(), [...fresh, ids.robot1]);
    const shown = await laneIds(boardId);
    expect(shown).toHaveLength(SUGGESTIONS_PER_BOARD);
    expect(shown).not.toContain(ids.robot1);
  });

  it('leaves boards without papers alone', async () => {
    const empty = (await createBoardWithMembers(t.app, owner, {})).id;
    await suggestNewPapers(deps(), [await robotPaper()]);
    expect((await lane(owner, empty)).items).toEqual([]);
  });

  it('lets editors dismiss a suggestion, which stays dismissed on later calls, and Undo bring it back', async () => {
    const boardId = await robotBoard();
    const paperId = await robotPaper();
    await suggestNewPapers(deps(), [paperId]);
    expect(await laneIds(boardId)).toEqual([paperId]);

    expect((await dismiss(editor, boardId, paperId)).statusCode).toBe(204);
    expect(await laneIds(boardId)).toEqual([]);
    await suggestNewPapers(deps(), [paperId]);
    expect(await laneIds(boardId)).toEqual([]);
    expect((await dismiss(editor, boardId, paperId)).statusCode).toBe(404);

    expect((await restore(owner, boardId, paperId)).statusCode).toBe(204);
    expect(await laneIds(boardId)).toEqual([paperId]);
    expect((await restore(owner, boardId, paperId)).statusCode).toBe(404);
  });

  it('refuses dismissals by viewers (403) and strangers (404); viewers read the lane, strangers do not', async () => {
    const boardId = await robotBoard();
    const paperId = await robotPaper();
    await suggestNewPapers(deps(), [paperId]);
    expect((await dismiss(viewer, boardId, paperId)).statusCode).toBe(403);
    expect((await dismiss(stranger, boardId, paperId)).statusCode).toBe(404);
    expect((await restore(viewer, boardId, paperId)).statusCode).toBe(403);
    expect((await suggestions(stranger, boardId)).statusCode).toBe(404);
    expect(await laneIds(boardId)).toEqual([paperId]);
  });

  it('takes a nominated paper out of the lane at once', async () => {
    const boardId = await robotBoard();
    const paperId = await robotPaper();
    await suggestNewPapers(deps(), [paperId]);
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/boards/${boardId}/cards`,
      headers: { cookie: editor.cookie },
      payload: { paperId },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(await laneIds(boardId)).toEqual([]);
  });

  it("tells the board's other members over socket.io when the lane changes", async () => {
    const boardId = await robotBoard();
    const socket = await connectSocket(t.app, viewer);
    try {
      expect(await joinBoard(socket, boardId)).toEqual({ ok: true });
      const paperId = await robotPaper();
      const added = nextEvent(socket, 'suggestions:changed', (p) => p.boardId === boardId);
      await suggestNewPapers(deps(), [paperId]);
      expect(await added).toEqual({ boardId });
      const dismissed = nextEvent(socket, 'suggestions:changed', (p) => p.boardId === boardId);
      expect((await dismiss(editor, boardId, paperId)).statusCode).toBe(204);
      expect(await dismissed).toEqual({ boardId });
    } finally {
      socket.close();
    }
  });
});
