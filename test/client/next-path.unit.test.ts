import { describe, expect, it } from 'vitest';
import { HOME_SIGNED_IN, nextPath } from '#client/features/auth/next-path.js';

const ORIGIN = 'https://reading.example.org';
const next = (value: string) => nextPath(`?next=${encodeURIComponent(value)}`, ORIGIN);

describe('where signing in leads', () => {
  it('follows a path of this site, with its query and fragment', () => {
    expect(next('/boards/42/cards/7?tab=notes#c3')).toBe('/boards/42/cards/7?tab=notes#c3');
    expect(next('/invite/abc')).toBe('/invite/abc');
  });

  it('never leaves the origin, however the URL parser reads the value', () => {
    for (const hostile of [
      '/\t/evil.example/phish', // the parser drops the tab: //evil.example
      '/\n/evil.example',
      '/\\evil.example', // a backslash reads as a slash
      '//evil.example',
      'https://evil.example/',
      'javascript:alert(1)',
    ]) {
      expect(next(hostile), JSON.stringify(hostile)).toBe(HOME_SIGNED_IN);
    }
  });

  it('does not lead back to a sign-in page', () => {
    expect(next('/login')).toBe(HOME_SIGNED_IN);
    expect(next('/signup?next=/boards')).toBe(HOME_SIGNED_IN);
    expect(nextPath('', ORIGIN)).toBe(HOME_SIGNED_IN);
  });
});
