import { describe, expect, it } from 'vitest';
import { PaperIndex, type IndexedPaper } from '#server/features/recommend/paper-index.js';
import { rankSimilar, SHORTLIST_ABOVE, type Seed } from '#server/features/recommend/scorer.js';
import { stem, words } from '#server/features/recommend/text.js';

const LIBRARY: IndexedPaper[] = [
  { id: 'd1', title: 'Diffusion models for image synthesis', abstract: 'Denoising diffusion with distillation.' },
  { id: 'd2', title: 'Faster diffusion sampling', abstract: 'We distill a diffusion sampler into fewer steps.' },
  { id: 'd3', title: 'Consistency distillation of diffusion models', abstract: 'Distillation makes diffusion fast.' },
  { id: 'd4', title: 'Latent diffusion for video', abstract: 'Video generation with latent diffusion.' },
  { id: 'r1', title: 'Reinforcement learning for robot grasping', abstract: 'A robot learns to grasp objects.' },
  { id: 'r2', title: 'Robot locomotion with policies', abstract: 'Policies trained in simulation walk.' },
  { id: 'r3', title: 'Sim-to-real transfer for robot arms', abstract: 'Robot arms grasp after transfer.' },
  { id: 'g1', title: 'Graph neural networks for molecules', abstract: 'Message passing on molecular graphs.' },
  { id: 'g2', title: 'Scaling graph transformers', abstract: 'Transformers on large graphs.' },
];

function indexOf(papers: IndexedPaper[] = LIBRARY): PaperIndex {
  const index = new PaperIndex();
  index.add(papers);
  return index;
}

const seedsFor = (index: PaperIndex, ...ids: string[]): Seed[] =>
  ids.map((id) => ({ doc: index.indexOf(id)!, weight: 1 }));

function rank(index: PaperIndex, seeds: Seed[], limit = 10) {
  return rankSimilar(index, seeds, { limit, exclude: new Set(seeds.map((s) => s.doc)) });
}

describe('the words a paper is compared by', () => {
  it('lower-cases, splits on non-letters, drops stop words and bare numbers, keeps "3d"', () => {
    expect(words('We propose 3D-Aware Diffusion (2024) for the LLMs!')).toEqual(['3d', 'aware', 'diffusion', 'llms']);
  });

  it('folds plurals onto one stem but keeps short words and -ss/-us/-is endings', () => {
    expect(['models', 'policies', 'agents', 'loss', 'corpus', 'analysis', 'gas'].map(stem)).toEqual([
      'model',
      'policy',
      'agent',
      'loss',
      'corpus',
      'analysis',
      'gas',
    ]);
  });
});

describe('ranking by similarity to a board', () => {
  it("ranks the topic's papers above the others", () => {
    const index = indexOf();
    const ranked = rank(index, seedsFor(index, 'd1', 'd2'));
    expect(
      ranked
        .slice(0, 2)
        .map((r) => r.id)
        .sort(),
    ).toEqual(['d3', 'd4']);
    expect(ranked.map((r) => r.id)).not.toContain('r1');
  });

  it('never returns the seeds or excluded papers', () => {
    const index = indexOf();
    const seeds = seedsFor(index, 'd1', 'd2');
    const exclude = new Set([...seeds.map((s) => s.doc), index.indexOf('d3')!]);
    const ids = rankSimilar(index, seeds, { limit: 10, exclude }).map((r) => r.id);
    expect(ids).not.toContain('d1');
    expect(ids).not.toContain('d2');
    expect(ids).not.toContain('d3');
    expect(ids).toContain('d4');
  });

  it('weighs a voted paper more: the board leans to the topic of its voted paper', () => {
    const index = indexOf();
    const board = (diffusionVotes: number, robotVotes: number): Seed[] => [
      { doc: index.indexOf('d1')!, weight: 1 + diffusionVotes },
      { doc: index.indexOf('r1')!, weight: 1 + robotVotes },
    ];
    expect(rank(index, board(3, 0), 1)[0].id).toMatch(/^d/);
    expect(rank(index, board(0, 3), 1)[0].id).toMatch(/^r/);
  });

  it('names the shared words, as written, that weighed most', () => {
    const index = indexOf();
    const [best] = rank(index, seedsFor(index, 'r1', 'r3'), 1);
    expect(best.id).toBe('r2');
    expect(best.reasons[0]).toBe('robot');
    const [similar] = rank(index, seedsFor(index, 'd3'), 1);
    expect(similar.reasons).toEqual(expect.arrayContaining(['diffusion']));
    expect(similar.reasons.length).toBeLessThanOrEqual(3);
  });

  it('shows a reason as a word people wrote: the plural until the singular is seen', () => {
    const plural = indexOf([
      { id: 'a', title: 'Policies under uncertainty', abstract: '' },
      { id: 'b', title: 'Policies that hedge', abstract: '' },
    ]);
    expect(rank(plural, seedsFor(plural, 'a'))[0].reasons).toEqual(['policies']);
    const both = indexOf([
      { id: 'a', title: 'Policies under uncertainty', abstract: '' },
      { id: 'b', title: 'A policy that hedges', abstract: '' },
    ]);
    expect(rank(both, seedsFor(both, 'a'))[0].reasons).toEqual(['policy']);
  });

  it('breaks ties by id, whatever the order papers were added in', () => {
    const twins: IndexedPaper[] = [
      { id: 'b', title: 'Quantum annealing schedules', abstract: '' },
      { id: 'a', title: 'Quantum annealing schedules', abstract: '' },
      { id: 's', title: 'Quantum annealing', abstract: '' },
    ];
    for (const order of [twins, [...twins].reverse()]) {
      const index = indexOf(order);
      expect(rank(index, seedsFor(index, 's')).map((r) => r.id)).toEqual(['a', 'b']);
    }
  });

  it('ranks only the candidates when given (new papers of a feed)', () => {
    const index = indexOf();
    const seeds = seedsFor(index, 'd1');
    const ranked = rankSimilar(index, seeds, { limit: 10, candidates: [index.indexOf('d4')!, index.indexOf('g1')!] });
    expect(ranked.map((r) => r.id)).toEqual(['d4']);
  });

  it('shortlists a large library through the inverted index and ranks as reading every profile term would', () => {
    const filler = ['method', 'network', 'training', 'benchmark', 'optimizer', 'dataset', 'evaluation', 'loss'];
    const papers: IndexedPaper[] = [...LIBRARY];
    for (let i = 0; papers.length <= SHORTLIST_ABOVE + 100; i++) {
      const pick = (k: number) => filler[(i * 7 + k * 3) % filler.length];
      papers.push({ id: `f${i}`, title: `${pick(0)} ${pick(1)} ${i}`, abstract: `${pick(2)} ${pick(3)} ${pick(4)}.` });
    }
    const index = indexOf(papers);
    const seeds = seedsFor(index, 'd1', 'd2');
    const exclude = new Set(seeds.map((s) => s.doc));
    const shortlisted = rankSimilar(index, seeds, { limit: 5, exclude });
    const everything = rankSimilar(index, seeds, { limit: 5, exclude, profileTerms: Number.MAX_SAFE_INTEGER });
    expect(
      shortlisted
        .slice(0, 2)
        .map((r) => r.id)
        .sort(),
    ).toEqual(['d3', 'd4']);
    expect(shortlisted).toEqual(everything);
  });

  it('returns nothing for a board without papers', () => {
    expect(rank(indexOf(), [])).toEqual([]);
  });
});
