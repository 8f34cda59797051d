import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { toasts } from '#client/lib/toasts.svelte.js';

describe('toasts', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    for (const toast of toasts.items) toasts.dismiss(toast.id);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('shows a message for six seconds', () => {
    const id = toasts.show('Saved');
    expect(toasts.items).toEqual([{ id, text: 'Saved', kind: 'info', action: undefined, count: 1 }]);
    vi.advanceTimersByTime(5999);
    expect(toasts.items.map((t) => t.text)).toEqual(['Saved']);
    vi.advanceTimersByTime(1);
    expect(toasts.items).toEqual([]);
  });

  it('keeps the four newest, each with its own id', () => {
    const ids = ['one', 'two', 'three', 'four', 'five'].map((text) => toasts.show(text));
    expect(new Set(ids).size).toBe(5);
    expect(toasts.items.map((t) => t.text)).toEqual(['two', 'three', 'four', 'five']);
  });

  it('offers Retry on an error when given something to retry', () => {
    const retry = vi.fn();
    toasts.error('Could not vote.', retry);
    toasts.error('Could not load.');
    const [withRetry, without] = toasts.items;
    expect(withRetry).toMatchObject({ kind: 'error', text: 'Could not vote.', action: { label: 'Retry' } });
    withRetry.action!.run();
    expect(retry).toHaveBeenCalledOnce();
    expect(without).toMatchObject({ kind: 'error', action: undefined });
  });

  it('dismisses one toast at once, leaving the others', () => {
    const first = toasts.show('first');
    toasts.show('second');
    toasts.dismiss(first);
    expect(toasts.items.map((t) => t.text)).toEqual(['second']);
  });

  it('shows a repeated message once, counting the repeats and keeping it on screen from the last', () => {
    const retry = vi.fn();
    const first = toasts.error('Your vote was not counted: offline');
    vi.advanceTimersByTime(4000);
    const second = toasts.error('Your vote was not counted: offline', retry);
    toasts.show('Your vote was not counted: offline');
    expect(second).toBe(first);
    expect(toasts.items).toEqual([
      {
        id: first,
        text: 'Your vote was not counted: offline',
        kind: 'error',
        action: { label: 'Retry', run: retry },
        count: 2,
      },
      { id: expect.any(Number), text: 'Your vote was not counted: offline', kind: 'info', action: undefined, count: 1 },
    ]);
    // Six seconds from the repeat, not from the first.
    vi.advanceTimersByTime(5999);
    expect(toasts.items.map((t) => t.id)).toContain(first);
    vi.advanceTimersByTime(1);
    expect(toasts.items.map((t) => t.id)).not.toContain(first);
  });

  it('moves a repeated message to the newest place instead of dropping it with the oldest', () => {
    toasts.show('repeated');
    for (const text of ['two', 'three', 'four']) toasts.show(text);
    toasts.show('repeated');
    toasts.show('five');
    expect(toasts.items.map((t) => t.text)).toEqual(['three', 'four', 'repeated', 'five']);
  });
});
