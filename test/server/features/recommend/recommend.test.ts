import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '#test/helpers/app.js';
import { castVote, createBoardWithMembers, nominate, signUpCast, type TestUser } from '#test/helpers/factories.js';
import { addPaperWith, addTopicPapers, recommendRequests } from '#test/helpers/recommend.js';

let t: TestApp;
let owner: TestUser;
let editor: TestUser;
let viewer: TestUser;
let stranger: TestUser;
let ids: Record<string, string>;

beforeAll(async () => {
  t = await buildTestApp();
  ({ owner, editor, viewer, stranger } = await signUpCast(t.app));
  ids = await addTopicPapers(t.app, owner);
});
afterAll(() => t.close());

const { recommendations, recommended, similar } = recommendRequests(() => t.app);

async function boardWith(...keys: string[]): Promise<{ boardId: string; cards: string[] }> {
  const boardId = (await createBoardWithMembers(t.app, owner, { editor, viewer })).id;
  const cards = await nominate(t.app, owner, boardId, ...keys.map((k) => ids[k]));
  return { boardId, cards };
}

const keyOf = (id: string) => Object.entries(ids).find(([, v]) => v === id)?.[0];

describe('board recommendations', () => {
  it("ranks the library papers like the board's first, leaves out papers on the board, and says why", async () => {
    const { boardId } = await boardWith('robot1', 'robot2');
    const { items } = await recommended(viewer, boardId);
    const keys = items.map((i) => keyOf(i.paper.id));
    expect(keys.slice(0, 2).sort()).toEqual(['robot3', 'robot4']);
    expect(keys).not.toContain('robot1');
    expect(keys).not.toContain('robot2');
    expect(items[0].reasons).toContain('robot');
    expect(items[0].paper).toMatchObject({ title: expect.any(String), abstract: expect.any(String), authors: [] });
    expect(items.map((i) => i.score)).toEqual([...items.map((i) => i.score)].sort((a, b) => b - a));
  });

  it('follows the votes: the voted paper of a mixed board leads the list', async () => {
    for (const [voted, expected] of [
      [1, /^diff/],
      [0, /^robot/],
    ] as const) {
      const { boardId, cards } = await boardWith('robot1', 'diff1');
      await castVote(t.app, owner, boardId, cards[voted]);
      await castVote(t.app, editor, boardId, cards[voted]);
      const { items } = await recommended(owner, boardId, '?limit=1');
      expect(keyOf(items[0].paper.id)).toMatch(expected);
    }
  });

  it('finds papers imported after the first ranking', async () => {
    const { boardId } = await boardWith('graph1', 'graph2');
    await recommended(owner, boardId);
    const late = await addPaperWith(t.app, owner, {
      title: 'Graph attention for molecular graphs',
      abstract: 'Graph networks over molecules.',
    });
    await expect
      .poll(async () => (await recommended(owner, boardId, '?limit=3')).items.map((i) => i.paper.id), {
        timeout: 5000,
        interval: 200,
      })
      .toContain(late);
  });

  it('takes limit 1–50 and refuses anything else naming querystring/limit', async () => {
    const { boardId } = await boardWith('robot1');
    expect((await recommended(owner, boardId, '?limit=2')).items).toHaveLength(2);
    for (const bad of ['0', '51', 'x']) {
      const res = await recommendations(owner, boardId, `?limit=${bad}`);
      expect(res.statusCode).toBe(400);
      expect(res.json().message).toContain('querystring/limit');
    }
  });

  it('answers members only: 404 for a stranger and an unknown board, 401 signed out', async () => {
    const { boardId } = await boardWith('robot1');
    expect((await recommendations(stranger, boardId)).statusCode).toBe(404);
    expect((await recommendations(owner, '00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    expect((await recommendations(null, boardId)).statusCode).toBe(401);
    expect((await recommendations(owner, 'not-a-uuid')).statusCode).toBe(400);
  });

  it('gives an empty list for a board without papers', async () => {
    const boardId = (await createBoardWithMembers(t.app, owner, {})).id;
    expect((await recommended(owner, boardId)).items).toEqual([]);
  });
});

describe('similar papers', () => {
  it('lists the papers like one paper, not itself, for anyone who may read the library', async () => {
    const res = await similar(null, ids.diff1, '?limit=2');
    expect(res.statusCode, res.body).toBe(200);
    const items = res.json().items as { paper: { id: string }; reasons: string[] }[];
    expect(items.map((i) => keyOf(i.paper.id)).sort()).toEqual(['diff2', 'diff3']);
    expect(items[0].reasons).toContain('diffusion');
  });

  it('answers 404 for an unknown paper and 400 for a bad limit', async () => {
    expect((await similar(owner, '00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    const res = await similar(owner, ids.diff1, '?limit=100');
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toContain('querystring/limit');
  });
});
