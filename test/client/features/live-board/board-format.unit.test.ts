import { describe, expect, it } from 'vitest';
import type { ActivityEntry } from '#shared/schemas/activity.js';
import { describeActivity } from '#client/features/live-board/board-format.js';

function entry(
  kind: ActivityEntry['kind'],
  actorName: string | null,
  details: Record<string, unknown> = {},
): ActivityEntry {
  return {
    id: '1',
    boardId: '00000000-0000-4000-8000-000000000000',
    actorId: null,
    actorName,
    kind,
    cardId: null,
    details,
    createdAt: '2026-12-07T10:00:00.000Z',
  };
}

describe('describeActivity', () => {
  it('tells ballot rounds opened and closed, by a person or at their deadline', () => {
    const titleOf = () => null;
    expect(describeActivity(entry('round:opened', 'Ann'), titleOf)).toBe('Ann opened a ballot round');
    expect(describeActivity(entry('round:closed', null, { winners: 1 }), titleOf)).toBe(
      'A ballot round closed with one winner',
    );
    expect(describeActivity(entry('round:closed', 'Ann', { winners: 2 }), titleOf)).toBe(
      'A ballot round closed with 2 winners (closed by Ann)',
    );
  });
});
