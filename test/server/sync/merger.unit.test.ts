import type { Tinypool } from 'tinypool';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { UpdateMerger } from '#server/sync/merger.js';

let merger: UpdateMerger | null = null;
afterEach(async () => {
  await merger?.close();
  merger = null;
});

/** A log of single-key edits, as a board's update log holds them. */
function log(count: number): { doc: Y.Doc; updates: Uint8Array[] } {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => updates.push(update));
  for (let i = 0; i < count; i++) doc.getMap('m').set(`k${i % 7}`, i);
  return { doc, updates };
}

describe('UpdateMerger', () => {
  it('merges a log on its thread into the same document as Y.mergeUpdates', async () => {
    merger = new UpdateMerger(0);
    const { doc, updates } = log(300);
    const merged = await merger.merge(updates);
    expect(merger.running).toBe(true);
    expect(merged).toEqual(Y.mergeUpdates(updates));
    const copy = new Y.Doc();
    Y.applyUpdate(copy, merged);
    expect(copy.getMap('m').toJSON()).toEqual(doc.getMap('m').toJSON());
  });

  it('answers concurrent merges each with its own result, and starts again after close', async () => {
    merger = new UpdateMerger(0);
    const logs = [log(10), log(50), log(120)];
    const merged = await Promise.all(logs.map(({ updates }) => merger!.merge(updates)));
    expect(merged).toEqual(logs.map(({ updates }) => Y.mergeUpdates(updates)));
    await merger.close();
    expect(merger.running).toBe(false);
    expect(await merger.merge(logs[0].updates)).toEqual(Y.mergeUpdates(logs[0].updates));
    expect(merger.running).toBe(true);
  });

  it('merges small logs on the main thread, and warms the thread up for a large board', async () => {
    merger = new UpdateMerger(1024, 16);
    const small = log(5);
    expect(await merger.merge(small.updates)).toEqual(Y.mergeUpdates(small.updates));
    expect(merger.running).toBe(false);
    merger.warmUpFor(512);
    expect(merger.running).toBe(false);
    merger.warmUpFor(4096);
    expect(merger.running).toBe(true);
  });

  it('merges a log of many small updates on its thread', async () => {
    merger = new UpdateMerger(1024 * 1024, 16);
    const few = log(15);
    expect(await merger.merge(few.updates)).toEqual(Y.mergeUpdates(few.updates));
    expect(merger.running).toBe(false);
    const many = log(16);
    expect(many.updates.reduce((sum, u) => sum + u.byteLength, 0)).toBeLessThan(1024);
    expect(await merger.merge(many.updates)).toEqual(Y.mergeUpdates(many.updates));
    expect(merger.running).toBe(true);
  });

  it('merges on the main thread when its thread fails, and the pool replaces the thread', async () => {
    merger = new UpdateMerger(0);
    const { updates } = log(200);
    expect(await merger.merge(updates)).toEqual(Y.mergeUpdates(updates));
    const [thread] = (merger as unknown as { pool: Tinypool }).pool.threads;
    const merging = merger.merge(updates);
    // What Node reports when a thread dies of an uncaught error, while it holds the merge.
    thread.emit('error', new Error('the thread crashed'));
    expect(await merging).toEqual(Y.mergeUpdates(updates));
    await vi.waitFor(() => expect(merger!.running).toBe(true));
    expect((merger as unknown as { pool: Tinypool }).pool.threads[0]).not.toBe(thread);
    expect(await merger.merge(updates)).toEqual(Y.mergeUpdates(updates));
  });

  it('rejects a log that is not made of updates', async () => {
    merger = new UpdateMerger(0);
    const garbage = new Uint8Array([200, 200, 200, 200]);
    await expect(merger.merge([garbage, garbage])).rejects.toThrow();
  });
});
