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
    expect(toasts.items).toEqual([{ id, text: 'Saved', kind: 'info', action: undefined }]);
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
});
