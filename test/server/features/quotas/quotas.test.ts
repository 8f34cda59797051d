import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { buildTestApp, type TestApp } from '#test/helpers/app.js';
import { createBoard, signUp, type TestUser } from '#test/helpers/factories.js';
import { connectSocket, joinBoard } from '#test/helpers/socket.js';
import { openRawSocket, socketClosed } from '#test/helpers/yjs.js';

// What one account may make the server do: boards per hour, open document connections, socket.io
// events per second. Each limit answers clearly (429 with Retry-After, or a refused acknowledgement) and
// leaves other users alone.
let t: TestApp;
let noisy: TestUser;
let quiet: TestUser;

beforeAll(async () => {
  t = await buildTestApp({
    quotas: { boardsPerHour: 3, papersPerHour: 5, socketsPerUser: 2, socketEventsPerSecond: 5 },
  });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  noisy = await signUp(t.app, 'Noisy Nat');
  quiet = await signUp(t.app, 'Quiet Quinn');
});
afterAll(() => t.close());

describe('per-user quotas', () => {
  it('limits boards created per hour, with 429 and Retry-After, for that user only', async () => {
    for (let i = 0; i < 3; i++) await createBoard(t.app, noisy, `Board ${i}`);
    const refused = await t.app.inject({
      method: 'POST',
      url: '/api/boards',
      headers: { cookie: noisy.cookie },
      payload: { name: 'One too many' },
    });
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.json().message).toMatch(/^boards created: at most 3 an hour/);
    await createBoard(t.app, quiet, 'Still fine');
  });

  it('limits papers imported per hour: the entries past it come back as error lines, then 429', async () => {
    const importing = await signUp(t.app, 'Importing Ivy');
    const importText = (text: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/papers/import',
        headers: { cookie: importing.cookie },
        payload: { text, format: 'trending' },
      });
    const papers = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => `Quota paper ${from + i}\nAn abstract.`).join('\n');

    const first = await importText(papers(0, 3));
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json().created).toHaveLength(3);
    // Two of five left: the next two lines go in, the other two are reported, not dropped in silence.
    const second = await importText(papers(3, 4));
    expect(second.statusCode, second.body).toBe(200);
    expect(second.json().created.map((c: { title: string }) => c.title)).toEqual(['Quota paper 3', 'Quota paper 4']);
    expect(second.json().errors).toEqual([
      {
        line: 5,
        message: expect.stringMatching(/^not imported: over your hourly import allowance; import it again in \d+ min$/),
      },
      { line: 7, message: expect.stringMatching(/^not imported: over your hourly import allowance/) },
    ]);
    // Nothing left: refused before any reading, and one paper added by hand is refused alike.
    const third = await importText(papers(10, 1));
    expect(third.statusCode).toBe(429);
    expect(Number(third.headers['retry-after'])).toBeGreaterThan(0);
    expect(third.json().message).toMatch(/^papers imported: at most 5 an hour; try again in \d+ s$/);
    const single = await t.app.inject({
      method: 'POST',
      url: '/api/papers',
      headers: { cookie: importing.cookie },
      payload: { title: 'One by hand' },
    });
    expect(single.statusCode).toBe(429);
    const [{ n }] = await t.db.sql<
      { n: number }[]
    >`select count(*)::int as n from papers where title like 'Quota paper%' or title = 'One by hand'`;
    expect(n).toBe(5);

    // Another user's allowance is their own; concurrent imports of one user share one allowance exactly.
    const other = await signUp(t.app, 'Other Otto');
    const answers = await Promise.all(
      [0, 1, 2].map((k) =>
        t.app.inject({
          method: 'POST',
          url: '/api/papers/import',
          headers: { cookie: other.cookie },
          payload: { text: papers(100 + k * 10, 3), format: 'trending' },
        }),
      ),
    );
    const created = answers.reduce((sum, res) => sum + (res.statusCode === 200 ? res.json().created.length : 0), 0);
    expect(created).toBe(5);
  });

  it('limits the document connections one user holds open, and frees the slot when one closes', async () => {
    const boardId = (await createBoard(t.app, quiet, 'Many tabs')).id;
    const open = async () => openRawSocket(t.app, boardId, quiet.cookie);
    const first = await open();
    const second = await open();
    expect('socket' in first && 'socket' in second).toBe(true);
    expect(await open()).toEqual({ status: 429 });
    const socket = (first as { socket: WebSocket }).socket;
    const closed = socketClosed(socket);
    socket.close();
    await closed;
    await expect
      .poll(async () => {
        const again = await open();
        if ('socket' in again) again.socket.close();
        return 'socket' in again;
      })
      .toBe(true);
    (second as { socket: WebSocket }).socket.close();
  });

  it('drops socket.io events past the per-second rate, answering their acknowledgements', async () => {
    const boardId = (await createBoard(t.app, quiet, 'Chatty')).id;
    const socket = await connectSocket(t.app, quiet);
    try {
      const answers = await Promise.all(Array.from({ length: 20 }, () => joinBoard(socket, boardId)));
      expect(answers.filter((a) => a.ok).length).toBeLessThanOrEqual(11);
      expect(answers).toContainEqual({ ok: false, error: 'rate_limited' });
      // The rate comes back.
      await new Promise((resolve) => setTimeout(resolve, 1200));
      expect(await joinBoard(socket, boardId)).toEqual({ ok: true });
    } finally {
      socket.close();
    }
  });
});
