import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '#test/helpers/app.js';
import { createBoardWithMembers, nominate, signUpCast, type TestUser } from '#test/helpers/factories.js';
import { feedFixture, startFakeFeeds, type FakeFeeds } from '#test/helpers/fake-feeds.js';
import { adminSecret } from '#server/db/admin-secret.js';
import type { BoardSuggestionList } from '#shared/schemas/recommend.js';

// The daily feed job hands the papers a run brought to the Suggested lanes (app.onNewPapers): a board
// about sparse experts and long contexts gets the feed's paper on that topic, not the others.

let t: TestApp;
let feeds: FakeFeeds;
let owner: TestUser;

beforeAll(async () => {
  feeds = await startFakeFeeds();
  t = await buildTestApp();
  t.config.feeds = { ...t.config.feeds, hfPapersApiUrl: `${feeds.url}/hf/daily_papers` };
  ({ owner } = await signUpCast(t.app));
});
afterAll(async () => {
  await t.close();
  await feeds.close();
});

async function paper(title: string, abstract: string): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/papers',
    headers: { cookie: owner.cookie },
    payload: { title, abstract },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id;
}

it('puts the papers of a feed run that fit a board into its Suggested lane', async () => {
  const { id: boardId } = await createBoardWithMembers(t.app, owner, {});
  const onTopic = [
    await paper('Sparse mixture of experts for long context', 'Experts routed sparsely over long contexts.'),
    await paper('Retrieval over million token contexts', 'Long context retrieval with sparse routing.'),
  ];
  await paper('Protein folding with graph networks', 'Graph networks predict protein structure.');
  await nominate(t.app, owner, boardId, ...onTopic);

  feeds.hfDays.set('2026-12-05', feedFixture('hf-daily.json'));
  const ran = await t.app.inject({
    method: 'POST',
    url: '/api/feeds/run',
    headers: { authorization: `Bearer ${adminSecret(t.config.dataDir)}` },
    payload: { feed: 'hf-daily', day: '2026-12-05' },
  });
  expect(ran.statusCode, ran.body).toBe(200);
  expect(ran.json().created).toBeGreaterThan(0);

  const lane = await t.app.inject({ url: `/api/boards/${boardId}/suggestions`, headers: { cookie: owner.cookie } });
  expect(lane.statusCode, lane.body).toBe(200);
  const titles = (lane.json() as BoardSuggestionList).items.map((item) => item.paper.title);
  expect(titles).toContain('Sparse Mixtures for Long Context Retrieval');
  expect(titles).not.toContain('Diffusion Policies Without Tears');
});
