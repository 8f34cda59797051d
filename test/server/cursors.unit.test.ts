import { describe, expect, it } from 'vitest';
import { isBigintText, isIsoTimestamp } from '#server/cursors.js';

describe('cursor fields', () => {
  it('accept the timestamps the server writes and nothing PostgreSQL would refuse', () => {
    for (const ok of [
      '2026-12-04 22:00:12.115+00',
      '2026-12-06T22:00:12.734Z',
      '2024-02-29T00:00:00+05:30',
      '0001-01-01 00:00:00+00',
    ]) {
      expect(isIsoTimestamp(ok), ok).toBe(true);
    }
    for (const bad of [
      '1',
      'June',
      '2026-02-30T00:00:00Z',
      '2025-02-29T00:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-01-01T24:00:00Z',
      '0000-01-01T00:00:00Z',
      '2026-01-01',
    ]) {
      expect(isIsoTimestamp(bad), bad).toBe(false);
    }
    expect(isBigintText('9223372036854775807')).toBe(true);
    expect(isBigintText('9223372036854775808')).toBe(false);
    expect(isBigintText('-1')).toBe(false);
  });
});
