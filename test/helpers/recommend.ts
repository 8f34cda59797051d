import { expect } from 'vitest';
import type { RecommendationList, BoardSuggestionList } from '#shared/schemas/recommend.js';
import type { Injector, TestUser } from './factories.js';

/** A small library of three topics (robots, diffusion, graphs), by key. */
export const TOPIC_PAPERS: Record<string, { title: string; abstract: string }> = {
  robot1: {
    title: 'Robot grasping with tactile sensing',
    abstract: 'A robot arm grasps objects using tactile sensors.',
  },
  robot2: { title: 'Legged robot locomotion', abstract: 'Quadruped robot locomotion over rough terrain.' },
  robot3: {
    title: 'Robot manipulation from demonstrations',
    abstract: 'Imitation of human demonstrations lets a robot arm manipulate objects.',
  },
  robot4: { title: 'Dexterous robot hands', abstract: 'Tactile feedback for a dexterous robot hand grasping tools.' },
  diff1: { title: 'Diffusion models for image synthesis', abstract: 'Denoising diffusion generates images.' },
  diff2: { title: 'Distilling diffusion samplers', abstract: 'Distillation makes diffusion sampling fast.' },
  diff3: { title: 'Video diffusion with latent denoising', abstract: 'Latent diffusion generates video frames.' },
  graph1: { title: 'Graph neural networks for molecules', abstract: 'Message passing over molecular graphs.' },
  graph2: { title: 'Scaling graph transformers', abstract: 'Attention over large graphs and their edges.' },
  misc1: { title: 'Survey of sorting algorithms', abstract: 'Quicksort and mergesort compared on arrays.' },
};

/** Adds `TOPIC_PAPERS` to the library as `user` (the stored ones when added before); their ids by key. */
export async function addTopicPapers(app: Injector, user: TestUser): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const [key, paper] of Object.entries(TOPIC_PAPERS)) {
    const res = await app.inject({
      method: 'POST',
      url: '/api/papers',
      headers: { cookie: user.cookie },
      payload: paper,
    });
    expect([201, 409], res.body).toContain(res.statusCode);
    ids[key] = res.statusCode === 201 ? res.json().id : res.json().existingId;
  }
  return ids;
}

/** Adds one paper; its id. */
export async function addPaperWith(app: Injector, user: TestUser, paper: { title: string; abstract: string }) {
  const res = await app.inject({
    method: 'POST',
    url: '/api/papers',
    headers: { cookie: user.cookie },
    payload: paper,
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as string;
}

/** The "more like this" routes as `user` (null: anonymous) calls them; `ok` forms fail unless 200. */
export function recommendRequests(app: () => Injector) {
  const headers = (user: TestUser | null): Record<string, string> => (user ? { cookie: user.cookie } : {});
  const recommendations = (user: TestUser | null, boardId: string, query = '') =>
    app().inject({ url: `/api/boards/${boardId}/recommendations${query}`, headers: headers(user) });
  const similar = (user: TestUser | null, paperId: string, query = '') =>
    app().inject({ url: `/api/papers/${paperId}/similar${query}`, headers: headers(user) });
  const suggestions = (user: TestUser | null, boardId: string) =>
    app().inject({ url: `/api/boards/${boardId}/suggestions`, headers: headers(user) });
  return {
    recommendations,
    similar,
    suggestions,
    dismiss: (user: TestUser, boardId: string, paperId: string) =>
      app().inject({ method: 'DELETE', url: `/api/boards/${boardId}/suggestions/${paperId}`, headers: headers(user) }),
    restore: (user: TestUser, boardId: string, paperId: string) =>
      app().inject({
        method: 'POST',
        url: `/api/boards/${boardId}/suggestions/${paperId}/restore`,
        headers: headers(user),
      }),
    async recommended(user: TestUser, boardId: string, query = ''): Promise<RecommendationList> {
      const res = await recommendations(user, boardId, query);
      expect(res.statusCode, res.body).toBe(200);
      return res.json() as RecommendationList;
    },
    async lane(user: TestUser, boardId: string): Promise<BoardSuggestionList> {
      const res = await suggestions(user, boardId);
      expect(res.statusCode, res.body).toBe(200);
      return res.json() as BoardSuggestionList;
    },
  };
}
