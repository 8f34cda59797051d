import { describe, expect, it } from 'vitest';
import {
  ACTIVE_WINDOW_SESSIONS,
  activeWindow,
  rankPresenters,
  spanText,
  type RotationInput,
  type RotationSession,
} from '#server/features/schedule/rotation.js';

const DAY = 24 * 3600_000;
const NOW = new Date('2026-06-01T12:00:00Z');
const daysAgo = (n: number) => new Date(NOW.getTime() - n * DAY);

const ana = { id: '00000000-0000-4000-8000-00000000000a', name: 'Ana' };
const ben = { id: '00000000-0000-4000-8000-00000000000b', name: 'Ben' };
const cleo = { id: '00000000-0000-4000-8000-00000000000c', name: 'Cleo' };
const dev = { id: '00000000-0000-4000-8000-00000000000d', name: 'Dev' };

const session = (cardId: string, presenterId: string, days: number): RotationSession => ({
  cardId,
  presenterId,
  sessionAt: daysAgo(days),
});

/** A board of four members with four weekly past sessions, the card `next` to be presented in a week. */
function fixture(overrides: Partial<RotationInput> = {}): RotationInput {
  return {
    cardId: 'next',
    now: NOW,
    members: [dev, cleo, ben, ana],
    sessions: [
      session('s1', ana.id, 42),
      session('s2', ben.id, 28),
      session('s3', cleo.id, 21),
      session('s4', dev.id, 7),
    ],
    attended: [],
    lastParticipation: [],
    unavailable: [],
    sessionAt: new Date(NOW.getTime() + 7 * DAY),
    ...overrides,
  };
}

const order = (input: RotationInput) => rankPresenters(input).map((r) => r.presenter.name);

describe('rankPresenters', () => {
  it('puts who presented least recently first, and explains it', () => {
    const ranking = rankPresenters(fixture());
    expect(ranking.map((r) => r.presenter.name)).toEqual(['Ana', 'Ben', 'Cleo', 'Dev']);
    expect(ranking[0]).toEqual({
      presenter: ana,
      sessions: 1,
      lastSessionAt: daysAgo(42),
      active: true,
      available: true,
      reason: `Ana — last presented 6 weeks ago, available (nobody was active in the last ${ACTIVE_WINDOW_SESSIONS} sessions, so everyone counts as active)`,
    });
  });

  it('puts members who never presented first, by name', () => {
    const members = [dev, cleo, ben, ana];
    const ranking = rankPresenters(
      fixture({ members, sessions: [session('s1', ana.id, 3), session('s2', dev.id, 10)] }),
    );
    expect(ranking.map((r) => r.presenter.name)).toEqual(['Ben', 'Cleo', 'Dev', 'Ana']);
    expect(ranking[0].reason).toMatch(/^Ben — never presented, available/);
    expect(ranking[0].lastSessionAt).toBeNull();
  });

  it('ranks by fewest sessions before recency, and counts upcoming sessions as turns', () => {
    const sessions = [
      session('s1', ana.id, 60),
      session('s2', ana.id, 50),
      session('s3', ben.id, 3),
      // Cleo presents in two weeks and Dev presented long ago: both have one turn.
      { cardId: 's4', presenterId: cleo.id, sessionAt: new Date(NOW.getTime() + 14 * DAY) },
      session('s5', dev.id, 90),
    ];
    const ranking = rankPresenters(fixture({ sessions }));
    expect(ranking.map((r) => r.presenter.name)).toEqual(['Dev', 'Ben', 'Cleo', 'Ana']);
    expect(ranking.find((r) => r.presenter.id === cleo.id)?.reason).toMatch(/^Cleo — presents in 2 weeks, available/);
    expect(ranking.find((r) => r.presenter.id === ana.id)?.reason).toMatch(
      /^Ana — last presented 7 weeks ago \(2 sessions\), available/,
    );
  });

  it("does not count the card's own assignment, so asking again gives the same answer", () => {
    const sessions = [session('s1', ana.id, 42), session('s2', ben.id, 28), { ...session('next', ana.id, -7) }];
    const ranking = rankPresenters(fixture({ members: [ana, ben], sessions }));
    expect(ranking.map((r) => r.presenter.name)).toEqual(['Ana', 'Ben']);
    expect(ranking[0].sessions).toBe(1);
  });

  it('breaks ties by name, then by id, whatever order the members come in', () => {
    const twin = { id: '00000000-0000-4000-8000-0000000000a0', name: 'Ana' };
    const members = [ben, twin, ana];
    const input = fixture({ members, sessions: [] });
    const ids = rankPresenters(input).map((r) => r.presenter.id);
    expect(ids).toEqual([ana.id, twin.id, ben.id]);
    expect(rankPresenters({ ...input, members: [...members].reverse() }).map((r) => r.presenter.id)).toEqual(ids);
  });

  it('ranks inactive members after active ones, saying why', () => {
    // Ana presented longest ago but neither attended nor voted lately; Dev voted, Ben attended session s3.
    const input = fixture({
      attended: [{ cardId: 's3', userId: ben.id }],
      lastParticipation: [
        { userId: dev.id, at: daysAgo(10) },
        { userId: ana.id, at: daysAgo(300) },
      ],
    });
    const ranking = rankPresenters(input);
    expect(ranking.map((r) => [r.presenter.name, r.active])).toEqual([
      ['Ben', true],
      ['Dev', true],
      ['Ana', false],
      ['Cleo', false],
    ]);
    expect(ranking[0].reason).toBe('Ben — last presented 4 weeks ago, available');
    expect(ranking[2].reason).toBe(
      `Ana — last presented 6 weeks ago, not active in the last ${ACTIVE_WINDOW_SESSIONS} sessions, available`,
    );
  });

  it('counts activity since the earliest of the last 4 past sessions only', () => {
    const sessions = [
      session('old', cleo.id, 100),
      session('s1', ana.id, 42),
      session('s2', ana.id, 35),
      session('s3', ana.id, 28),
      session('s4', dev.id, 21),
    ];
    expect(activeWindow(sessions, NOW).map((s) => s.cardId)).toEqual(['s4', 's3', 's2', 's1']);
    const input = fixture({
      members: [ben, cleo, dev],
      sessions,
      // Ben attended the oldest session (outside the window) and voted before the window began; Cleo
      // voted on its first day; Dev attended s4.
      attended: [
        { cardId: 'old', userId: ben.id },
        { cardId: 's4', userId: dev.id },
      ],
      lastParticipation: [
        { userId: ben.id, at: daysAgo(43) },
        { userId: cleo.id, at: daysAgo(42) },
      ],
    });
    expect(rankPresenters(input).map((r) => [r.presenter.name, r.active])).toEqual([
      ['Cleo', true],
      ['Dev', true],
      ['Ben', false],
    ]);
  });

  it('counts everyone as active when the board has no past session yet', () => {
    const input = fixture({
      sessions: [session('soon', ana.id, -3)],
      lastParticipation: [{ userId: ben.id, at: NOW }],
    });
    const ranking = rankPresenters(input);
    expect(ranking.every((r) => r.active)).toBe(true);
    expect(ranking.map((r) => r.presenter.name)).toEqual(['Ben', 'Cleo', 'Dev', 'Ana']);
    expect(ranking[0].reason).toBe(
      'Ben — never presented, available (no past sessions yet, so everyone counts as active)',
    );
  });

  it('ranks members who answered "no" for the slot last, even when it is their turn', () => {
    const ranking = rankPresenters(
      fixture({
        unavailable: [ana.id, cleo.id],
        attended: [{ cardId: 's4', userId: ana.id }],
      }),
    );
    // Ana, the only active member, presented longest ago, but said no; Ben and Dev are not active lately.
    expect(ranking.map((r) => [r.presenter.name, r.available])).toEqual([
      ['Ben', true],
      ['Dev', true],
      ['Ana', false],
      ['Cleo', false],
    ]);
    expect(ranking[0].reason).toBe(
      `Ben — last presented 4 weeks ago, not active in the last ${ACTIVE_WINDOW_SESSIONS} sessions, available`,
    );
    expect(ranking[2].reason).toBe('Ana — last presented 6 weeks ago, not available');
    expect(ranking[3].reason).toBe(
      `Cleo — last presented 3 weeks ago, not active in the last ${ACTIVE_WINDOW_SESSIONS} sessions, not available`,
    );
  });

  it('says nothing of availability without a session, and ignores answers then', () => {
    const ranking = rankPresenters(fixture({ sessionAt: null, unavailable: [ana.id] }));
    expect(ranking[0].presenter.name).toBe('Ana');
    expect(ranking[0].available).toBe(true);
    expect(ranking[0].reason).toMatch(/^Ana — last presented 6 weeks ago \(nobody was active/);
  });

  it('ignores activity of people who are no longer members', () => {
    const gone = '00000000-0000-4000-8000-00000000ffff';
    const ranking = rankPresenters(fixture({ lastParticipation: [{ userId: gone, at: NOW }] }));
    expect(ranking.every((r) => r.active)).toBe(true);
    expect(order(fixture())).toEqual(ranking.map((r) => r.presenter.name));
  });

  it('gives the same ranking for the same facts', () => {
    const input = fixture({ attended: [{ cardId: 's2', userId: cleo.id }], unavailable: [dev.id] });
    expect(rankPresenters(input)).toEqual(rankPresenters(structuredClone(input)));
  });
});

describe('spanText', () => {
  it('says spans as people do', () => {
    expect(spanText(3 * 3600_000)).toBe('less than a day');
    expect(spanText(DAY + 1)).toBe('1 day');
    expect(spanText(3 * DAY)).toBe('3 days');
    expect(spanText(13 * DAY)).toBe('13 days');
    expect(spanText(14 * DAY)).toBe('2 weeks');
    expect(spanText(42 * DAY)).toBe('6 weeks');
    expect(spanText(70 * DAY)).toBe('2 months');
    expect(spanText(200 * DAY)).toBe('6 months');
    expect(spanText(800 * DAY)).toBe('2 years');
    expect(spanText(-3 * DAY)).toBe('3 days');
  });
});
