import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { createBoard, signUp, type TestUser } from '../helpers/factories.js';
import { connectSocket, joinBoard } from '../helpers/socket.js';
import { openRawSocket, socketClosed } from '../helpers/yjs.js';

// What one account may make the server do: boards per hour, open document connections, socket.io
// events per second. Each limit answers clearly (429 with Retry-After, or a refused acknowledgement) and
// leaves other users alone.
let t: TestApp;
let noisy: TestUser;
let quiet: TestUser;

beforeAll(async () => {
  t = await buildTestApp({ quotas: { boardsPerHour: 3, socketsPerUser: 2, socketEventsPerSecond: 5 } });
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
