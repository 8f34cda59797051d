import { describe, expect, it } from 'vitest';
import { RemoteStreams } from '#server/sync/remote-streams.js';

const update = (n: number) => new Uint8Array([n]);
const rows = (from: number, to: number, first: number, last: number, whole = true, stream = 's1') => ({
  boardId: 'room',
  from: String(from),
  to: String(to),
  span: { stream, first, last, whole },
});

describe('RemoteStreams', () => {
  it('reads nothing for rows whose updates all arrived whole, and forgets them', () => {
    const streams = new RemoteStreams();
    streams.received('room', 's1', 1, update(1), 0);
    streams.received('room', 's1', 2, update(2), 0);
    expect(streams.announced('room', rows(10, 11, 1, 2))).toEqual({ read: false, missed: null });
    expect(streams.held).toBe(0);
  });

  it('reads the rows when one of their updates did not arrive, or was too large to send', () => {
    const streams = new RemoteStreams();
    streams.received('room', 's1', 1, update(1), 0);
    expect(streams.announced('room', rows(10, 11, 1, 2)).read).toBe(true);
    streams.received('room', 's1', 3, update(3), 0);
    expect(streams.announced('room', rows(12, 12, 3, 3, false)).read).toBe(true);
  });

  it('reads rows without a span (a compaction, or updates stored for another node)', () => {
    const streams = new RemoteStreams();
    expect(streams.announced('room', { boardId: 'room', from: '5', to: '5' })).toEqual({ read: true, missed: null });
  });

  it('names the rows of an announcement that never came when a stream skips numbers', () => {
    const streams = new RemoteStreams();
    streams.received('room', 's1', 1, update(1), 0);
    expect(streams.announced('room', rows(10, 10, 1, 1)).missed).toBeNull();
    // Update 2 and its announcement (rows 11..14) were lost; update 3 arrives.
    streams.received('room', 's1', 3, update(3), 0);
    expect(streams.announced('room', rows(15, 15, 3, 3))).toEqual({ read: false, missed: { from: '11', to: '14' } });
    // Streams are apart: another node's first announcement is not a gap.
    streams.received('room', 's2', 7, update(7), 0);
    expect(streams.announced('room', rows(16, 16, 7, 7, true, 's2')).missed).toBeNull();
  });

  it('hands over updates no announcement covered in time, and what a room still holds when it unloads', () => {
    const streams = new RemoteStreams();
    streams.received('room', 's1', 1, update(1), 0);
    streams.received('room', 's1', 2, update(2), 100);
    streams.received('other', 's9', 1, update(9), 0);
    expect(streams.overdue(50)).toEqual(
      new Map([
        ['room', [update(1)]],
        ['other', [update(9)]],
      ]),
    );
    expect(streams.overdue(50).size).toBe(0);
    streams.received('room', 's1', 4, update(4), 100);
    expect(streams.forget('room')).toEqual([update(2), update(4)]);
    expect(streams.held).toBe(0);
  });

  it('holds nothing for an update whose rows were announced before it arrived', () => {
    const streams = new RemoteStreams();
    streams.announced('room', rows(10, 10, 1, 1));
    streams.received('room', 's1', 1, update(1), 0);
    expect(streams.held).toBe(0);
  });
});
