import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Database } from '#server/db/connect.js';
import { PostgresBus, type BusMessage } from '#server/sync/bus.js';
import { createTestDatabase } from '#test/helpers/db.js';

// The bus between nodes is LISTEN/NOTIFY, on either engine.
describe('the bus between nodes', () => {
  let db: Database;
  let bus: PostgresBus;
  const errors: unknown[] = [];
  const received: BusMessage[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    bus = new PostgresBus(db.sql, (error) => errors.push(error));
    bus.subscribe((message) => received.push(message));
    await bus.start();
  });

  afterAll(async () => {
    await bus?.close();
    await db?.close();
  });

  /** Sends a raw notification on the bus's channel, as another process (of any version) could. */
  const notify = (payload: string) => db.sql.notify('paperboard_bus', payload);

  it('refuses what is not one of its messages, reports it, and still delivers the next good one', async () => {
    const boardId = '5b0c2f8e-7a43-4c39-9d55-0d8a1c2b3e4f';
    // Not JSON; an `updates` message of an earlier version (one board, no `boards` list); an unknown kind;
    // a row id that is not a number.
    await notify('{not json');
    await notify(JSON.stringify({ kind: 'updates', node: 'old', boardId, from: '1', to: '2' }));
    await notify(JSON.stringify({ kind: 'reboot', node: 'x' }));
    await notify(JSON.stringify({ kind: 'updates', node: 'x', boards: [{ boardId, from: '1; drop', to: '2' }] }));
    const good: BusMessage = { kind: 'updates', node: 'new', boards: [{ boardId, from: '7', to: '9' }] };
    await notify(JSON.stringify(good));
    await vi.waitFor(() => expect(received).toContainEqual(good));
    expect(received).toEqual([good]);
    expect(errors).toHaveLength(4);
    expect(String(errors[1])).toMatch(/bus message refused: .*"updates"/);
    expect(String(errors[2])).toMatch(/"reboot"/);
  });

  it('reports a failing handler without keeping the message from the others', async () => {
    errors.length = 0;
    received.length = 0;
    const after: BusMessage[] = [];
    bus.subscribe(() => {
      throw new Error('handler broke');
    });
    bus.subscribe((message) => after.push(message));
    const message: BusMessage = { kind: 'membership', node: 'n', boardId: 'b', userId: null };
    await bus.publish(message);
    await vi.waitFor(() => expect(after).toEqual([message]));
    expect(received).toEqual([message]);
    expect(errors.map(String)).toEqual(['Error: handler broke']);
  });
});
